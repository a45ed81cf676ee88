// The page: one state, one Lab, one frame loop. Training runs in a worker
// (www/trainer.js) on its own Lab; the page's Lab mirrors it through snapshots, and the
// pictures redraw from the page's engine memory (at most 30 times a second while
// training).
import { wasm, module, Lab, digitsBytes, encodeLink, decodeLink, lastPanic, f32, f64 } from "./engine.js";
import { TrainingWorker } from "./training.js";
import * as S from "./state.js";
import { bindControls } from "./controls.js";
import { Plane } from "./plane.js";
import { Diagram } from "./diagram.js";
import { drawCharts, historyCsv } from "./charts.js";
import { download, readFile, onDrop } from "./io.js";
import { views } from "./views/index.js";

const $ = (id) => document.getElementById(id);
/** Heatmap cells per side. */
const GRID_SIDE = 48;
const CSV_STORAGE_KEY = `${S.STORAGE_KEY}.csv`;
const CSV_STORAGE_MAX = 2 * 1024 * 1024;

let state = S.defaults();
let built = null;
let lab = null;
/** The worker that trains; `lab` mirrors its Lab. */
const trainer = new TrainingWorker(module, (e) => onTrainerEvent(e));
let csvBytes = null;
let playing = false;
let selectedWeight = null;
let highlightLayer = null;
let dirty = true;
const stats = { fps: 0, stepsPerSecond: 0, epochsPerSecond: 0, frames: 0 };

// ---- messages ------------------------------------------------------------------

function message(text, { kind = "error", actions = [] } = {}) {
  const box = document.createElement("div");
  box.className = `message ${kind}`;
  const p = document.createElement("p");
  p.textContent = text;
  box.append(p);
  for (const [label, fn] of [...actions, ["Dismiss", () => {}]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", () => {
      box.remove();
      fn();
    });
    box.append(b);
  }
  $("messages").append(box);
  while ($("messages").children.length > 4) $("messages").firstChild.remove();
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

// ---- building the lab ------------------------------------------------------------

async function dataBytes(s) {
  if (s.data.kind === "digits") return digitsBytes();
  if (s.data.kind === "csv") return csvBytes;
  return null;
}

/** Asks before a trained network is discarded, pointing to Export weights to keep it. */
const discardOk = (what) =>
  !hasTraining() || confirm(`${what}\n\nThe trained network will be discarded. To keep it, choose Cancel and then Export weights.`);

/** Builds a Lab for `s`. On failure the old lab and state stay and a message says why. */
async function build(s, { keepWeights = false, model = null } = {}) {
  let next;
  let bytes;
  try {
    bytes = await dataBytes(s);
    next = new Lab(S.engineConfig(s), bytes ?? undefined);
  } catch (e) {
    message(`Could not build that: ${errorText(e)}`);
    if (built) state = structuredClone(built);
    controls.render(state);
    return false;
  }
  const weights = model ?? (keepWeights && lab ? lab.exportModel() : null);
  if (weights) {
    try {
      next.importWeights(weights);
    } catch (e) {
      if (model) message(`The saved weights were not loaded: ${errorText(e)}`, { kind: "note" });
    }
  }
  trainer.build(S.engineConfig(s), bytes, next.exportModel());
  lab?.free();
  lab = next;
  state = s;
  built = structuredClone(s);
  afterBuild();
  if (playing) sendPlay();
  return true;
}

/** The class names of the current lab (empty for regression), read once per build. */
let classNames = [];

function afterBuild() {
  classNames = JSON.parse(lab.classNames());
  const dims = lab.features() === 2 ? "2" : "n";
  document.body.dataset.dims = dims;
  const addClass = $("add-class");
  addClass.replaceChildren(...classNames.map((n, i) => new Option(n, String(i))));
  if (state.view.example >= lab.rows()) state.view.example = 0;
  selectedWeight = null;
  highlightLayer = null;
  controls.render(state);
  dirty = true;
  save();
}

const hasTraining = () => lab && lab.steps() > 0;

// ---- state changes ---------------------------------------------------------------

