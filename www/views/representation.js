// Hidden representations: every data point drawn at its activation vector in a chosen
// layer, coloured by class, moving while the network trains, so the classes can be seen
// being pulled apart until a straight line separates them. The engine places the points
// (1 unit: a line with a band per class; 2: a plane; 3: a space; more: a 2-D PCA with
// stable axes), warps a grid of input-plane lines through the same layer, morphs from
// the input space; this module only draws. Any moment of the run is shown from the
// page's timeline, which puts that moment's weights in the Lab.
import { Lab, f32, u32, u8, classColour } from "../engine.js";
import { fitCanvas } from "../plane.js";
import { node as el, watchSight } from "./parts.js";
import { errorText } from "../messages.js";
import { draw2d, resetEase } from "./representation-paint.js";
import { draw3d, rot, SPIN, IDLE_MS } from "./representation-space.js";
import { recordReplay } from "./representation-video.js";


let ui = null;
let ctxRef = null;
let lab = null;
let layer = -1;
let chosenOutput = false;
/** Whether the view is on screen (set by mount). */
let visible = () => false;
let lastSteps = -1;
let lastCompute = -Infinity;
let computeMs = 0;
let computed = false;
let labels = { at: -Infinity, text: [] };
let regressionRamp = null;
let classCount = 0;
let exporting = false;
let lastDrawAt = -Infinity;
/** Least milliseconds between live redraws while training: a redraw (hundreds of
 * anti-aliased dots and the bent grid) is a large share of a frame in software raster. */
const LIVE_DRAW_MS = 66;
let animating = false;
let info = "";


export function mount(container, ctx) {
  ctxRef = ctx;
  const layerSelect = el("select", { id: "repr-layer" });
  const morph = el("input", { id: "repr-morph", type: "range", min: "0", max: "1", step: "0.01", value: "1" });
  const morphOut = el("output", { id: "repr-morph-value", text: "layer", "aria-live": "off" });
  const grid = el("input", { id: "repr-grid", type: "checkbox", checked: true });
  const canvas = el("canvas", { id: "repr-canvas", className: "repr-canvas", role: "img", tabIndex: 0,
    "aria-label": "Every data point at its activation vector in the chosen layer, coloured by class; for a 3-unit layer, drag or use the arrow keys to turn it" });
  const exportBtn = el("button", { id: "repr-export", type: "button", text: "Export video" });
  const caption = el("p", { id: "repr-caption", className: "hint" });
  const legend = el("ul", { id: "repr-legend", className: "repr-legend", "aria-label": "Classes" });
  const note = el("p", { id: "repr-note", className: "hint", "aria-live": "polite" });
  const section = el("section", { id: "view-representation", className: "panel repr view-split-panel", "aria-labelledby": "repr-h" },
    el("h2", { id: "repr-h", text: "Hidden representations" }),
    el("div", { className: "view-split" },
      el("div", { className: "repr-stage" }, canvas),
      el("div", { className: "view-side" },
        el("p", { className: "hint", text: "Each data point sits at its activation vector in the chosen layer. While the network trains, watch it pull the classes apart until a straight line can separate them in the last hidden layer: that is all the output layer can do. The grey lines are a grid of the input plane, bent by the same layer." }),
        el("div", { className: "view-controls repr-controls" },
          el("label", {}, "Layer ", layerSelect),
          el("label", { className: "check" }, grid, " Warped grid"),
          el("label", { className: "repr-morph" }, "Input space → layer space ", el("span", { className: "repr-range" }, morph, morphOut))),
        caption,
        legend,
        el("p", { className: "hint", text: "Drag the Timeline at the top of the page to see this layer at any moment of the run, from step 0; Rewatch plays the run back, and Export video records that replay." }),
        el("div", { className: "view-controls repr-history" }, exportBtn),
        note)));
  container.append(section);
  ui = { section, layerSelect, morph, morphOut, grid, canvas, exportBtn, caption, legend, note, g: canvas.getContext("2d") };

  layerSelect.addEventListener("change", () => {
    layer = Number(layerSelect.value);
    chosenOutput = layer === layerSelect.options.length - 1 && layer > 0;
    resetView();
    computed = false;
    ctx.redraw();
  });
  morph.addEventListener("input", () => {
    const t = Number(morph.value);
    morphOut.textContent = t >= 1 ? "layer" : t <= 0 ? "input" : t.toFixed(2);
    draw();
  });
  grid.addEventListener("change", () => draw());
  exportBtn.addEventListener("click", () => exportVideo());

  canvas.addEventListener("pointerdown", (e) => {
    if (currentMode() !== "space") return;
    rot.dragging = true;
    rot.lastX = e.clientX;
    rot.lastY = e.clientY;
    rot.lastInput = performance.now();
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!rot.dragging) return;
    rot.yaw += (e.clientX - rot.lastX) * 0.01;
    rot.pitch = Math.max(-1.45, Math.min(1.45, rot.pitch + (e.clientY - rot.lastY) * 0.01));
    rot.lastX = e.clientX;
    rot.lastY = e.clientY;
    rot.lastInput = performance.now();
    draw();
  });
  canvas.addEventListener("keydown", (e) => {
    if (currentMode() !== "space") return;
    const turn = { ArrowLeft: [-0.15, 0], ArrowRight: [0.15, 0], ArrowUp: [0, -0.15], ArrowDown: [0, 0.15] }[e.key];
    if (!turn) return;
    e.preventDefault();
    rot.yaw += turn[0];
    rot.pitch = Math.max(-1.45, Math.min(1.45, rot.pitch + turn[1]));
    rot.lastInput = performance.now();
    draw();
  });
  const release = () => {
    rot.dragging = false;
    rot.lastInput = performance.now();
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);

  visible = watchSight(section, () => {
    computed = false;
    ctx.redraw();
    animate();
  });
}

