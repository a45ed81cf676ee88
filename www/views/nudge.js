// Nudge curves: sweep the selected weight or bias over w + d and plot, with plotters in
// the engine, the unit's z, the output a and the cost C against w + d; the tangent at
// d = 0 has backprop's slope, shown beside the central difference.
import { detailsBox, num, el, node } from "./parts.js";
import { fitCanvas } from "../plane.js";

/** Least milliseconds between redraws while training: a redraw (three plotters panels,
 * whose text measuring forces a layout) takes a whole frame on a slow machine. */
const PLAYING_REFRESH_MS = 1000;

let body;
let canvas;
let paramSelect;
let rowsSelect;
let widthInput;
let pointsInput;
let readout;
let lastKey = "";
let lastTime = 0;

function paramOptions(lab) {
  const sizes = Array.from(lab.layerSizes());
  const options = [];
  for (let l = 1; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      for (let i = 0; i < sizes[l - 1]; i++) options.push([`${l - 1}/${j}/${i}`, `w${l}[${j + 1}][${i + 1}] (layer ${l}, unit ${j + 1}, input ${i + 1})`]);
      options.push([`${l - 1}/${j}/-1`, `b${l}[${j + 1}] (bias of layer ${l}, unit ${j + 1})`]);
    }
  }
  return options;
}

let optionsFor = null;

export function mount(container, ctx) {
  body = detailsBox(container, "view-nudge", "Nudge curves: how one weight moves the cost");
  const controls = el("div", null, "view-controls");
  const l1 = el("label", "Parameter ");
  paramSelect = document.createElement("select");
  paramSelect.id = "nudge-param";
  l1.append(paramSelect);
  const l2 = el("label", "Over ");
  rowsSelect = document.createElement("select");
  rowsSelect.id = "nudge-rows";
  rowsSelect.append(new Option("the selected example", "example"), new Option("the whole training batch", "batch"));
  l2.append(rowsSelect);
  const l3 = el("label", "Sweep d over ± ");
  widthInput = node("input", { type: "number", min: "0.001", step: "0.5", value: "5" });
  l3.append(widthInput);
  const l4 = el("label", "Points ");
  pointsInput = node("input", { type: "number", min: "3", max: "1001", value: "51" });
  l4.append(pointsInput);
  controls.append(l1, l2, l3, l4);
  canvas = document.createElement("canvas");
  canvas.className = "nudge";
  canvas.setAttribute("aria-label", "z, a and C against w + d");
  readout = el("p", "", "nudge-readout");
  body.append(controls, canvas, readout);
  paramSelect.addEventListener("change", () => {
    const [layer, unit, input] = paramSelect.value.split("/").map(Number);
    ctx.select({ layer, unit, input: input < 0 ? -1 : input });
  });
  for (const e of [rowsSelect, widthInput, pointsInput]) e.addEventListener("change", () => { lastKey = ""; ctx.redraw(); });
  body.closest("details").addEventListener("toggle", () => { lastKey = ""; ctx.redraw(); });
}

export function update(ctx) {
  const lab = ctx.lab;
  if (!body.closest("details").open || !lab) return;
  if (optionsFor !== lab) {
    paramSelect.replaceChildren(...paramOptions(lab).map(([v, t]) => new Option(t, v)));
    optionsFor = lab;
    lastKey = "";
  }
  const sel = ctx.selected() ?? { layer: lab.layerSizes().length - 2, unit: 0, input: 0 };
  const value = `${sel.layer}/${sel.unit}/${sel.input}`;
  if (paramSelect.value !== value) paramSelect.value = value;
  const row = rowsSelect.value === "batch" ? -1 : ctx.example();
  const key = `${value}|${row}|${widthInput.value}|${pointsInput.value}|${lab.shownStep()}|${lab.edits()}|${ctx.state.view.palette}|${canvas.clientWidth}`;
  if (key === lastKey || (ctx.playing && ctx.now - lastTime < PLAYING_REFRESH_MS)) return;
  lastKey = key;
  lastTime = ctx.now;
  const dpr = fitCanvas(canvas);
  try {
    const r = JSON.parse(lab.drawNudge(canvas, sel.layer, sel.unit, sel.input, row, Number(widthInput.value), Number(pointsInput.value), ctx.state.view.palette, dpr));
    readout.dataset.backprop = String(r.backprop);
    readout.dataset.numeric = String(r.numeric);
    readout.textContent = `At w = ${num(r.value)}: C = ${num(r.cost)}. dC/dw from backprop ${num(r.backprop)}, from central differences ${num(r.numeric)} (difference ${Math.abs(r.backprop - r.numeric).toExponential(1)}). The tangent on C has backprop's slope.`;
  } catch (e) {
    readout.textContent = `Cannot sweep this parameter: ${e.message}`;
  }
}