async function onChange(path) {
  if (path.startsWith("view.")) {
    if (path === "view.palette") lab?.updateGrid(GRID_SIDE, state.view.palette);
    if (path.startsWith("view.stop") && playing) sendPlay();
    dirty = true;
    save();
    return;
  }
  if (path.startsWith("training.") && path !== "training.batch_size") {
    try {
      const json = JSON.stringify(state.training);
      lab.setTraining(json);
      trainer.training(json);
      built = structuredClone(state);
      save();
    } catch (e) {
      message(errorText(e));
      state = structuredClone(built);
      controls.render(state);
    }
    return;
  }
  if (path.startsWith("data.") && path !== "data.validation") {
    state.data.added = [];
    state.data.removed = [];
  }
  const keep = path === "data.validation" || path === "training.batch_size" || path === "data.edit";
  await build(structuredClone(state), { keepWeights: keep });
}

const controls = bindControls(() => state, onChange);

// ---- storage and links -----------------------------------------------------------

let saveTimer = 0;
function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveNow, 300);
}

function saveNow() {
  if (!lab) return;
  try {
    localStorage.setItem(S.STORAGE_KEY, S.writeSaved(state, lab.exportModel()));
  } catch (e) {
    message(`The session could not be saved in this browser: ${errorText(e)}`, { kind: "note" });
  }
}

function saveCsv(bytes) {
  try {
    if (bytes.length <= CSV_STORAGE_MAX) localStorage.setItem(CSV_STORAGE_KEY, new TextDecoder().decode(bytes));
    else {
      localStorage.removeItem(CSV_STORAGE_KEY);
      message("The uploaded file is too large to keep in browser storage; after a reload, upload it again.", { kind: "note" });
    }
  } catch {
    message("The uploaded file could not be kept in browser storage; after a reload, upload it again.", { kind: "note" });
  }
}

async function restore() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.has("s") && decodeLink) {
    try {
      const { config, model } = JSON.parse(decodeLink(hash.get("s")));
      const { state: s, notes } = S.parse({ ...config, view: state.view });
      notes.forEach((n) => message(n, { kind: "note" }));
      if (s.data.kind === "csv") {
        message("Links do not carry uploaded data; upload the CSV again.", { kind: "note" });
        s.data.kind = "circles";
      }
      if (await build(s, { model })) return;
    } catch (e) {
      message(`The link could not be read: ${errorText(e)}`);
    }
  }
  const saved = S.readSaved(localStorage.getItem(S.STORAGE_KEY));
  saved.notes.forEach((n) => message(n, { kind: "note" }));
  if (saved.state.data.kind === "csv") {
    const text = localStorage.getItem(CSV_STORAGE_KEY);
    if (text) csvBytes = new TextEncoder().encode(text);
    else saved.state.data.kind = "circles";
  }
  if (!(await build(saved.state, { model: saved.model }))) await build(S.defaults());
}

// ---- training --------------------------------------------------------------------

function setPlaying(on) {
  playing = on;
  $("play").textContent = on ? "Pause" : "Play";
  if (on) sendPlay();
  else trainer.pause();
  dirty = true;
}

/** Tells the worker how to train: the speed slider's rate and the stop condition. */
function sendPlay() {
  const v = Number($("speed").value);
  const { stop, stop_value: value } = state.view;
  trainer.play(v < 20 ? 10 ** (v / 4) : null, stop && stop !== "none" ? { kind: stop, value } : null);
}

/** What the worker reports besides snapshots. */
function onTrainerEvent(e) {
  if (e.type === "stopped") {
    setPlaying(false);
    message(`Stopped: the stop condition was reached at epoch ${e.epoch}.`, { kind: "note" });
  } else if (e.type === "diverged") {
    setPlaying(false);
    message(e.text, { actions: [["Reset", () => resetNetwork(true)]] });
  } else if (e.crashed) {
    engineCrashed(new Error(e.text));
  } else {
    message(e.text);
  }
}

async function resetNetwork(skipConfirm = false) {
  if (!skipConfirm && !discardOk("Reset and start again?")) return;
  setPlaying(false);
  await build(structuredClone(state));
}