function currentMode() {
  return ui.canvas.dataset.mode ?? "";
}

function resetView() {
  resetEase();
  labels.at = -Infinity;
}

function setNote(text) {
  if (ui.note.textContent !== text) ui.note.textContent = text;
}


/** A new Lab: layer menu, caches and the history controls start again. */
function adopt(next) {
  lab = next;
  const sizes = Array.from(lab.layerSizes());
  const layers = sizes.length - 1;
  const options = [];
  for (let l = 0; l < layers; l++) {
    const units = sizes[l + 1];
    const what = l === layers - 1 ? "Output layer" : `Hidden layer ${l + 1}`;
    options.push(new Option(`${what} (${units} unit${units === 1 ? "" : "s"})`, String(l)));
  }
  ui.layerSelect.replaceChildren(...options);
  // Keep the reader's choice through a rebuild when it still means the same thing: the
  // output layer stays the output, a hidden layer stays if it still exists.
  if (chosenOutput) layer = layers - 1;
  else if (!(layer >= 0 && layer < layers - 1)) layer = Math.max(0, layers - 2);
  ui.layerSelect.value = String(layer);
  lastSteps = -1;
  computed = false;
  resetView();
  regressionRamp = null;
  classCount = JSON.parse(lab.classNames()).length;
  if (classCount === 0) {
    // Regression: colour by the target value on the diverging scale.
    const n = lab.rows();
    const y = f32(lab.labelsPtr(), n);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of y) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    regressionRamp = { lo, hi, colours: [] };
  }
}

/** Positions for the current weights; throttled when the computation is slow. */
function compute(now, force = false) {
  if (computed && !force && now - lastCompute < 3 * computeMs) return true;
  const t0 = performance.now();
  try {
    lab.reprUpdate(layer);
  } catch (e) {
    setNote(`The representation could not be computed: ${errorText(e)}`);
    return false;
  }
  computeMs = performance.now() - t0;
  lastCompute = now;
  computed = true;
  return true;
}

export function update(ctx) {
  if (!ui) return;
  const next = ctx.lab;
  if (!next) return;
  if (next !== lab) adopt(next);
  const steps = `${lab.shownStep()}|${lab.edits()}`;
  const fresh = steps !== lastSteps;
  lastSteps = steps;
  const now = ctx.now || performance.now();
  if (!visible()) return;
  if (fresh || !computed || !ctx.playing) compute(now);
  if (!computed) compute(now, true);
  if (ctx.playing && performance.now() - lastDrawAt < LIVE_DRAW_MS) return;
  draw();
}


/** Steps of the diverging scale that colours regression targets. */
const RAMP_STEPS = 17;

/** A point's colour: its class's, or (regression) its target on the engine's
 * diverging scale from the smallest target to the largest. */
function colourOf(palette, labelsU32, labelsF32, i) {
  if (!regressionRamp) return classColour(palette, labelsU32[i]);
  const { lo, hi, colours } = regressionRamp;
  if (colours.length === 0 || colours.palette !== palette) {
    const rgb = Lab.signedRamp(palette, RAMP_STEPS);
    colours.length = 0;
    colours.palette = palette;
    for (let k = 0; k < RAMP_STEPS; k++) colours.push(`rgb(${rgb[3 * k]}, ${rgb[3 * k + 1]}, ${rgb[3 * k + 2]})`);
  }
  const t = hi > lo ? (labelsF32[i] - lo) / (hi - lo) : 0.5;
  return colours[Math.max(0, Math.min(RAMP_STEPS - 1, Math.round(t * (RAMP_STEPS - 1))))];
}

/** Follows the page's current Lab: the old one is freed on a rebuild, and timers or
 * events may fire before the next `update`. Returns false when there is none. */
function sync() {
  const current = ctxRef?.lab;
  if (!current) return false;
  if (current !== lab) adopt(current);
  return true;
}

