// Hidden representations: every data point drawn at its activation vector in a chosen
// layer, coloured by class, moving while the network trains, so the classes can be seen
// being pulled apart until a straight line separates them. The engine places the points
// (1 unit: a line with a band per class; 2: a plane; 3: a space; more: a 2-D PCA with
// stable axes), warps a grid of input-plane lines through the same layer, morphs from
// the input space; this module only draws. Any moment of the run is shown from the
// page's timeline, which puts that moment's weights in the Lab.
import { Lab, f32, u32, u8, classColour, webmWithDuration } from "../engine.js";
import { fitCanvas } from "../plane.js";
import { node as el } from "./panel.js";
import { download } from "../io.js";

/** Frames per second of an exported video. */
const VIDEO_FPS = 30;
/** Radians per second of the idle 3-D rotation, and ms without dragging before it. */
const SPIN = 0.25;
const IDLE_MS = 1500;
/** Distance of the 3-D eye, in half box sizes: larger is flatter. */
const PERSPECTIVE = 8;

let ui = null;
let ctxRef = null;
let lab = null;
let layer = -1;
let chosenOutput = false;
let visible = false;
let lastSteps = -1;
let lastCompute = -Infinity;
let computeMs = 0;
let computed = false;
let view = null; // eased drawing bounds
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
const rot = { yaw: 0.6, pitch: 0.35, dragging: false, lastX: 0, lastY: 0, lastInput: -Infinity, lastTick: 0 };
// Preallocated buffers of the 3-D drawing, grown with the data.
let screen = { n: 0, x: null, y: null, z: null, order: null };


export function mount(container, ctx) {
  ctxRef = ctx;
  const layerSelect = el("select", { id: "repr-layer" });
  const morph = el("input", { id: "repr-morph", type: "range", min: "0", max: "1", step: "0.01", value: "1" });
  const morphOut = el("output", { id: "repr-morph-value", text: "layer" });
  const grid = el("input", { id: "repr-grid", type: "checkbox", checked: true });
  const canvas = el("canvas", { id: "repr-canvas", className: "repr-canvas", role: "img", tabIndex: 0,
    "aria-label": "Every data point at its activation vector in the chosen layer, coloured by class; for a 3-unit layer, drag or use the arrow keys to turn it" });
  const exportBtn = el("button", { id: "repr-export", type: "button", text: "Export video" });
  const caption = el("p", { id: "repr-caption", className: "hint" });
  const note = el("p", { id: "repr-note", className: "hint", role: "status" });
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
        el("p", { className: "hint", text: "Drag the Timeline at the top of the page to see this layer at any moment of the run, from step 0; Rewatch plays the run back, and Export video records that replay." }),
        el("div", { className: "view-controls repr-history" }, exportBtn),
        note)));
  container.append(section);
  ui = { section, layerSelect, morph, morphOut, grid, canvas, exportBtn, caption, note, g: canvas.getContext("2d") };

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

  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible) {
      computed = false;
      ctx.redraw();
      animate();
    }
  }).observe(section);
}

function currentMode() {
  return ui.canvas.dataset.mode ?? "";
}

function resetView() {
  view = null;
  labels.at = -Infinity;
}

function setNote(text) {
  if (ui.note.textContent !== text) ui.note.textContent = text;
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

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
    // Regression: colour by the target value, from the first class colour to the second.
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
  const steps = lab.shownStep();
  const fresh = steps !== lastSteps;
  lastSteps = steps;
  const now = ctx.now || performance.now();
  if (!visible) return;
  if (fresh || !computed || !ctx.playing) compute(now);
  if (!computed) compute(now, true);
  if (ctx.playing && performance.now() - lastDrawAt < LIVE_DRAW_MS) return;
  draw();
}


function colourOf(palette, labelsU32, labelsF32, i) {
  if (!regressionRamp) return classColour(palette, labelsU32[i]);
  const { lo, hi, colours } = regressionRamp;
  const steps = 16;
  if (colours.length === 0 || colours.palette !== palette) {
    const a = Lab.classColor(palette, 0);
    const b = Lab.classColor(palette, 1);
    colours.length = 0;
    colours.palette = palette;
    for (let k = 0; k < steps; k++) {
      const t = k / (steps - 1);
      colours.push(`rgb(${a.map((v, c) => Math.round(v + t * (b[c] - v))).join(", ")})`);
    }
  }
  const t = hi > lo ? (labelsF32[i] - lo) / (hi - lo) : 0.5;
  return colours[Math.max(0, Math.min(steps - 1, Math.round(t * (steps - 1))))];
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
  if (!ui || !sync() || !computed || !visible) return;
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
  const style = { palette, labelsU32, labelsF32, train, selected, dpr, W, H };
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
  const text = how + morph;
  if (ui.caption.textContent !== text) ui.caption.textContent = text;
}