// ---- drawing ---------------------------------------------------------------------

const plane = new Plane($("plane"));
const diagram = new Diagram($("diagram"));
let lastCharts = 0;
let lastConfusion = 0;
let lastPicture = 0;
/** Which of the plane and the diagram are on screen: scrolled away, they are not drawn
 * (the views do the same). */
const shown = new Map();
const seen = new IntersectionObserver((entries) => {
  for (const e of entries) shown.set(e.target.id, e.isIntersecting);
  dirty = true;
});
seen.observe($("plane"));
seen.observe($("diagram"));
const onScreen = (id) => shown.get(id) !== false;
/** Least milliseconds between redraws of the pictures while training (30 a second). */
const PICTURE_MS = 33;

function speedLabel() {
  const v = Number($("speed").value);
  return v >= 20 ? "max" : `${Math.round(10 ** (v / 4))} steps/s`;
}

function status() {
  const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "–");
  const cls = classNames.length > 0;
  let text = `Epoch ${lab.epoch()} · loss ${fmt(lab.last("train_loss"), 4)}`;
  if (!Number.isFinite(lab.last("train_loss"))) text = `Epoch ${lab.epoch()} · loss ${fmt(lab.last("step_loss"), 4)}`;
  if (cls) text += ` · training accuracy ${fmt(lab.last("train_accuracy"))} · validation accuracy ${fmt(lab.last("val_accuracy"))}`;
  else text += ` · validation loss ${fmt(lab.last("val_loss"), 4)}`;
  $("status").textContent = text;
  const batch = state.training.batch_size;
  $("counters").textContent = `step ${lab.steps()} · ${Math.round(stats.epochsPerSecond)} epochs/s · ${Math.round(stats.stepsPerSecond * batch).toLocaleString("en")} examples/s · ${stats.fps} fps · learning rate ${lab.learningRate().toPrecision(3)}`;
}

function confusion() {
  const names = classNames;
  const box = $("confusion");
  if (names.length === 0) {
    box.replaceChildren();
    return;
  }
  const counts = lab.confusion();
  const c = names.length;
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.textContent = "Confusion matrix (validation): rows true, columns predicted";
  table.append(caption);
  const head = table.insertRow();
  head.insertCell().textContent = "";
  names.forEach((n) => (head.insertCell().textContent = n));
  let max = 1;
  for (const v of counts) max = Math.max(max, v);
  for (let t = 0; t < c; t++) {
    const row = table.insertRow();
    row.insertCell().textContent = names[t];
    for (let p = 0; p < c; p++) {
      const cell = row.insertCell();
      cell.textContent = String(counts[t * c + p]);
      cell.style.setProperty("--w", (counts[t * c + p] / max).toFixed(3));
      cell.className = t === p ? "hit" : "miss";
    }
  }
  box.replaceChildren(table);
}

function selectionText() {
  const el = $("selection");
  if (!selectedWeight) {
    el.textContent = `Example ${state.view.example} selected. Click a weight to select it.`;
    return;
  }
  const { layer, unit, input } = selectedWeight;
  const sizes = lab.layerSizes();
  if (input < 0) {
    const b = f32(lab.biasesPtr(layer), sizes[layer + 1]);
    el.textContent = `Selected bias b${layer + 1}[${unit + 1}] (layer ${layer + 1}, unit ${unit + 1}) = ${b[unit].toFixed(5)}`;
    return;
  }
  const w = f32(lab.weightsPtr(layer), sizes[layer + 1] * sizes[layer]);
  el.textContent = `Selected weight w${layer + 1}[${unit + 1}][${input + 1}] (layer ${layer + 1}, into unit ${unit + 1} from input ${input + 1}) = ${w[unit * sizes[layer] + input].toFixed(5)}`;
}

const tip = document.createElement("div");
tip.className = "tooltip";
tip.setAttribute("role", "tooltip");
tip.hidden = true;
document.body.append(tip);
let hoverWeight = null;
let hoverAt = [0, 0];

