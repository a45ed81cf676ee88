// First-layer filters. Image data: each first-layer unit's weights reshaped to the
// image and normalised per tile, one mosaic painted from the engine's RGBA buffer (hover
// a tile for its unit and weight range). 2-D data: each unit's zero line w.x + b = 0
// over the data with its weight vector as an arrow, traced by the engine.
import { f32, u32, u8, rgba, classColour } from "../engine.js";
import { fitCanvas } from "../plane.js";
import { node as el, watchSight } from "./parts.js";
import { drawDots } from "./representation-paint.js";

/** Milliseconds between recomputations while training. */
const REFRESH_MS = 66;

let ui = null;
let lab = null;
/** Whether the view is on screen (set by mount). */
let visible = () => false;
let lastSteps = -1;
let lastTime = -Infinity;
let key = "";
let kind = "";
let hover = { x: -1, y: -1 };
let layout = null; // how the last picture maps to the canvas


/** A colour per unit, spread round the hue circle (units are not classes). */
const unitColour = (k) => `hsl(${(k * 137.508) % 360} 68% 40%)`;

export function mount(container, ctx) {
  const colour = el("select", { id: "filters-colour" },
    new Option("grey: black to white per tile", "grey"), new Option("signed: palette, white at 0", "signed"));
  const canvas = el("canvas", { id: "filters-canvas", className: "filters-canvas", role: "img",
    "aria-label": "First-layer units' weights" });
  const hint = el("p", { id: "filters-hint", className: "hint" });
  const info = el("p", { id: "filters-info", className: "hint" });
  const section = el("section", { id: "view-filters", className: "panel filters view-split-panel", "aria-labelledby": "filters-h" },
    el("h2", { id: "filters-h", text: "First-layer filters" }),
    el("div", { className: "view-split" },
      el("div", { className: "filters-stage" }, canvas),
      el("div", { className: "view-side" },
        hint,
        el("div", { className: "view-controls filters-controls" }, el("label", { className: "filters-colour" }, "Tile colours ", colour)),
        info)));
  container.append(section);
  ui = { section, colour, canvas, hint, info, g: canvas.getContext("2d"), tiles: document.createElement("canvas") };
  colour.addEventListener("change", () => {
    key = "";
    ctx.redraw();
  });
  canvas.addEventListener("mousemove", (e) => {
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    hover = { x: (e.clientX - rect.left) * dpr, y: (e.clientY - rect.top) * dpr };
    if (ctx.lab !== lab) return;
    describeHover();
    paint(ctx);
  });
  canvas.addEventListener("mouseleave", () => {
    hover = { x: -1, y: -1 };
    if (ctx.lab !== lab) return;
    describeHover();
    paint(ctx);
  });
  visible = watchSight(section, () => {
    key = "";
    ctx.redraw();
  });
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function update(ctx) {
  if (!ui || !ctx.lab) return;
  if (ctx.lab !== lab) {
    lab = ctx.lab;
    key = "";
    hover = { x: -1, y: -1 };
    setText(ui.info, "");
  }
  if (!visible()) return;
  const steps = `${lab.shownStep()}|${lab.edits()}`;
  const k = `${ui.colour.value}/${ctx.state.view.palette}/${ui.canvas.clientWidth}`;
  const now = ctx.now || performance.now();
  const stale = k !== key || steps !== lastSteps || !ctx.playing;
  if (!stale || (k === key && now - lastTime < REFRESH_MS)) return;
  key = k;
  lastSteps = steps;
  lastTime = now;
  try {
    kind = lab.filtersUpdate(ui.colour.value, ctx.state.view.palette);
  } catch (e) {
    kind = "";
    setText(ui.hint, `The filters could not be computed: ${errorText(e)}`);
    ui.canvas.hidden = true;
    return;
  }
  ui.section.dataset.kind = kind;
  ui.colour.parentElement.hidden = kind !== "images";
  ui.canvas.hidden = kind === "";
  if (kind === "images") {
    const [h, w] = lab.imageShape();
    const first = JSON.parse(lab.layerShapes()).layers[1];
    if (first?.kind === "conv2d") {
      const [kh, kw] = lab.filtersTileRect(0).slice(2);
      setText(ui.hint, `Each tile is one ${kh}x${kw} kernel of the first convolution (one per filter and input channel): the pattern it slides over the ${h}x${w} image, its feature map lightest where the image matches it. Each tile is scaled on its own, so compare patterns, not brightness.`);
    } else setText(ui.hint, `Each tile is one first-layer unit's weights (its row of W1) reshaped to the ${h}x${w} image: the pattern of pixels that drives the unit up. Each tile is scaled on its own, so compare patterns, not brightness.`);
  } else if (kind === "lines") {
    setText(ui.hint, "Each first-layer unit computes z = w·x + b and splits the plane along the line z = 0; the arrow is its weight vector, pointing to where z > 0 (longer arrow, larger weights). With extra input features the lines bend.");
  } else {
    setText(ui.hint, "First-layer filters need image data (try the 8x8 digits) or 2-D data.");
  }
  paint(ctx);
}

function paint(ctx) {
  // The page may have freed this Lab for a new one that `update` has not seen yet.
  if (!lab || ctx.lab !== lab || kind === "") return;
  if (kind === "images") paintTiles();
  else paintLines(ctx);
}

function paintTiles() {
  const mw = lab.filtersWidth();
  const mh = lab.filtersHeight();
  const canvas = ui.canvas;
  // The canvas keeps the mosaic's aspect ratio, at most 28rem tall.
  const cssW = canvas.parentElement.clientWidth;
  const cssH = Math.min(cssW * (mh / mw), 28 * 16);
  if (Math.abs(canvas.clientHeight - cssH) > 1) canvas.style.height = `${Math.round(cssH)}px`;
  fitCanvas(canvas);
  const tiles = ui.tiles;
  if (tiles.width !== mw || tiles.height !== mh) {
    tiles.width = mw;
    tiles.height = mh;
  }
  tiles.getContext("2d").putImageData(new ImageData(rgba(lab.filtersPtr(), mw * mh * 4), mw, mh), 0, 0);
  const g = ui.g;
  const { width: W, height: H } = canvas;
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, W, H);
  const s = Math.max(1, Math.floor(Math.min(W / mw, H / mh)));
  const ox = Math.floor((W - mw * s) / 2);
  const oy = Math.floor((H - mh * s) / 2);
  g.imageSmoothingEnabled = false;
  g.drawImage(tiles, ox, oy, mw * s, mh * s);
  const [h, w] = lab.imageShape();
  const units = lab.layerSizes()[1];
  layout = { kind: "images", s, ox, oy, units };
  delete canvas.dataset.segments;
  canvas.dataset.tiles = String(units);
  canvas.dataset.tileShape = `${h}x${w}`;
  canvas.dataset.mosaic = `${ox},${oy},${s}`;
  const unit = tileAt(hover.x, hover.y);
  const rect = unit >= 0 ? lab.filtersTileRect(unit) : [];
  if (rect.length === 4) {
    const [x, y, tw, th] = rect;
    g.strokeStyle = "#0b63a5";
    g.lineWidth = 2;
    g.strokeRect(ox + x * s - 1, oy + y * s - 1, tw * s + 2, th * s + 2);
  }
}

