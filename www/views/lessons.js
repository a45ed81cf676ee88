// Lessons: presets that load data, network and weights and open the right views, one
// for each notebook the users come from. A link whose hash is #lesson=NAME opens one
// (#lesson=NAME&variant=KEY one of its variants). The banner says what to look at; it
// stands just above the view that matters (or above the lab) and is scrolled into
// sight with it. Its live line shows the engine's figures for what the text states.
import { detailsBox, el, num } from "./parts.js";
import { CMU_CONV_CSV, CMU_CONV_MODEL, CMU_CONV_HIDDEN, CMU_PIXELS } from "./lessons-conv.js";
import { DROPOUT_BATCHNORM } from "./lessons-dropbn.js";
import { UCLA_AUTOENCODER } from "./lessons-autoencoder.js";

const CS231N_MODEL = {
  format: "backprop-lab.model", version: 1, input_dim: 2,
  layers: [
    { units: 2, activation: "relu", weights: [[0.18, 0.1], [0.04, 0.22]], biases: [0, 0] },
    { units: 3, activation: "identity", weights: [[0.19, -0.02], [-0.1, -0.01], [0.1, 0.04]], biases: [0, 0, 0] },
  ],
  loss: "softmax_cross_entropy", reduction: "mean", l2: 0,
};

const UDL_TOY_MODEL = {
  format: "backprop-lab.model", version: 1, input_dim: 1,
  layers: [
    { units: 1, activation: "sin", weights: [[0.1]], biases: [1.0] },
    { units: 1, activation: "exp", weights: [[-0.4]], biases: [2.0] },
    { units: 1, activation: "cos", weights: [[2.0]], biases: [-3.0] },
    { units: 1, activation: "identity", weights: [[3.0]], biases: [0.4] },
  ],
  loss: "sse", reduction: "sum", l2: 0,
};

/** Six examples of four inputs and one target for the deep ReLU net's check. */
const UDL_DEEP_CSV = `x0,x1,x2,x3,y
0.50,-1.20,0.30,2.00,0.70
-0.80,0.40,1.10,-0.30,-0.20
1.50,0.90,-0.60,0.10,1.30
-0.20,-0.70,-1.40,0.80,-0.90
0.90,1.60,0.20,-1.10,0.40
-1.30,0.20,0.70,0.60,0.10
`;

/** The digits-convnet lesson's convnet (crate/tests/convnet_lesson.rs measures it). */
const CONVNET = [
  { kind: "conv2d", filters: 4, kernel: [3, 3], stride: 1, pad: 1, activation: "relu" },
  { kind: "maxpool2d", size: 2, stride: 2 },
  { kind: "flatten" },
];