/** The chain rule for the weight under the cursor, with the engine's current numbers. */
function chainTip() {
  if (!hoverWeight) {
    tip.hidden = true;
    return;
  }
  const { layer, unit, input } = hoverWeight;
  try {
    const c = JSON.parse(lab.chain(layer, unit, input, state.view.example));
    const f = (v) => Number(v.toPrecision(4));
    const name = `w${layer + 1}[${unit + 1}][${input + 1}]`;
    tip.textContent = `dC/d${name} = dC/da × da/dz × dz/dw\n= ${f(c.dC_da)} × ${f(c.da_dz)} × ${f(c.dz_dw)} = ${f(c.product)}  (example ${state.view.example})\nsummed over the batch: ${f(c.batch)}`;
    tip.hidden = false;
    const right = window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8;
    tip.style.left = `${Math.max(window.scrollX + 4, Math.min(hoverAt[0] + 14, right))}px`;
    tip.style.top = `${hoverAt[1] + 14}px`;
  } catch (e) {
    tip.textContent = errorText(e);
  }
}

const viewContext = {
  get lab() { return lab; },
  get state() { return state; },
  get playing() { return playing; },
  now: 0,
  selected: () => selectedWeight,
  select: (w) => { selectedWeight = w; dirty = true; },
  example: () => state.view.example,
  setExample: (r) => { state.view.example = r; dirty = true; save(); },
  redraw: () => { dirty = true; },
  highlight: (layer) => { highlightLayer = layer; dirty = true; },
  /** Loads a configuration (with optional CSV text and model file): a lesson. `ask`
   * false skips the question (another variant of the lesson already shown). */
  load: async (s, { csv = null, model = null, ask = true } = {}) => {
    if (ask && !discardOk("Load this lesson?")) return false;
    setPlaying(false);
    const previous = csvBytes;
    if (csv != null) csvBytes = new TextEncoder().encode(csv);
    const ok = await build(s, { model });
    if (ok && csv != null) saveCsv(csvBytes);
    if (!ok) csvBytes = previous;
    return ok;
  },
  play: () => setPlaying(true),
  onReady: (fn) => readyHooks.push(fn),
};
const readyHooks = [];

function render(now) {
  // While training, the heatmaps, the diagram and the views redraw at most every
  // PICTURE_MS: on a slow machine their raster is most of a frame, and the counters and
  // the frame loop keep 60 per second.
  if (!playing || now - lastPicture >= PICTURE_MS) {
    const [planeShown, diagramShown] = [onScreen("plane"), onScreen("diagram")];
    if (lab.features() === 2 && (planeShown || diagramShown)) lab.updateGrid(GRID_SIDE, state.view.palette);
    if (planeShown) plane.draw(lab, state.view.palette, state.view.example);
    if (diagramShown) diagram.draw(lab, state.view.palette, state.view.example, selectedWeight, highlightLayer);
    viewContext.now = now;
    for (const v of views) v.update(viewContext);
    lastPicture = now;
  }
  selectionText();
  chainTip();
  status();
  if (now - lastCharts > 500 || !playing) {
    drawCharts(lab, state, classNames.length > 0);
    lastCharts = now;
  }
  if (now - lastConfusion > 500 || !playing) {
    confusion();
    lastConfusion = now;
  }
}

let frameCount = 0;
let frameWindow = performance.now();
let stepWindowStart = 0;
let epochWindowStart = 0;
let lastSave = 0;

let crashed = false;

/** A trap in the engine (a panic) leaves it unusable: stop, say so, offer a reload. */
function engineCrashed(e) {
  if (crashed) return;
  crashed = true;
  playing = false;
  const why = lastPanic?.() ?? errorText(e);
  message(`The engine stopped (${why}). Reload it to go on: your session, saved a few seconds ago, is restored.`, {
    actions: [["Reload the engine", () => location.reload()]],
  });
}

window.addEventListener("error", (e) => {
  if (e.error instanceof WebAssembly.RuntimeError) engineCrashed(e.error);
});
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof WebAssembly.RuntimeError) engineCrashed(e.reason);
});

function frame(now) {
  if (crashed) return;
  requestAnimationFrame(frame);
  try {
    frameBody(now);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) engineCrashed(e);
    else throw e;
  }
}

