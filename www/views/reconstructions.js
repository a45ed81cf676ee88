// Reconstructions: for an autoencoder on images, a handful of held-out rows (and the
// selected one), each input beside the network's reconstruction of it as 8x8 (or H x W)
// greyscale images on the data's own scale, with that row's reconstruction error; and
// the mean error over the held-out rows beside PCA's with as many components as the
// bottleneck has units, the least a linear code of that width can reach. The engine
// reconstructs, colours the pixels and computes every number; this module lays out.
import { rgba } from "../engine.js";
import { fitCanvas } from "../plane.js";
import { node as el, num, watchSight } from "./parts.js";

/** Milliseconds between recomputations while training. */
const REFRESH_MS = 100;
/** Side of one image, in CSS pixels (an 8x8 digit at 11 pixels a pixel). */
const CELL = 88;
/** Gap between the input and its reconstruction, between pairs, and the caption's height. */
const INNER = 6;
const OUTER = 26;
const CAPTION = 34;

let ui = null;
let lab = null;
/** Whether the view is on screen (set by mount). */
let visible = () => false;
let lastKey = "";
let lastTime = -Infinity;

const errorText = (e) => (e instanceof Error ? e.message : String(e));

export function mount(container, ctx) {
  const canvas = el("canvas", { id: "recon-canvas", className: "recon-canvas", role: "img",
    "aria-label": "Inputs beside their reconstructions, each pair with its reconstruction error" });
  const hint = el("p", { id: "recon-hint", className: "hint" });
  const summary = el("p", { id: "recon-summary", className: "recon-summary", "aria-live": "off" });
  const section = el("section", { id: "view-reconstructions", className: "panel view-split-panel recon", "aria-labelledby": "recon-h" },
    el("h2", { id: "recon-h", text: "Reconstructions" }), hint, summary, canvas);
  container.append(section);
  ui = { section, canvas, hint, summary, g: canvas.getContext("2d"), tile: document.createElement("canvas") };
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
  }
  // Shown for image data; for images that are not reconstructed, with the reason.
  const images = lab.imageShape().length > 0;
  ui.section.hidden = !images;
  if (!images) return;
  const why = lab.reconstructionsUnavailable();
  ui.canvas.hidden = why != null;
  ui.section.classList.toggle("unavailable", why != null);
  if (why != null) {
    ui.hint.textContent = `No reconstructions: ${why}.`;
    ui.summary.textContent = "";
    delete ui.canvas.dataset.rows;
    return;
  }
  if (!visible()) return;
  const key = `${lab.shownStep()}/${lab.edits()}/${ctx.state.view.example}/${ui.canvas.clientWidth}`;
  const now = ctx.now || performance.now();
  if (key === lastKey || (ctx.playing && now - lastTime < REFRESH_MS)) return;
  lastKey = key;
  lastTime = now;
  let r;
  try {
    r = JSON.parse(lab.reconstructionsUpdate(ctx.state.view.example));
  } catch (e) {
    ui.hint.textContent = `No reconstructions: ${errorText(e)}`;
    return;
  }
  const k = r.pca.components;
  ui.hint.textContent = `Each pair: a digit (left) and the network's reconstruction of it (right), both on the data's own scale (the standardisation undone), dark low and light high. The first ${r.rows.length - (r.selected_added ? 1 : 0)} ${r.held_out} rows${r.selected_added ? " and the selected one" : ""}; the selected one is outlined. The number under each pair is its reconstruction error, the loss of that row.`;
  const text = `Mean reconstruction error over the ${r.held_out} rows: ${num(r.mean_error)} · PCA with ${k} component${k === 1 ? "" : "s"} (the least a linear ${k}-unit code can reach on the training rows): ${num(r.pca.error)}`;
  if (ui.summary.textContent !== text) ui.summary.textContent = text;
  ui.summary.dataset.meanError = String(r.mean_error);
  ui.summary.dataset.pcaError = String(r.pca.error);
  paint(r, ctx.state.view.example);
}

function paint(r, selected) {
  const { canvas, g, tile } = ui;
  const pairW = 2 * CELL + INNER;
  const perRow = Math.max(1, Math.floor((canvas.clientWidth + OUTER) / (pairW + OUTER)));
  const lines = Math.ceil(r.rows.length / perRow);
  const height = `${16 + lines * (CELL + CAPTION) + (lines - 1) * 10}px`;
  if (canvas.style.height !== height) canvas.style.height = height;
  const dpr = fitCanvas(canvas);
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width / dpr, canvas.height / dpr);
  const { height: h, width: w } = r;
  const bytes = rgba(lab.reconstructionsPtr(), lab.reconstructionsLen());
  tile.width = w;
  tile.height = h;
  const tg = tile.getContext("2d");
  g.imageSmoothingEnabled = false;
  g.font = "12px sans-serif";
  g.textAlign = "center";
  const boxes = [];
  r.rows.forEach((row, i) => {
    const x = (i % perRow) * (pairW + OUTER);
    const y = 16 + Math.floor(i / perRow) * (CELL + CAPTION + 10);
    for (const side of [0, 1]) {
      const at = 4 * h * w * (2 * i + side);
      tg.putImageData(new ImageData(bytes.slice(at, at + 4 * h * w), w, h), 0, 0);
      const left = x + side * (CELL + INNER);
      g.drawImage(tile, left, y, CELL, CELL);
      g.strokeStyle = "#999";
      g.lineWidth = 1;
      g.strokeRect(left + 0.5, y + 0.5, CELL - 1, CELL - 1);
      if (i === 0) {
        g.fillStyle = "#555";
        g.fillText(side === 0 ? "input" : "reconstruction", left + CELL / 2, y - 4);
      }
    }
    if (row === selected) {
      g.strokeStyle = "#e65100";
      g.lineWidth = 2.5;
      g.strokeRect(x - 3, y - 3, pairW + 6, CELL + 6);
    }
    g.fillStyle = "#111";
    g.fillText(`row ${row}${row === selected ? " (selected)" : ""}`, x + pairW / 2, y + CELL + 14);
    g.fillText(`error ${num(Number(r.errors[i].toPrecision(3)))}`, x + pairW / 2, y + CELL + 28);
    boxes.push([row, x, y, pairW, CELL]);
  });
  // What was drawn where, for the browser tests.
  canvas.dataset.rows = String(r.rows.length);
  canvas.dataset.boxes = JSON.stringify(boxes);
  canvas.dataset.step = String(lab.shownStep());
}