export const LESSONS = {
  "cs231n-worked-example": {
    title: "cs231n: a two-layer net, worked by hand",
    text: "X = [16, -6], class 2, the notebook's W1 and W2. Look at the ledger below and step through it: the scores, the loss 1.05138, dscores, the ReLU mask, dW1.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: [{ units: 2, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", reduction: "mean" }, training: { batch_size: 1, learning_rate: 0.1 } },
    csv: "x0,x1,label\n16.0,-6.0,2\n",
    model: CS231N_MODEL,
    open: ["view-ledger"],
  },
  "udl-toy-chain": {
    title: "UDL 7.1: backprop through a chain of functions",
    text: "f = b3 + w3 cos(b2 + w2 exp(b1 + w1 sin(b0 + w0 x))) at x = 2.3, y = 2.0, least squares. The ledger below lists f_k (z), h_k (a) and dl/df_k (delta): f0 = 1.23, f3 = 2.37226, the loss 0.138581, dl/df0 = 2.2809.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: [{ units: 1, activation: "sin" }, { units: 1, activation: "exp" }, { units: 1, activation: "cos" }], output: "identity", loss: "sse", reduction: "sum" }, training: { batch_size: 1, learning_rate: 0.01 } },
    csv: "x0,y\n2.3,2.0\n",
    model: UDL_TOY_MODEL,
    open: ["view-ledger"],
  },
  "udl-deep-net": {
    title: "UDL 7.2: a deep ReLU net and its finite-difference check",
    text: "Five hidden ReLU layers of six units, least squares summed over six examples. The gradient check beside the ledger below compares backprop with central differences for every tensor: every relative error is below 1e-6.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: Array.from({ length: 5 }, () => ({ units: 6, activation: "relu" })), output: "identity", loss: "sse", reduction: "sum", init: "he", seed: 7 }, training: { batch_size: 6, learning_rate: 0.001 } },
    csv: UDL_DEEP_CSV,
    open: ["view-ledger"],
  },
  "cmu-blobs": {
    title: "CMU: four gaussian blobs, Xavier, summed cross-entropy",
    text: "The notebook's 2-25-4 net: sigmoid hidden units, softmax output, Xavier weights, batches of 5 (the rows shuffled once, then the same batches every epoch), learning rate 1e-3 on the loss summed over each batch, 500 epochs. Its criterion: after 500 epochs the loss summed over the epoch (the 8 batch losses added up, as the notebook prints it) is below 35 and the accuracy above 0.75; the seed reached 27.55 and 0.85. The line below shows both as training goes; the status line at the top shows the mean batch loss, an eighth of the sum. Watch the four blobs' regions form in the output plot.",
    state: { data: { kind: "blobs", validation: 0 }, network: { hidden: [{ units: 25, activation: "sigmoid" }], output: "identity", loss: "softmax_cross_entropy", reduction: "sum", init: "xavier" }, training: { optimizer: "sgd", learning_rate: 0.001, batch_size: 5, shuffle: false }, view: { stop: "epochs", stop_value: 500, pace: 8 } },
    play: true,
    figure: (lab) => `Epoch ${lab.epoch()} of 500 · loss summed over the epoch's ${lab.stepsPerEpoch()} batches ${fixed(lab.epochLossSum(), 2)} · training accuracy ${fixed(lab.last("train_accuracy"), 3)}`,
  },
  "toy-1d-nudge": {
    title: "Nudge a weight: the 1-D step toy",
    text: "1000 points in [-5, 5], target sign(x), a 1-1-1-1 tanh chain. The nudge view below sweeps w3 over w3 + d; the tangent's slope is backprop's dC/dw3, and central differences agree with it. Select w1 in the diagram or the list to compare.",
    state: { data: { kind: "toy1d", points: 1000, validation: 0.2 }, network: { hidden: [{ units: 1, activation: "tanh" }, { units: 1, activation: "tanh" }], output: "tanh", loss: "mse", seed: 3 }, training: { learning_rate: 0.05, batch_size: 10 } },
    select: { layer: 2, unit: 0, input: 0 },
    open: ["view-nudge"],
  },
  "circles-representation": {
    title: "Circles: watch the hidden layer pull them apart",
    text: "Three tanh units lift the two circles into 3-D, where a plane can separate them. Press Play and watch the points in the representation below move, slowly enough to follow: for some 15 seconds the circles stay tangled, then the inner one folds away from the outer, and validation accuracy jumps to 1 (near epoch 150). Training stops at epoch 250. Drag the picture to turn it; the morph slider moves between the input plane and the layer.",
    state: { data: { kind: "circles", points: 400, noise: 0.05, factor: 0.5 }, network: { hidden: [{ units: 3, activation: "tanh" }], seed: 2 }, training: { learning_rate: 0.1, batch_size: 10 }, view: { pace: 7, stop: "epochs", stop_value: 250 } },
    open: ["view-representation"],
    figure: (lab) => `Epoch ${lab.epoch()} · validation accuracy ${fixed(lab.last("val_accuracy"), 3)}`,
  },
  "digits-overfit": {
    title: "Overfit 50 digits and watch the filters",
    text: "The UCLA notebook's check of a 64-100-100-10 ReLU net: it learns 50 training digits by heart, training accuracy 1.0 within 20 epochs (here near epoch 10; weights drawn with std 0.1; SGD with momentum, learning rate 0.1, batches of 25). 200 more digits are held out: validation accuracy stays near 0.75, and the gap between the two is overfitting. The filters below are the rows of W1 as 8x8 images, white at 0, blue positive, orange negative. The weights start small and a light L2 penalty (0.01) shrinks what the data does not ask for, so the strokes that remain were learned from the 50 digits.",
    state: { data: { kind: "digits", limit: 250, validation: 0.8 }, features: { standardize: false }, network: { hidden: [{ units: 100, activation: "relu" }, { units: 100, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", init: "gaussian", init_std: 0.1 }, training: { optimizer: "momentum", learning_rate: 0.1, batch_size: 25, l2: 0.01 }, view: { stop: "epochs", stop_value: 100, pace: 4 } },
    open: ["view-filters"],
    controls: { "filters-colour": "signed" },
    play: true,
    figure: (lab) => `Epoch ${lab.epoch()} of 100 · training accuracy ${fixed(lab.last("train_accuracy"), 3)} · validation accuracy ${fixed(lab.last("val_accuracy"), 3)}`,
  },
  "cmu-conv": {
    title: "CMU 2.4.1: conv_forward, pixel by pixel",
    text: "The seed's conv_forward test: two 3x4x4 images, three 4x4 filters, stride 2, padding 1, x, w and b by linspace as the notebook makes them; each output map is 2x2. The network reads the convolution out unchanged (flatten, then a 12-unit identity layer). Hover a pixel of a conv map below: its receptive field is outlined on the input's three channels and its sum, the 3x4x4 patch x kernel + b, is written out beside it (padding counts 0), and term by term in the ledger, which lists the three pixels below. The line below shows three of the outputs; the seed's y_ref prints them as -0.08759809, -0.10987781 and 2.38247847.",
    state: { data: { kind: "csv", validation: 0 }, features: { standardize: false }, network: { hidden: CMU_CONV_HIDDEN, output: "identity", loss: "mse", reduction: "sum" }, training: { batch_size: 2, learning_rate: 0.01 } },
    csv: CMU_CONV_CSV,
    model: CMU_CONV_MODEL,
    open: ["view-featuremaps", "view-ledger"],
    ledger: { pixels: CMU_PIXELS },
    figure: (lab) => CMU_PIXELS
      .map(([row, f, y, x]) => `image ${row} map ${f} (${y}, ${x}): ${JSON.parse(lab.convPixelSum(row, 0, f, y, x)).z.toFixed(8)}`).join(" · "),
  },
  "digits-convnet": {
    title: "A small convnet beats an MLP of its size on the digits",
    text: "Both nets have about 690 parameters and train the same way on the same 898 digits (Adam, learning rate 0.01, batches of 32, He weights, 20 epochs), 899 more held out. The convnet: 4 filters of 3x3 (pad 1, ReLU), a 2x2 max pool, flatten, 10 outputs: 690 parameters. The MLP: one ReLU layer of 9 units: 685. Measured natively (crate/tests/convnet_lesson.rs), the convnet reaches validation accuracy 0.958 and the MLP 0.914: a filter slides over the image and learns a stroke wherever it is, while each MLP unit must learn it at every place. Switch with the buttons; the feature maps below show what each filter finds in the selected digit.",
    state: { data: { kind: "digits", limit: 0, validation: 0.5, seed: 1 }, features: { standardize: false }, network: { hidden: CONVNET, output: "identity", loss: "softmax_cross_entropy", init: "he", seed: 1 }, training: { optimizer: "adam", learning_rate: 0.01, batch_size: 32 }, view: { stop: "epochs", stop_value: 20, pace: 11 } },
    variants: [
      { key: "convnet", label: "convnet (690 parameters)", state: { network: { hidden: CONVNET } },
        note: "The convnet: after 20 epochs validation accuracy 0.958." },
      { key: "mlp", label: "MLP 64-9-10 (685 parameters)", state: { network: { hidden: [{ units: 9, activation: "relu" }] } },
        note: "The MLP: after 20 epochs validation accuracy 0.914." },
    ],
    open: ["view-featuremaps"],
    play: true,
    figure: (lab) => `Epoch ${lab.epoch()} of 20 · validation accuracy ${fixed(lab.last("val_accuracy"), 3)}`,
  },
  "dropout-batchnorm": DROPOUT_BATCHNORM,
  "ucla-autoencoder": UCLA_AUTOENCODER,
  "linear-collapse": {
    title: "Linear activations collapse",
    text: "Every activation is the identity, so however deep, the network is one affine map a = W* x + b*. The ledger panel below shows W*, b* and that they reproduce every output.",
    state: { data: { kind: "circles" }, network: { hidden: [{ units: 4, activation: "identity" }, { units: 3, activation: "identity" }], output: "identity" } },
    open: ["view-ledger"],
  },
  "zero-init": {
    title: "CMU 2.1.1: why not start from zeros?",
    text: "Two tanh layers of four units on the circles, trained for 150 epochs from three starting points. Look at the hidden units' heatmaps in the network diagram and at the output plot, and switch the initialiser with the buttons.",
    state: { data: { kind: "circles", points: 400, noise: 0.05, factor: 0.5 }, network: { hidden: [{ units: 4, activation: "tanh" }, { units: 4, activation: "tanh" }], init: "zeros", init_std: 0.5, seed: 3 }, training: { learning_rate: 0.3, batch_size: 10 }, view: { stop: "epochs", stop_value: 150, pace: 8 } },
    variants: [
      { key: "zeros", label: "zeros", state: { network: { init: "zeros" } },
        note: "Zeros: every hidden unit outputs tanh(0) = 0, so every weight's gradient is 0 and only the output bias moves. The heatmaps stay blank and the loss stays at ln 2 = 0.693: a coin toss." },
      { key: "constant", label: "constant 0.5", state: { network: { init: "constant" } },
        note: "Constant 0.5: the units of a layer start equal, so they get equal gradients and stay copies of one another (identical heatmaps). Each layer is no better than one unit: one straight cut, and the circles stay mixed." },
      { key: "xavier", label: "Xavier", state: { network: { init: "xavier" } },
        note: "Xavier: random weights make every unit different from the start; each learns its own cut, and together they enclose the inner circle (validation accuracy near 1)." },
    ],
    play: true,
    figure: (lab) => `Epoch ${lab.epoch()} of 150 · loss ${fixed(lab.last("train_loss"), 3)} · validation accuracy ${fixed(lab.last("val_accuracy"), 3)}`,
  },
  "why-xavier": {
    title: "CMU 2.1.3: why scale the initial weights?",
    text: "Six tanh layers of 30 units, before any training. The histograms below count each layer's activations over the training rows; switch the initial weights with the buttons. Then press Play: from std 0.01 the loss stays at ln 2 = 0.693, a coin toss, since the gradients vanish with the signal; std 1.0 and Xavier both fit these easy circles, but with std 1.0 the layers stay saturated while Xavier's keep their spread.",
    state: { data: { kind: "circles", points: 400, noise: 0.05, factor: 0.5 }, features: { standardize: true }, network: { hidden: Array.from({ length: 6 }, () => ({ units: 30, activation: "tanh" })), init: "gaussian", init_std: 1, seed: 1 }, training: { learning_rate: 0.03, batch_size: 10 }, view: { pace: 9 } },
    variants: [
      { key: "std1", label: "gaussian std 1.0", state: { network: { init: "gaussian", init_std: 1 } },
        note: "Std 1.0: each z adds up 30 terms of size about 1, so from layer 2 on half or more of the activations sit at -1 or +1 (saturated), where tanh' is near 0 and little gradient passes back." },
      { key: "std001", label: "gaussian std 0.01", state: { network: { init: "gaussian", init_std: 0.01 } },
        note: "Std 0.01: each layer multiplies the spread by about 0.01 x sqrt(30), 1/18, so by layer 6 every activation is 0 to eight decimals. The gradients of the early layers vanish the same way." },
      { key: "xavier", label: "Xavier", state: { network: { init: "xavier" } },
        note: "Xavier draws from U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), weights scaled to the layer's width, so the spread holds from layer to layer: neither saturated nor vanishing." },
    ],
    open: ["view-activations"],
    figure: (lab) => {
      const h = JSON.parse(lab.activationHistograms(40));
      const last = h.at(-2);
      return `Layer ${h.length - 1}, the last hidden layer: std ${num(Number(last.std.toPrecision(2)))} · ${fixed(100 * last.saturated, 0)}% saturated (|a| > 0.98) · epoch ${lab.epoch()} · loss ${fixed(lab.last("train_loss"), 3)}`;
    },
  },
  "bias-trick": {
    title: "Dealing with biases: the bias trick",
    text: "W x + b is one product: append b to W as a last column and a 1 to the input, and [W b] [x; 1] gives the same z. The ledger's bias trick toggle is on: in each layer, find the bias column and the 1 (shaded), and check that the product equals the forward pass's z beside it. A bias is the weight of an input that is always 1.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: [{ units: 2, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", reduction: "mean" }, training: { batch_size: 1, learning_rate: 0.1 } },
    csv: "x0,x1,x2,label\n2.0,-1.0,0.5,2\n",
    model: {
      format: "backprop-lab.model", version: 1, input_dim: 3,
      layers: [
        { units: 2, activation: "relu", weights: [[0.5, -0.3, 0.8], [-0.2, 0.4, 0.1]], biases: [0.1, -0.7] },
        { units: 3, activation: "identity", weights: [[0.3, -0.6], [0.7, 0.2], [-0.4, 0.5]], biases: [0.25, -0.1, 0.6] },
      ],
      loss: "softmax_cross_entropy", reduction: "mean", l2: 0,
    },
    open: ["view-ledger"],
    ledger: { augmented: true },
  },
};

const fixed = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : "–");