function frameBody(now) {
  if (!lab) return;
  frameCount++;
  if (trainer.show(lab)) dirty = true;
  if (now - frameWindow >= 1000) {
    const seconds = (now - frameWindow) / 1000;
    stats.fps = Math.round(frameCount / seconds);
    stats.stepsPerSecond = Math.max(0, lab.steps() - stepWindowStart) / seconds;
    stats.epochsPerSecond = Math.max(0, lab.epoch() - epochWindowStart) / seconds;
    frameCount = 0;
    stepWindowStart = lab.steps();
    epochWindowStart = lab.epoch();
    frameWindow = now;
  }
  if (playing && now - lastSave > 3000) {
    save();
    lastSave = now;
  }
  if (playing || dirty) {
    render(now);
    dirty = false;
  }
}

// ---- controls ----------------------------------------------------------------------

$("play").addEventListener("click", () => setPlaying(!playing));
$("step").addEventListener("click", () => {
  if (playing) setPlaying(false);
  trainer.step();
});
$("epoch-step").addEventListener("click", () => {
  if (playing) setPlaying(false);
  trainer.epoch();
});
$("reset").addEventListener("click", () => resetNetwork());
$("speed").addEventListener("input", () => {
  $("speed-readout").textContent = speedLabel();
  state.view.speed = Number($("speed").value);
  if (playing) sendPlay();
  save();
});

$("upload").addEventListener("click", () => $("upload-file").click());
$("upload-file").addEventListener("change", async (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (file) await loadCsv(file);
});
onDrop((file) => (file.name.endsWith(".json") ? importWeights(file) : loadCsv(file)));

async function loadCsv(file) {
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (e) {
    message(errorText(e));
    return;
  }
  const previous = csvBytes;
  csvBytes = bytes;
  const s = structuredClone(state);
  s.data.kind = "csv";
  s.data.added = [];
  s.data.removed = [];
  if (await build(s)) {
    saveCsv(bytes);
    message(`Loaded "${file.name}": ${lab.rows()} rows, ${lab.features()} features.`, { kind: "note" });
  } else {
    csvBytes = previous;
  }
}

$("export").addEventListener("click", () => download("backprop-lab-model.json", lab.exportModel()));
$("import").addEventListener("click", () => $("import-file").click());
$("import-file").addEventListener("change", async (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (file) await importWeights(file);
});

async function importWeights(file) {
  let text;
  try {
    text = new TextDecoder().decode(await readFile(file));
  } catch (e) {
    message(errorText(e));
    return;
  }
  try {
    lab.importWeights(text);
    trainer.weights(text);
    dirty = true;
    save();
    message(`Weights loaded from "${file.name}".`, { kind: "note" });
    return;
  } catch (e) {
    let config = null;
    try {
      config = JSON.parse(text)?.training ?? null;
    } catch {
      // The engine's message below says what is wrong with the text.
    }
    if (!config) {
      message(`Could not import "${file.name}": ${errorText(e)}`);
      return;
    }
    const { state: s } = S.parse({ ...config, view: state.view });
    if (s.data.kind === "csv" && !csvBytes) {
      message(`"${file.name}" was trained on an uploaded CSV; upload that file first, then import the weights.`);
      return;
    }
    if (!discardOk("These weights need their own network and data. Load them?")) return;
    if (await build(s, { model: text })) message(`Loaded "${file.name}" with its configuration.`, { kind: "note" });
  }
}

$("history").addEventListener("click", () => {
  const read = (name, layer) => {
    const n = lab.historyLen(name, layer);
    return { values: Array.from(f64(lab.historyPtr(name, layer), n)), stride: lab.historyStride(name, layer) };
  };
  download("backprop-lab-history.csv", historyCsv(lab, read), "text/csv");
});