/** The unit whose tile is under canvas pixel (px, py), or -1; the engine knows the
 * mosaic's layout, this only undoes the drawing's offset and scale. */
function tileAt(px, py) {
  if (!layout || layout.kind !== "images" || px < 0) return -1;
  const { s, ox, oy } = layout;
  return lab.filtersTileAt((px - ox) / s, (py - oy) / s);
}

function describeHover() {
  if (!lab || !layout) return;
  if (layout.kind === "images") {
    const unit = tileAt(hover.x, hover.y);
    if (unit < 0) {
      setText(ui.info, "Hover a tile for its unit and the range of its weights.");
      return;
    }
    const r = f32(lab.filtersRangesPtr(), layout.units * 2);
    setText(ui.info, `Unit ${unit + 1} of layer 1: weights from ${r[2 * unit].toPrecision(3)} (darkest) to ${r[2 * unit + 1].toPrecision(3)} (brightest).`);
    return;
  }
  const unit = lineAt(hover.x, hover.y);
  if (unit < 0) {
    setText(ui.info, "Hover a line for its unit's weights.");
    return;
  }
  const inputs = lab.layerSizes()[0];
  const names = JSON.parse(lab.featureNames());
  const terms = [];
  for (let i = 0; i < inputs; i++) terms.push(`${lab.parameter(0, unit, i).toPrecision(3)}·${names[i] ?? `input ${i + 1}`}`);
  setText(ui.info, `Unit ${unit + 1} of layer 1: z = ${terms.join(" + ")} + ${lab.parameter(0, unit, -1).toPrecision(3)}; its line is where z = 0.`);
}

function lineAt(px, py) {
  if (!layout || layout.kind !== "lines" || px < 0) return -1;
  const n = lab.filtersSegmentCount();
  const seg = f32(lab.filtersSegmentsPtr(), n * 5);
  const { X, Y } = layout;
  let best = -1;
  let bestD = (12 * (window.devicePixelRatio || 1)) ** 2;
  for (let i = 0; i < n; i++) {
    const ax = X(seg[5 * i + 1]);
    const ay = Y(seg[5 * i + 2]);
    const bx = X(seg[5 * i + 3]);
    const by = Y(seg[5 * i + 4]);
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
    const d = (ax + t * dx - px) ** 2 + (ay + t * dy - py) ** 2;
    if (d < bestD) {
      bestD = d;
      best = seg[5 * i];
    }
  }
  return best;
}