/** `b` laid over `a`: objects merge key by key, anything else replaces. */
function merge(a, b) {
  const out = structuredClone(a);
  for (const [k, v] of Object.entries(b)) {
    const both = v && typeof v === "object" && !Array.isArray(v) && out[k] && typeof out[k] === "object";
    out[k] = both ? merge(out[k], v) : structuredClone(v);
  }
  return out;
}

let banner;
let current = null;
let lastFigure = -Infinity;
/** Milliseconds between updates of the banner's live line while training. */
const FIGURE_MS = 250;

const hashFor = (name, variant) => (variant ? `lesson=${name}&variant=${variant}` : `lesson=${name}`);

function go(name, variant, ctx) {
  const hash = hashFor(name, variant);
  if (location.hash.slice(1) === hash) open(name, variant, ctx, false);
  else location.hash = hash;
}

/** Puts the banner just above the view the lesson is about (or above the lab) and
 * scrolls so that both are in sight. */
function place(lesson) {
  const view = document.getElementById(lesson?.open?.[0] ?? "");
  if (view) {
    view.before(banner);
    banner.scrollIntoView({ block: "start" });
  } else {
    document.querySelector("main.lab").before(banner);
    window.scrollTo({ top: 0 });
  }
}

function renderBanner(name, lesson, variant, ctx) {
  const parts = [el("h3", lesson.title), el("p", lesson.text)];
  const row = el("div", null, "lesson-actions");
  if (lesson.variants) {
    const group = el("div", null, "lesson-variants");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Initialisation");
    for (const v of lesson.variants) {
      const b = el("button", v.label);
      b.type = "button";
      b.dataset.variant = v.key;
      b.setAttribute("aria-pressed", String(v === variant));
      b.addEventListener("click", () => go(name, v.key, ctx));
      group.append(b);
    }
    row.append(group);
  }
  if (lesson.state.view?.pace != null) {
    const play = el("button", ctx.playing ? "Pause" : "Play", "lesson-play");
    play.type = "button";
    play.addEventListener("click", () => document.getElementById("play").click());
    row.append(play);
  }
  if (row.children.length) parts.push(row);
  if (variant?.note) parts.push(el("p", variant.note, "lesson-note"));
  const figure = el("p", null, "lesson-figure");
  figure.setAttribute("aria-live", "off");
  if (lesson.figure) parts.push(figure);
  banner.replaceChildren(...parts);
  banner.dataset.lesson = name;
  if (variant) banner.dataset.variant = variant.key;
  else delete banner.dataset.variant;
  current = { lesson, figure, play: banner.querySelector(".lesson-play") };
  lastFigure = -Infinity;
}