$("link").addEventListener("click", async () => {
  if (!encodeLink) return;
  const withWeights = $("link-weights").checked;
  let link;
  try {
    const { data, features, network, training } = state;
    link = `${location.origin}${location.pathname}#s=${encodeLink(JSON.stringify({ data, features, network, training }), withWeights ? lab.exportModel() : undefined)}`;
  } catch (e) {
    message(errorText(e));
    return;
  }
  try {
    await navigator.clipboard.writeText(link);
    message("Link copied to the clipboard.", { kind: "note" });
  } catch {
    message(`Copy this link: ${link}`, { kind: "note" });
  }
});

$("plane").addEventListener("click", async (e) => {
  if (!lab || lab.gridSide() === 0 || lab.features() !== 2) return;
  const dpr = window.devicePixelRatio || 1;
  const rect = e.target.getBoundingClientRect();
  const px = (e.clientX - rect.left) * dpr;
  const py = (e.clientY - rect.top) * dpr;
  const mode = document.querySelector("input[name=click-mode]:checked").value;
  if (e.shiftKey) {
    const r = plane.nearest(lab, px, py);
    if (r < 0) return;
    await editPoints((s, generated) => {
      if (r < generated) s.data.removed.push(r);
      else s.data.added.splice(r - generated, 1);
    });
  } else if (mode === "add") {
    const [x, y] = plane.transform(lab).toData(px, py);
    await editPoints((s) => s.data.added.push([x, y, Number($("add-class").value)]));
  } else {
    state.view.example = plane.nearest(lab, px, py);
    dirty = true;
  }
});

async function editPoints(edit) {
  const s = structuredClone(state);
  const generated = lab.rows() - s.data.added.length;
  edit(s, generated);
  await build(s, { keepWeights: true });
}

$("diagram").addEventListener("click", (e) => {
  const dpr = window.devicePixelRatio || 1;
  const rect = e.target.getBoundingClientRect();
  selectedWeight = diagram.hit((e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr) ?? selectedWeight;
  dirty = true;
});
$("diagram").addEventListener("mousemove", (e) => {
  const dpr = window.devicePixelRatio || 1;
  const rect = e.target.getBoundingClientRect();
  const [px, py] = [(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr];
  const weight = diagram.hit(px, py);
  hoverAt = [e.pageX, e.pageY];
  if (JSON.stringify(weight) !== JSON.stringify(hoverWeight)) {
    hoverWeight = weight;
    dirty = true;
  }
  const hover = diagram.nodeAt(px, py);
  if (JSON.stringify(hover) !== JSON.stringify(diagram.hover)) {
    diagram.hover = hover;
    dirty = true;
  }
});
$("diagram").addEventListener("mouseleave", () => {
  diagram.hover = null;
  hoverWeight = null;
  dirty = true;
});

window.addEventListener("keydown", (e) => {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
  if (e.key === " " && !(t instanceof HTMLButtonElement)) {
    e.preventDefault();
    $("play").click();
  } else if (e.key === "s") $("step").click();
  else if (e.key === "r") $("reset").click();
});
window.addEventListener("resize", () => (dirty = true));
window.addEventListener("pagehide", () => {
  if (!crashed) saveNow();
});

// ---- start -------------------------------------------------------------------------

window.backpropLab = {
  memory: wasm.memory,
  stats: () => ({ ...stats, epoch: lab?.epoch() ?? 0, steps: lab?.steps() ?? 0 }),
  lab: () => lab,
  state: () => state,
  /** Viewport coordinates of the middle of weight W[layer][unit][input] in the diagram. */
  weightPoint: (layer, unit, input) => {
    const e = diagram.edges.find((d) => d.layer === layer && d.unit === unit && d.input === input);
    if (!e) return null;
    const rect = $("diagram").getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    return { x: rect.left + (e.from.x + e.to.x) / 2 / dpr, y: rect.top + (e.from.y + e.to.y) / 2 / dpr };
  },
};

for (const v of views) v.mount(document.getElementById("inspect"), viewContext);
try {
  await trainer.ready;
  trainer.worker.onerror = (e) => engineCrashed(new Error(e.message));
} catch (e) {
  message(`Training cannot start in this browser: ${errorText(e)}`);
}
await restore();
$("speed").value = String(state.view.speed);
$("speed-readout").textContent = speedLabel();
requestAnimationFrame(frame);
readyHooks.forEach((fn) => fn());
