// Activation histograms: for the current weights, how every layer's activations
// a = f(z) spread over the training rows. The engine bins them
// (Lab.activationHistograms); this view draws one small histogram per layer, with the
// engine's spread and saturation under it.
import { detailsBox, el, num, watchSight } from "./parts.js";
import { fitCanvas } from "../plane.js";

/** Bins per histogram. */
const BINS = 40;
/** Milliseconds between recomputations while training. */
const REFRESH_MS = 250;

let ui = null;
let lab = null;
/** Whether the view is on screen (set by mount). */
let visible = () => false;
let lastSteps = -1;
let lastTime = -Infinity;
let lastWidth = 0;

export function mount(container, ctx) {
  const body = detailsBox(container, "view-activations", "Activation histograms");
  const hint = el("p", "Each histogram counts one layer's activations a = f(z), over every training row and every unit of the layer, for the current weights. Bounded activations (tanh, sigmoid) are drawn over their whole range. Piled at the ends, the layer is saturated (the caption counts the values within 1% of the range's ends): f'(z) is near 0 there and backprop's deltas shrink. Piled at 0, the signal has vanished. A healthy layer spreads out.", "hint");
  const layers = el("div", null, "activation-layers");
  const note = el("p", null, "hint");
  body.append(hint, layers, note);
  const details = body.parentElement;
  ui = { details, layers, note, figures: [] };
  details.addEventListener("toggle", () => {
    lastSteps = -1;
    ctx.redraw();
  });
  visible = watchSight(details, () => {
    lastSteps = -1;
    ctx.redraw();
  });
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

/** One figure per layer: a canvas and its caption, reused while the layer count stays. */
function figures(count) {
  if (ui.figures.length === count) return ui.figures;
  ui.figures = Array.from({ length: count }, () => {
    const canvas = el("canvas", null, "activation-hist");
    canvas.setAttribute("role", "img");
    const caption = el("figcaption");
    const figure = el("figure", null, "activation-layer");
    figure.append(canvas, caption);
    return { figure, canvas, caption };
  });
  ui.layers.replaceChildren(...ui.figures.map((f) => f.figure));
  return ui.figures;
}

const percent = (v) => `${(100 * v).toFixed(v > 0 && v < 0.01 ? 2 : 0)}%`;

export function update(ctx) {
  if (!ui || !ctx.lab) return;
  if (ctx.lab !== lab) {
    lab = ctx.lab;
    lastSteps = -1;
  }
  if (!visible() || !ui.details.open) return;
  const steps = `${lab.shownStep()}|${lab.edits()}`;
  const now = ctx.now || performance.now();
  const width = ui.layers.clientWidth;
  if (steps === lastSteps && width === lastWidth) return;
  if (ctx.playing && now - lastTime < REFRESH_MS) return;
  lastSteps = steps;
  lastTime = now;
  lastWidth = width;
  let hist;
  try {
    hist = JSON.parse(lab.activationHistograms(BINS));
  } catch (e) {
    ui.note.textContent = `The histograms could not be computed: ${errorText(e)}`;
    return;
  }
  const figs = figures(hist.length);
  hist.forEach((h, l) => {
    const f = figs[l];
    const name = l === hist.length - 1 ? "output" : `layer ${l + 1}`;
    const spread = `std ${num(Number(h.std?.toPrecision(2) ?? NaN))}`;
    const ends = h.saturated == null ? "" : ` · ${percent(h.saturated)} saturated`;
    f.caption.textContent = `${name}: ${h.activation}, ${h.units} unit${h.units === 1 ? "" : "s"}\n${spread}${ends}`;
    f.figure.dataset.std = String(h.std);
    f.figure.dataset.saturated = h.saturated == null ? "" : String(h.saturated);
    f.canvas.setAttribute("aria-label", `Histogram of ${name}'s activations from ${num(h.lo)} to ${num(h.hi)}: ${spread}${ends}`);
    draw(f.canvas, h);
  });
  ui.note.textContent = `${hist.length} layers, ${BINS} bins each, bars scaled to each layer's fullest bin; the weights of step ${steps}.`;
}

/** Bars scaled to the fullest bin, the range's ends and 0 marked below. */
function draw(canvas, h) {
  const dpr = fitCanvas(canvas);
  const g = canvas.getContext("2d");
  const { width: w, height: ht } = canvas;
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, ht);
  const pad = 4 * dpr;
  const axis = 14 * dpr;
  const plotH = ht - axis - pad;
  const max = Math.max(1, ...h.counts);
  const bw = (w - 2 * pad) / h.counts.length;
  const x0 = pad + ((0 - h.lo) / (h.hi - h.lo)) * (w - 2 * pad);
  const zero = h.lo < 0 && h.hi > 0;
  if (zero) {
    g.strokeStyle = "#d9dde5";
    g.lineWidth = dpr;
    g.beginPath();
    g.moveTo(x0 + 0.5, pad);
    g.lineTo(x0 + 0.5, pad + plotH);
    g.stroke();
  }
  g.fillStyle = "#0b63a5";
  h.counts.forEach((c, k) => {
    if (c === 0) return;
    const bh = Math.max(1, (c / max) * plotH);
    g.fillRect(pad + k * bw + 0.5, pad + plotH - bh, Math.max(1, bw - 1), bh);
  });
  g.strokeStyle = "#5b6475";
  g.lineWidth = dpr;
  g.beginPath();
  g.moveTo(pad, pad + plotH + 0.5);
  g.lineTo(w - pad, pad + plotH + 0.5);
  g.stroke();
  g.fillStyle = "#5b6475";
  g.font = `${10 * dpr}px system-ui, sans-serif`;
  g.textBaseline = "top";
  const y = pad + plotH + 2 * dpr;
  g.textAlign = "left";
  g.fillText(num(Number(h.lo.toPrecision(2))), pad, y);
  g.textAlign = "right";
  g.fillText(num(Number(h.hi.toPrecision(2))), w - pad, y);
  if (zero) {
    g.textAlign = "center";
    g.fillText("0", x0, y);
  }
}