/** Eases the drawing bounds towards `target`: they grow at once (no point leaves the
 * view) and shrink gently (autoscaling does not jump). */
function ease(target) {
  if (!view || view.length !== target.length || performance.now() - lastDrawAt > 150) {
    view = target.slice();
    return view;
  }
  for (let k = 0; k < target.length; k += 2) {
    view[k] = target[k] < view[k] ? target[k] : view[k] + (target[k] - view[k]) * 0.2;
    view[k + 1] = target[k + 1] > view[k + 1] ? target[k + 1] : view[k + 1] + (target[k + 1] - view[k + 1]) * 0.2;
  }
  return view;
}

function padded(b, dims) {
  const out = [];
  for (let k = 0; k < dims; k++) {
    let lo = b[2 * k];
    let hi = b[2 * k + 1];
    const span = Math.max(hi - lo, 1e-3);
    lo -= 0.08 * span;
    hi += 0.08 * span;
    out.push(lo, hi);
  }
  return out;
}

function drawDot(g, x, y, r, colour, filled) {
  g.beginPath();
  g.arc(x, y, r, 0, 2 * Math.PI);
  g.fillStyle = filled ? colour : "#fff";
  g.strokeStyle = filled ? "#fff" : colour;
  g.fill();
  g.stroke();
}

function draw2d(g, p, n, b, grid, gridLines, samples, s, freeAspect, mode) {
  const { W, H, dpr } = s;
  const [x0, x1, y0, y1] = ease(padded(b, 2));
  const margin = 28 * dpr;
  const w = W - 2 * margin;
  const h = H - 2 * margin;
  let sx = w / (x1 - x0);
  let sy = h / (y1 - y0);
  if (!freeAspect) sx = sy = Math.min(sx, sy);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const X = (x) => W / 2 + (x - cx) * sx;
  const Y = (y) => H / 2 - (y - cy) * sy;
  // Axes through zero (the mean for PCA), when in view.
  g.lineWidth = dpr;
  g.strokeStyle = "#c9ced8";
  g.beginPath();
  if (x0 < 0 && x1 > 0) { g.moveTo(X(0), 0); g.lineTo(X(0), H); }
  if (y0 < 0 && y1 > 0 && mode !== "line") { g.moveTo(0, Y(0)); g.lineTo(W, Y(0)); }
  g.stroke();
  if (grid) {
    g.strokeStyle = "rgba(90, 100, 120, 0.35)";
    g.lineWidth = dpr;
    for (let l = 0; l < gridLines; l++) {
      g.beginPath();
      let pen = false;
      for (let k = 0; k < samples; k++) {
        const i = (l * samples + k) * 2;
        const gx = grid[i];
        const gy = grid[i + 1];
        if (!Number.isFinite(gx) || !Number.isFinite(gy)) { pen = false; continue; }
        if (pen) g.lineTo(X(gx), Y(gy));
        else g.moveTo(X(gx), Y(gy));
        pen = true;
      }
      g.stroke();
    }
  }
  const r = Math.max(2, Math.min(W, H) / 150);
  g.lineWidth = Math.max(1, r / 2.5);
  let drawn = 0;
  for (let i = 0; i < n; i++) {
    const px = p[2 * i];
    const py = p[2 * i + 1];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    drawDot(g, X(px), Y(py), r, colourOf(s.palette, s.labelsU32, s.labelsF32, i), s.train[i] === 1);
    drawn++;
  }
  if (s.selected >= 0 && s.selected < n) {
    g.beginPath();
    g.arc(X(p[2 * s.selected]), Y(p[2 * s.selected + 1]), r * 2.3, 0, 2 * Math.PI);
    g.strokeStyle = "#111";
    g.lineWidth = 1.5 * dpr;
    g.stroke();
  }
  g.fillStyle = "#5b6475";
  g.font = `${11 * dpr}px system-ui, sans-serif`;
  g.textAlign = "center";
  g.fillText(labels.text[0] ?? "", W / 2, H - 8 * dpr);
  g.save();
  g.translate(12 * dpr, H / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(labels.text[1] ?? "", 0, 0);
  g.restore();
  // The range shown, at the ends of each axis.
  const left = X(x0);
  const right = X(x1);
  g.fillStyle = "#8a92a3";
  if (right - left > 160 * dpr) {
    g.textAlign = "left";
    g.fillText(fmt(x0), Math.max(2 * dpr, left), H - 8 * dpr);
    g.textAlign = "right";
    g.fillText(fmt(x1), Math.min(W - 2 * dpr, right), H - 8 * dpr);
  }
  if ((mode !== "line" || !freeAspect) && Y(y0) - Y(y1) > 160 * dpr) {
    g.save();
    g.translate(12 * dpr, 0);
    g.rotate(-Math.PI / 2);
    g.textAlign = "left";
    g.fillText(fmt(y0), -Math.min(H - 2 * dpr, Y(y0)), 0);
    g.textAlign = "right";
    g.fillText(fmt(y1), -Math.max(2 * dpr, Y(y1)), 0);
    g.restore();
  }
  return drawn;
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) < 1e-3 ? "0" : Number(v.toPrecision(2)).toString());