function draw() {
  if (!ui || !sync() || !computed || !visible()) return;
  const t = Number(ui.morph.value);
  try {
    lab.reprCompose(t);
  } catch (e) {
    setNote(errorText(e));
    return;
  }
  ui.exportBtn.disabled = exporting || lab.momentCount() < 2;
  const now = performance.now();
  if (now - labels.at > 500) {
    const mode = lab.reprMode();
    const side = t < 0.5;
    labels = { at: now, mode, text: [0, 1, 2].map((k) => lab.reprAxisLabel(k, side)) };
    captionText(mode, side);
  }
  const mode = labels.mode;
  // Class colours come from the engine (an allocation the first time): fetch them now.
  for (let k = 0; k < Math.max(2, classCount); k++) classColour(ctxRef.state.view.palette, k);
  showLegend(ctxRef.state.view.palette);
  if (regressionRamp) colourOf(ctxRef.state.view.palette, null, [regressionRamp.lo], 0);
  // Every engine call that may allocate is above; views over memory from here on.
  const dims = lab.reprDims();
  const n = lab.reprPointCount();
  const available = lab.reprGridLines();
  ui.grid.disabled = available === 0;
  const gridLines = ui.grid.checked ? available : 0;
  const samples = Lab.reprGridSamples();
  const points = f32(lab.reprPointsPtr(), n * dims);
  const b = f32(lab.reprBoundsPtr(), 6);
  const grid = gridLines > 0 ? f32(lab.reprGridPtr(), gridLines * samples * dims) : null;
  const rows = lab.rows();
  const labelsU32 = u32(lab.labelsPtr(), rows);
  const labelsF32 = regressionRamp ? f32(lab.labelsPtr(), rows) : null;
  const train = u8(lab.trainMaskPtr(), rows);
  const palette = ctxRef.state.view.palette;
  const selected = ctxRef.example();

  const canvas = ui.canvas;
  const dpr = fitCanvas(canvas);
  const g = ui.g;
  const W = canvas.width;
  const H = canvas.height;
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, W, H);
  const style = { train, selected, dpr, W, H, labels: labels.text, colour: (i) => colourOf(palette, labelsU32, labelsF32, i) };
  const drawn = dims === 3
    ? draw3d(g, points, n, b, grid, gridLines, samples, style)
    : draw2d(g, points, n, b, grid, gridLines, samples, style, mode === "line" && t >= 1, mode);
  canvas.dataset.points = String(drawn);
  canvas.dataset.mode = mode;
  canvas.dataset.step = String(lab.shownStep());
  canvas.dataset.yaw = rot.yaw.toFixed(3);
  lastDrawAt = performance.now();
  if (info) setNote(info);
  else setNote("");
}

/** The classes and their colours (the engine's palette), redrawn when either changes. */
function showLegend(palette) {
  const key = `${palette}|${lab.classNames()}`;
  if (ui.legend.dataset.key === key) return;
  ui.legend.dataset.key = key;
  const names = JSON.parse(lab.classNames());
  ui.legend.replaceChildren(...names.map((name, k) => el("li", {},
    el("span", { className: "swatch", style: `background: ${classColour(palette, k)}` }), name)));
  ui.legend.hidden = names.length === 0;
}

function captionText(mode, inputSide) {
  const sizes = lab.layerSizes();
  const units = sizes[layer + 1];
  const name = layer === sizes.length - 2 ? "The output layer" : `Hidden layer ${layer + 1}`;
  const how = {
    line: `${name} has 1 unit: each point is placed at its activation along the x axis, with a band per class so the points stay visible.`,
    plane: `${name} has 2 units: each point is at (a1, a2), its two activations.`,
    space: `${name} has 3 units: each point is at (a1, a2, a3). Drag to turn the view; it turns slowly by itself when left alone.`,
    pca: `${name} has ${units} units: the points are projected onto the first two principal components of their activations (${labels.text[0] || "PC 1"}; ${labels.text[1] || "PC 2"}), with axes kept steady from frame to frame.`,
  }[mode] ?? "";
  const morph = inputSide ? " The morph slider is nearer the input space: positions are mostly the inputs'." : "";
  const code = lab.autoencoder() && classCount > 0 ? " An autoencoder trains without the labels: the colours only show where each class lands." : "";
  const text = how + code + morph;
  if (ui.caption.textContent !== text) ui.caption.textContent = text;
}

/** Keeps the idle 3-D turn going while nothing else redraws. */
function animate() {
  if (animating) return;
  animating = true;
  const tick = (now) => {
    if (!visible() || !sync() || currentMode() !== "space") {
      animating = false;
      return;
    }
    const dt = Math.min(0.1, (now - (rot.lastTick || now)) / 1000);
    rot.lastTick = now;
    if (!rot.dragging && now - rot.lastInput > IDLE_MS) rot.yaw += SPIN * dt;
    if (`${lab.shownStep()}|${lab.edits()}` !== lastSteps) {
      lastSteps = `${lab.shownStep()}|${lab.edits()}`;
      compute(now, true);
    }
    if (now - lastDrawAt > 12) draw();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function exportVideo() {
  if (!sync()) return;
  info = await recordReplay(ui.canvas, ctxRef.timeline, lab.momentCount(), () => {
    exporting = true;
    ui.exportBtn.disabled = true;
    setNote("Recording the replay…");
  });
  exporting = false;
  setNote(info);
  ctxRef.redraw();
}