function paintLines(ctx) {
  const canvas = ui.canvas;
  if (canvas.style.height) canvas.style.height = "";
  const dpr = fitCanvas(canvas);
  const g = ui.g;
  const { width: W, height: H } = canvas;
  const [x0, x1, y0, y1] = lab.gridBounds();
  const units = lab.layerSizes()[1];
  const n = lab.rows();
  const palette = ctx.state.view.palette;
  const count = lab.filtersSegmentCount();
  const classes = JSON.parse(lab.classNames()).length;
  for (let k = 0; k < Math.max(2, classes); k++) classColour(palette, k);
  // Views over engine memory after the calls that may allocate.
  const seg = f32(lab.filtersSegmentsPtr(), count * 5);
  const arrows = f32(lab.filtersArrowsPtr(), units * 5);
  const x = f32(lab.dataPtr(), n * 2);
  const labels = u32(lab.labelsPtr(), n);
  const train = u8(lab.trainMaskPtr(), n);
  const m = 10 * dpr;
  const s = Math.min((W - 2 * m) / (x1 - x0), (H - 2 * m) / (y1 - y0));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const X = (v) => W / 2 + (v - cx) * s;
  const Y = (v) => H / 2 - (v - cy) * s;
  layout = { kind: "lines", X, Y };
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, W, H);
  g.strokeStyle = "#d9dde5";
  g.lineWidth = dpr;
  g.strokeRect(X(x0), Y(y1), (x1 - x0) * s, (y1 - y0) * s);
  // The data, faint, for orientation: it does not change while the Lab trains, so it
  // is painted once into its own canvas and copied at every redraw.
  const dotsKey = `${lab.dataPtr()}/${n}/${palette}/${W}x${H}/${x0},${x1},${y0},${y1}`;
  if (dots.lab !== lab || dots.key !== dotsKey) {
    paintDots(dots.canvas, W, H, n, (i) => [X(x[2 * i]), Y(x[2 * i + 1])], (i) => classColour(palette, labels[i]), train, dpr);
    Object.assign(dots, { lab, key: dotsKey });
  }
  g.drawImage(dots.canvas, 0, 0);
  const hovered = lineAt(hover.x, hover.y);
  g.lineCap = "round";
  for (let u = 0; u < units; u++) {
    g.beginPath();
    for (let i = 0; i < count; i++) {
      if (seg[5 * i] !== u) continue;
      g.moveTo(X(seg[5 * i + 1]), Y(seg[5 * i + 2]));
      g.lineTo(X(seg[5 * i + 3]), Y(seg[5 * i + 4]));
    }
    g.strokeStyle = unitColour(u);
    g.lineWidth = (u === hovered ? 4 : 2) * dpr;
    g.stroke();
  }
  let biggest = 0;
  for (let u = 0; u < units; u++) if (arrows[5 * u]) biggest = Math.max(biggest, Math.hypot(arrows[5 * u + 3], arrows[5 * u + 4]));
  const span = Math.min(W, H);
  for (let u = 0; u < units; u++) {
    if (!arrows[5 * u]) continue;
    const gx = arrows[5 * u + 3];
    const gy = arrows[5 * u + 4];
    const norm = Math.hypot(gx, gy);
    if (!(norm > 0) || !(biggest > 0)) continue;
    const len = span * (0.04 + 0.1 * (norm / biggest));
    const ax = X(arrows[5 * u + 1]);
    const ay = Y(arrows[5 * u + 2]);
    // Screen y grows downwards.
    const dx = (gx / norm) * len;
    const dy = (-gy / norm) * len;
    arrow(g, ax, ay, ax + dx, ay + dy, unitColour(u), dpr);
    g.fillStyle = unitColour(u);
    g.font = `${11 * dpr}px system-ui, sans-serif`;
    g.fillText(String(u + 1), ax + dx * 1.15 + 2 * dpr, ay + dy * 1.15 + 4 * dpr);
  }
  delete canvas.dataset.tiles;
  delete canvas.dataset.tileShape;
  canvas.dataset.segments = String(count);
  canvas.dataset.units = String(units);
}

/** The filters view's copy of the data's dots, and what it was painted for. */
const dots = { canvas: document.createElement("canvas"), lab: null, key: "" };

/** Paints the data's dots, faint, on a clear canvas. */
function paintDots(canvas, W, H, n, at, colour, train, dpr) {
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext("2d");
  g.globalAlpha = 0.45;
  g.lineWidth = dpr;
  drawDots(g, Array.from({ length: n }, (_, i) => i), at, colour, (i) => Boolean(train[i]), Math.max(1.5, Math.min(W, H) / 200), false);
}

function arrow(g, x0, y0, x1, y1, colour, dpr) {
  const head = 7 * dpr;
  const a = Math.atan2(y1 - y0, x1 - x0);
  g.strokeStyle = colour;
  g.fillStyle = colour;
  g.lineWidth = 2 * dpr;
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1 - Math.cos(a) * head * 0.6, y1 - Math.sin(a) * head * 0.6);
  g.stroke();
  g.beginPath();
  g.moveTo(x1, y1);
  g.lineTo(x1 - head * Math.cos(a - 0.4), y1 - head * Math.sin(a - 0.4));
  g.lineTo(x1 - head * Math.cos(a + 0.4), y1 - head * Math.sin(a + 0.4));
  g.closePath();
  g.fill();
}