function ensureScreen(n) {
  if (screen.n === n && screen.x) return;
  screen = { n, x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n), order: new Uint32Array(n) };
}

function draw3d(g, p, n, b, grid, gridLines, samples, s) {
  const { W, H, dpr } = s;
  const box = ease(padded(b, 3));
  const c = [(box[0] + box[1]) / 2, (box[2] + box[3]) / 2, (box[4] + box[5]) / 2];
  const half = Math.max(box[1] - box[0], box[3] - box[2], box[5] - box[4]) / 2;
  // Sized so that every corner of the box stays on the canvas at any angle.
  const R = Math.min(W, H) * 0.22;
  const cyaw = Math.cos(rot.yaw);
  const syaw = Math.sin(rot.yaw);
  const cp = Math.cos(rot.pitch);
  const sp = Math.sin(rot.pitch);
  // Turn (yaw about the vertical axis, then pitch), then a gentle perspective; the
  // result lands in P (no allocation per point).
  const project = (x, y, z) => {
    const u = (x - c[0]) / half;
    const v = (y - c[1]) / half;
    const w = (z - c[2]) / half;
    const xr = cyaw * u + syaw * w;
    const zr = -syaw * u + cyaw * w;
    const yr = cp * v - sp * zr;
    const depth = sp * v + cp * zr;
    const k = PERSPECTIVE / (PERSPECTIVE - depth);
    P.x = W / 2 + xr * k * R;
    P.y = H / 2 - yr * k * R;
    P.z = depth;
  };
  // The bounding box, and the three axes from its low corner.
  g.lineWidth = dpr;
  g.strokeStyle = "#d9dde5";
  const xs = [box[0], box[1]];
  const ys = [box[2], box[3]];
  const zs = [box[4], box[5]];
  g.beginPath();
  for (const [a, bb] of [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]]) {
    project(xs[a & 1], ys[(a >> 1) & 1], zs[(a >> 2) & 1]);
    g.moveTo(P.x, P.y);
    project(xs[bb & 1], ys[(bb >> 1) & 1], zs[(bb >> 2) & 1]);
    g.lineTo(P.x, P.y);
  }
  g.stroke();
  // The three axes from the low corner, darker, with their captions at the far ends.
  g.strokeStyle = "#8a92a3";
  g.lineWidth = 1.5 * dpr;
  g.fillStyle = "#5b6475";
  g.font = `${11 * dpr}px system-ui, sans-serif`;
  g.textAlign = "center";
  const ends = [[box[1], box[2], box[4]], [box[0], box[3], box[4]], [box[0], box[2], box[5]]];
  ends.forEach(([x, y, z], k) => {
    g.beginPath();
    project(box[0], box[2], box[4]);
    g.moveTo(P.x, P.y);
    project(x, y, z);
    g.lineTo(P.x, P.y);
    g.stroke();
    // The caption just beyond the axis end, away from the middle of the canvas.
    const dx = P.x - W / 2;
    const dy = P.y - H / 2;
    const d = Math.hypot(dx, dy) || 1;
    g.fillText(labels.text[k] ?? "", P.x + (dx / d) * 16 * dpr, P.y + (dy / d) * 16 * dpr + 4 * dpr);
  });
  g.lineWidth = dpr;
  if (grid) {
    g.strokeStyle = "rgba(90, 100, 120, 0.3)";
    for (let l = 0; l < gridLines; l++) {
      g.beginPath();
      let pen = false;
      for (let k = 0; k < samples; k++) {
        const i = (l * samples + k) * 3;
        if (!(Number.isFinite(grid[i]) && Number.isFinite(grid[i + 1]) && Number.isFinite(grid[i + 2]))) { pen = false; continue; }
        project(grid[i], grid[i + 1], grid[i + 2]);
        if (pen) g.lineTo(P.x, P.y);
        else g.moveTo(P.x, P.y);
        pen = true;
      }
      g.stroke();
    }
  }
  ensureScreen(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = p[3 * i];
    const y = p[3 * i + 1];
    const z = p[3 * i + 2];
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue;
    project(x, y, z);
    screen.x[i] = P.x;
    screen.y[i] = P.y;
    screen.z[i] = P.z;
    screen.order[m++] = i;
  }
  const order = screen.order.subarray(0, m);
  order.sort(byDepth);
  const r = Math.max(2, Math.min(W, H) / 150);
  g.lineWidth = Math.max(1, r / 2.5);
  for (const i of order) {
    const k = PERSPECTIVE / (PERSPECTIVE - screen.z[i]);
    drawDot(g, screen.x[i], screen.y[i], r * k, colourOf(s.palette, s.labelsU32, s.labelsF32, i), s.train[i] === 1);
  }
  if (s.selected >= 0 && s.selected < n && Number.isFinite(screen.x[s.selected])) {
    g.beginPath();
    g.arc(screen.x[s.selected], screen.y[s.selected], r * 2.3, 0, 2 * Math.PI);
    g.strokeStyle = "#111";
    g.lineWidth = 1.5 * dpr;
    g.stroke();
  }
  return m;
}