/** Sets the speed control to pace `v` as a person would, so the page applies it. */
function setSpeed(v) {
  const slider = document.getElementById("speed");
  if (!slider || Number(slider.value) === v) return;
  slider.value = String(v);
  slider.dispatchEvent(new Event("input"));
}

async function open(name, variantKey, ctx, ask = true) {
  const lesson = LESSONS[name];
  if (!lesson) {
    current = null;
    banner.replaceChildren(el("p", `There is no lesson "${name}".`, "hint"));
    delete banner.dataset.lesson;
    place(null);
    return;
  }
  const variant = lesson.variants?.find((v) => v.key === variantKey) ?? lesson.variants?.[0] ?? null;
  const spec = merge(lesson.state, variant?.state ?? {});
  const base = structuredClone(ctx.state);
  // A stop condition belongs to its lesson; the pace stays the user's unless the lesson sets one.
  // Imported here, not at the top: the lesson list also loads in Node (tests), where the
  // engine behind the settings table is not loaded.
  const { parse } = await import("../state.js");
  const { state } = parse({ ...spec, view: { ...base.view, stop: "none", ...spec.view, example: 0 } });
  const same = banner.dataset.lesson === name;
  const ok = await ctx.load(state, { csv: lesson.csv ?? null, model: lesson.model ? JSON.stringify(lesson.model) : null, ask: ask && !same });
  if (!ok) return;
  renderBanner(name, lesson, variant, ctx);
  if (lesson.select) ctx.select(lesson.select);
  for (const id of lesson.open ?? []) {
    const view = document.getElementById(id);
    if (view instanceof HTMLDetailsElement) view.open = true;
  }
  for (const [id, value] of Object.entries(lesson.controls ?? {})) {
    const control = document.getElementById(id);
    if (control && control.value !== value) {
      control.value = value;
      control.dispatchEvent(new Event("change"));
    }
  }
  if (spec.view?.pace != null) setSpeed(spec.view.pace);
  if (lesson.play) ctx.play();
  lesson.start?.();
  ctx.redraw();
  // The opened views fill in on the next frames; scroll once they have their size.
  await nextFrame();
  await nextFrame();
  place(lesson);
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

export function mount(container, ctx) {
  const body = detailsBox(container, "view-lessons", "Lessons", true);
  const list = el("ul", null, "lessons");
  for (const [name, lesson] of Object.entries(LESSONS)) {
    const li = document.createElement("li");
    const a = el("a", lesson.title);
    a.href = `#lesson=${name}`;
    li.append(a);
    list.append(li);
  }
  banner = el("section", null, "lesson-banner");
  banner.id = "lesson-banner";
  banner.setAttribute("aria-label", "Lesson");
  banner.setAttribute("aria-live", "polite");
  body.append(list);
  const fromHash = () => {
    const params = new URLSearchParams(location.hash.slice(1));
    const name = params.get("lesson");
    if (name) open(name, params.get("variant"), ctx);
  };
  window.addEventListener("hashchange", fromHash);
  ctx.onReady(fromHash);
}

export function update(ctx) {
  if (!current || !ctx.lab) return;
  if (current.play) {
    const text = ctx.playing ? "Pause" : "Play";
    if (current.play.textContent !== text) current.play.textContent = text;
  }
  if (!current.lesson.figure) return;
  const now = ctx.now || performance.now();
  if (ctx.playing && now - lastFigure < FIGURE_MS) return;
  lastFigure = now;
  let text;
  try {
    text = current.lesson.figure(ctx.lab);
  } catch (e) {
    text = `The figure could not be read: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (current.figure.textContent !== text) current.figure.textContent = text;
}
