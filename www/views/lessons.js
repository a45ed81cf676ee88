// Lessons: presets that load data, network and weights and open the right views, one
// for each notebook the users come from. A link whose hash is #lesson=NAME opens one.
import { parse } from "../state.js";
import { panel, el } from "./panel.js";

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

export const LESSONS = {
  "cs231n-worked-example": {
    title: "cs231n: a two-layer net, worked by hand",
    text: "X = [16, -6], class 2, the notebook's W1 and W2. Step through the ledger: the scores, the loss 1.05138, dscores, the ReLU mask, dW1.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: [{ units: 2, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", reduction: "mean" }, training: { batch_size: 1, learning_rate: 0.1 } },
    csv: "x0,x1,label\n16.0,-6.0,2\n",
    model: CS231N_MODEL,
    open: ["view-ledger"],
  },
  "udl-toy-chain": {
    title: "UDL 7.1: backprop through a chain of functions",
    text: "f = b3 + w3 cos(b2 + w2 exp(b1 + w1 sin(b0 + w0 x))) at x = 2.3, y = 2.0, least squares. The ledger lists f_k (z), h_k (a) and dl/df_k (delta).",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: [{ units: 1, activation: "sin" }, { units: 1, activation: "exp" }, { units: 1, activation: "cos" }], output: "identity", loss: "sse", reduction: "sum" }, training: { batch_size: 1, learning_rate: 0.01 } },
    csv: "x0,y\n2.3,2.0\n",
    model: UDL_TOY_MODEL,
    open: ["view-ledger"],
  },
  "udl-deep-net": {
    title: "UDL 7.2: a deep ReLU net and its finite-difference check",
    text: "Five hidden ReLU layers of six units, least squares. The gradient check beside the ledger compares backprop with central differences for every tensor.",
    state: { data: { kind: "csv", validation: 0 }, network: { hidden: Array.from({ length: 5 }, () => ({ units: 6, activation: "relu" })), output: "identity", loss: "sse", reduction: "sum", init: "he", seed: 7 }, training: { batch_size: 6, learning_rate: 0.001 } },
    csv: UDL_DEEP_CSV,
    open: ["view-ledger"],
  },
  "cmu-blobs": {
    title: "CMU: four gaussian blobs, Xavier, summed cross-entropy",
    text: "2-25-4, sigmoid hidden units, softmax output, batches of 5 shuffled once, learning rate 1e-3 on the summed loss, 500 epochs. It reaches a loss near 27 and accuracy near 0.85.",
    state: { data: { kind: "blobs", validation: 0 }, network: { hidden: [{ units: 25, activation: "sigmoid" }], output: "identity", loss: "softmax_cross_entropy", reduction: "sum", init: "xavier" }, training: { optimizer: "sgd", learning_rate: 0.001, batch_size: 5, shuffle: false }, view: { stop: "epochs", stop_value: 500 } },
    play: true,
  },
  "toy-1d-nudge": {
    title: "Nudge a weight: the 1-D step toy",
    text: "1000 points in [-5, 5], target sign(x), a 1-1-1-1 tanh chain. The nudge view sweeps w3 over w3 + d; the tangent's slope is backprop's dC/dw3. Select w1 in the diagram or the list to compare.",
    state: { data: { kind: "toy1d", points: 1000, validation: 0.2 }, network: { hidden: [{ units: 1, activation: "tanh" }, { units: 1, activation: "tanh" }], output: "tanh", loss: "mse", seed: 3 }, training: { learning_rate: 0.05, batch_size: 10 } },
    select: { layer: 2, unit: 0, input: 0 },
    open: ["view-nudge"],
  },
  "circles-representation": {
    title: "Circles: watch the hidden layer pull them apart",
    text: "Three tanh units lift the two circles into 3-D, where a plane separates them. Press Play and watch the representation.",
    state: { data: { kind: "circles", points: 400, noise: 0.05, factor: 0.5 }, network: { hidden: [{ units: 3, activation: "tanh" }], seed: 2 }, training: { learning_rate: 0.1, batch_size: 10 } },
    open: ["view-representation"],
    play: true,
  },
  "digits-overfit": {
    title: "Overfit 50 digits and watch the filters",
    text: "A 64-100-100-10 ReLU net learns 50 training digits by heart. The first-layer filters are its weight rows shown as 8x8 images.",
    state: { data: { kind: "digits", limit: 50, validation: 0 }, features: { standardize: true }, network: { hidden: [{ units: 100, activation: "relu" }, { units: 100, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", init: "he" }, training: { optimizer: "sgd", learning_rate: 0.05, batch_size: 25 }, view: { stop: "epochs", stop_value: 200 } },
    open: ["view-filters"],
    play: true,
  },
  "linear-collapse": {
    title: "Linear activations collapse",
    text: "Every activation is the identity, so however deep, the network is one affine map a = W* x + b*. The ledger panel shows W*, b* and that they reproduce every output.",
    state: { data: { kind: "circles" }, network: { hidden: [{ units: 4, activation: "identity" }, { units: 3, activation: "identity" }], output: "identity" } },
    open: ["view-ledger"],
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

let banner;

async function open(name, ctx) {
  const lesson = LESSONS[name];
  if (!lesson) {
    banner.replaceChildren(el("p", `There is no lesson "${name}".`, "hint"));
    return;
  }
  const base = structuredClone(ctx.state);
  const { state } = parse({ ...lesson.state, view: { ...base.view, ...lesson.state.view, example: 0 } });
  const ok = await ctx.load(state, { csv: lesson.csv ?? null, model: lesson.model ? JSON.stringify(lesson.model) : null });
  if (!ok) return;
  banner.replaceChildren(el("h3", lesson.title), el("p", lesson.text));
  banner.dataset.lesson = name;
  if (lesson.select) ctx.select(lesson.select);
  for (const id of lesson.open ?? []) {
    const view = document.getElementById(id);
    if (view instanceof HTMLDetailsElement) view.open = true;
  }
  document.getElementById(lesson.open?.[0] ?? "")?.scrollIntoView({ block: "start" });
  if (lesson.play) ctx.play();
  ctx.redraw();
}

export function mount(container, ctx) {
  const body = panel(container, "view-lessons", "Lessons", true);
  const list = el("ul", null, "lessons");
  for (const [name, lesson] of Object.entries(LESSONS)) {
    const li = document.createElement("li");
    const a = el("a", lesson.title);
    a.href = `#lesson=${name}`;
    li.append(a);
    list.append(li);
  }
  banner = el("div", null, "lesson-banner");
  banner.setAttribute("aria-live", "polite");
  body.append(banner, list);
  const fromHash = () => {
    const name = new URLSearchParams(location.hash.slice(1)).get("lesson");
    if (name) open(name, ctx);
  };
  window.addEventListener("hashchange", fromHash);
  ctx.onReady(fromHash);
}

export function update() {}