const byDepth = (a, b) => screen.z[a] - screen.z[b];
const P = { x: 0, y: 0, z: 0 };

/** Keeps the idle 3-D turn going while nothing else redraws. */
function animate() {
  if (animating) return;
  animating = true;
  const tick = (now) => {
    if (!visible || !sync() || currentMode() !== "space") {
      animating = false;
      return;
    }
    const dt = Math.min(0.1, (now - (rot.lastTick || now)) / 1000);
    rot.lastTick = now;
    if (!rot.dragging && now - rot.lastInput > IDLE_MS) rot.yaw += SPIN * dt;
    if (lab.shownStep() !== lastSteps) {
      lastSteps = lab.shownStep();
      compute(now, true);
    }
    if (now - lastDrawAt > 12) draw();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function exportVideo() {
  const canvas = ui.canvas;
  if (typeof MediaRecorder === "undefined" || typeof canvas.captureStream !== "function") {
    info = "This browser cannot record the canvas (it has no MediaRecorder); try a recent Chrome or Firefox.";
    setNote(info);
    return;
  }
  if (!sync() || lab.momentCount() < 2) {
    info = "Nothing is recorded yet: train for a moment, then export.";
    setNote(info);
    return;
  }
  const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
  let recorder;
  let stream;
  try {
    stream = canvas.captureStream(VIDEO_FPS);
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  } catch (e) {
    info = `The video could not be recorded: ${errorText(e)}`;
    setNote(info);
    return;
  }
  exporting = true;
  ui.exportBtn.disabled = true;
  info = "Recording the replay…";
  setNote(info);
  const chunks = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  };
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  const started = performance.now();
  recorder.start(250);
  await ctxRef.timeline.replay();
  await new Promise((resolve) => setTimeout(resolve, 400));
  recorder.stop();
  await stopped;
  const ms = performance.now() - started;
  stream.getTracks().forEach((track) => track.stop());
  exporting = false;
  let blob = new Blob(chunks, { type: "video/webm" });
  let warning = "";
  if (blob.size > 0) {
    try {
      blob = new Blob([webmWithDuration(new Uint8Array(await blob.arrayBuffer()), ms)], { type: "video/webm" });
    } catch (e) {
      warning = ` Its length could not be written in (${errorText(e)}), so players may not seek it.`;
    }
  }
  if (blob.size === 0) {
    info = "The browser recorded no video frames.";
  } else {
    download("backprop-lab-representation.webm", blob, "video/webm");
    info = `Exported the replay as backprop-lab-representation.webm (${Math.max(1, Math.round(blob.size / 1024))} KB, ${(ms / 1000).toFixed(1)} s).${warning}`;
  }
  setNote(info);
  ctxRef.redraw();
}
