// Feature maps, as CNN Explainer shows them: for the selected image, the input, every
// channel of every convolution and pool layer (one column per layer, one scale per
// column, dark low and light high) and the class scores, redrawn while training and
// when the timeline shows another moment. Hovering a pixel outlines its receptive field
// on every map before it (rectangles from the engine) and, on a convolution's map,
// spells out its sum, patch × kernel + b, in the engine's f64 numbers.
import { f32 } from "../engine.js";
import { fitCanvas } from "../plane.js";
import { node as el, num, watchSight } from "./parts.js";

/** Milliseconds between recomputations while training. */
const REFRESH_MS = 80;

let ui = null;
let lab = null;
/** Whether the view is on screen (set by mount). */
let visible = () => false;
let lastKey = "";
let lastTime = -Infinity;
let maps = null; // the engine's layout of the last maps
let boxes = []; // [{ stage, channel, x, y, size }] where each map was drawn
let hover = null; // { stage, channel, y, x } of the pixel under the pointer

const errorText = (e) => (e instanceof Error ? e.message : String(e));

export function mount(container, ctx) {
  const canvas = el("canvas", { id: "featuremaps-canvas", className: "featuremaps-canvas", role: "img",
    "aria-label": "Feature maps of the selected image: input, each convolution and pool layer's channels, class scores" });
  const hint = el("p", { id: "featuremaps-hint", className: "hint" });
  const sum = el("pre", { id: "featuremaps-sum", className: "featuremaps-sum", "aria-live": "polite" });
  const section = el("section", { id: "view-featuremaps", className: "panel featuremaps", "aria-labelledby": "featuremaps-h" },
    el("h2", { id: "featuremaps-h", text: "Feature maps" }), hint, canvas, sum);
  container.append(section);
  ui = { section, canvas, hint, sum, g: canvas.getContext("2d"), tile: document.createElement("canvas") };
  const pick = (e) => {
    const dpr = window.devicePixelRatio || 1;
    const r = canvas.getBoundingClientRect();
    const px = (e.clientX - r.left) * dpr;
    const py = (e.clientY - r.top) * dpr;
    const b = boxes.find((b) => px >= b.x && px < b.x + b.size && py >= b.y && py < b.y + b.size);
    if (!b) return null;
    const s = maps.stages[b.stage];
    return { stage: b.stage, channel: b.channel, y: Math.floor(((py - b.y) / b.size) * s.height), x: Math.floor(((px - b.x) / b.size) * s.width) };
  };
  canvas.addEventListener("mousemove", (e) => {
    if (ctx.lab !== lab || !maps) return;
    const next = pick(e);
    if (JSON.stringify(next) === JSON.stringify(hover)) return;
    hover = next;
    paint(ctx);
  });
  canvas.addEventListener("mouseleave", () => {
    hover = null;
    if (maps) paint(ctx);
  });
  visible = watchSight(section, () => {
    lastKey = "";
    ctx.redraw();
  });
}

export function update(ctx) {
  if (!ui || !ctx.lab) return;
  if (ctx.lab !== lab) {
    lab = ctx.lab;
    lastKey = "";
    hover = null;
  }
  const images = lab.imageShape().length > 0;
  ui.section.hidden = !images;
  if (!images || !visible()) return;
  const key = `${lab.shownStep()}/${ctx.state.view.example}/${ui.canvas.clientWidth}`;
  const now = ctx.now || performance.now();
  if (key === lastKey || (ctx.playing && now - lastTime < REFRESH_MS)) return;
  lastKey = key;
  lastTime = now;
  ui.example = ctx.state.view.example;
  try {
    maps = JSON.parse(lab.featureMapsUpdate(ctx.state.view.example));
  } catch (e) {
    maps = null;
    ui.hint.textContent = `No feature maps: ${errorText(e)}. Add a convolution as the first layer.`;
    ui.canvas.hidden = true;
    ui.sum.textContent = "";
    return;
  }
  ui.canvas.hidden = false;
  ui.hint.textContent = `Image ${ctx.state.view.example}: each column is a layer's output, one square per channel (dark: its smallest value, light: its largest). Hover a pixel to outline what it reads.`;
  paint(ctx);
}

/** The grey of v on a stage's scale. */
const grey = (v, s) => Math.round(255 * (s.max > s.min ? (v - s.min) / (s.max - s.min) : 0.5));

function paint(ctx) {
  const { canvas, g, tile } = ui;
  fitCanvas(canvas);
  const dpr = window.devicePixelRatio || 1;
  const { width: w, height: h } = canvas;
  g.fillStyle = "#fff";
  g.fillRect(0, 0, w, h);
  const stages = maps.stages;
  const fields = hover && stages[hover.stage].layer != null
    ? JSON.parse(lab.receptiveField(stages[hover.stage].layer, hover.y, hover.x))
    : null;
  const cols = stages.length + 1;
  const colW = w / cols;
  const label = 14 * dpr;
  const most = Math.max(...stages.map((s) => s.channels));
  const size = Math.max(6, Math.min(colW * 0.7, (h - label - 4 * dpr) / most - 4 * dpr));
  const values = f32(lab.featureMapsPtr(), lab.featureMapsLen());
  boxes = [];
  g.imageSmoothingEnabled = false;
  g.font = `${12 * dpr}px sans-serif`;
  g.textAlign = "center";
  stages.forEach((s, k) => {
    const x = k * colW + (colW - size) / 2;
    g.fillStyle = "#111";
    g.fillText(`${s.kind === "input" ? "input" : s.kind.replace("2d", "")} ${s.channels}×${s.height}×${s.width}`, k * colW + colW / 2, label - 3 * dpr);
    const gap = Math.min(4 * dpr + size, (h - label) / s.channels);
    tile.width = s.width;
    tile.height = s.height;
    const tg = tile.getContext("2d");
    for (let c = 0; c < s.channels; c++) {
      const img = tg.createImageData(s.width, s.height);
      const base = s.offset + c * s.height * s.width;
      for (let i = 0; i < s.height * s.width; i++) {
        const v = grey(values[base + i], s);
        img.data.set([v, v, v, 255], 4 * i);
      }
      tg.putImageData(img, 0, 0);
      const y = label + c * gap;
      g.drawImage(tile, x, y, size, size);
      g.strokeStyle = "#999";
      g.lineWidth = 1;
      g.strokeRect(x, y, size, size);
      boxes.push({ stage: k, channel: c, x, y, size });
    }
  });
  // Where each map sits, in canvas pixels, for the browser tests to point at.
  canvas.dataset.boxes = JSON.stringify(boxes.map(({ stage, channel, x, y, size }) => [stage, channel, x / dpr, y / dpr, size / dpr]));
  if (fields) outline(fields, size);
  drawScores(g, maps.scores, stages.length * colW, colW, label, dpr);
  explain();
}

/** Outlines each receptive-field rectangle on every channel of its stage, and the
 * hovered pixel on its own map. */
function outline(fields, size) {
  const g = ui.g;
  const stages = maps.stages;
  const upTo = hover.stage;
  // The engine's rectangles run over the image stages from the input to the hovered
  // one; every stage drawn is one of them.
  fields.forEach((r, k) => {
    if (k > upTo) return;
    const s = stages[k];
    for (const b of boxes.filter((b) => b.stage === k && (k < upTo || b.channel === hover.channel))) {
      const px = size / s.width;
      const py = size / s.height;
      g.strokeStyle = k === upTo ? "#d00" : "#f90";
      g.lineWidth = 2.5;
      g.strokeRect(b.x + r.x0 * px, b.y + r.y0 * py, (r.x1 - r.x0 + 1) * px, (r.y1 - r.y0 + 1) * py);
    }
  });
}

function drawScores(g, scores, x0, colW, top, dpr) {
  g.fillStyle = "#111";
  g.fillText("class scores", x0 + colW / 2, top - 3 * dpr);
  const barH = Math.min(18 * dpr, (ui.canvas.height - top) / scores.length - 2 * dpr);
  const best = scores.indexOf(Math.max(...scores));
  g.textAlign = "left";
  scores.forEach((p, i) => {
    const y = top + i * (barH + 2 * dpr);
    g.fillStyle = i === best ? "#1565c0" : "#90a4ae";
    g.fillRect(x0 + 28 * dpr, y, Math.max(1, (colW - 70 * dpr) * Math.max(0, Math.min(1, p))), barH);
    g.fillStyle = "#111";
    g.fillText(String(i), x0 + 8 * dpr, y + barH * 0.8);
    g.fillText(p.toFixed(2), x0 + colW - 40 * dpr, y + barH * 0.8);
  });
  g.textAlign = "center";
}

/** The hovered convolution pixel's sum, from the engine in f64. */
function explain() {
  const s = hover && maps.stages[hover.stage];
  if (!s || s.kind !== "conv2d") {
    ui.sum.textContent = s ? `${s.kind} pixel (${hover.y}, ${hover.x}) of channel ${hover.channel}` : "";
    return;
  }
  const p = JSON.parse(lab.convPixelSum(ui.example ?? 0, s.layer, hover.channel, hover.y, hover.x));
  const terms = p.patch.map((v, i) => `${num(v)}×${num(p.kernel[i])}`);
  ui.sum.textContent = `Layer ${s.layer + 1}, map ${hover.channel}, pixel (${hover.y}, ${hover.x}): ` +
    `the ${p.dims.join("×")} patch × kernel + b\n` +
    `z = ${terms.join(" + ")} + ${num(p.bias)}\n  = ${num(p.z)}\n` +
    `a = ${p.activation}(z) = ${num(p.a)}`;
  ui.sum.dataset.z = String(p.z);
  // The ledger writes the same sum out term by term (www/views/ledger-layers.js).
  document.dispatchEvent(new CustomEvent("convpixel", { detail: { layer: s.layer, filter: hover.channel, y: hover.y, x: hover.x } }));
}
