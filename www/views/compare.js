// With and without dropout and batch norm: for the network as configured, the engine
// trains its variants (as built, without its dropout, without its batch norm, without
// both; only those that differ) on the same rows from the same initial weights, in a
// worker of its own (www/compare-worker.js), so the page stays responsive and the
// user's run is kept. The engine's Overlay draws their curves on top of each other:
// each variant in its colour, training solid, validation dashed.
import { detailsBox, el, node } from "./parts.js";
import { comparison } from "./compare-state.js";
import { module, Overlay } from "../engine.js";
import { fitCanvas } from "../plane.js";

/** Least milliseconds between redraws of the charts while the comparison trains. */
const REDRAW_MS = 250;
/** Epochs each variant trains unless the user asks for others. */
const DEFAULT_EPOCHS = 30;

let ui = null;
let worker = null;
let workerReady = null;
/** The run in progress or shown: { id, lab }. */
let run = null;
let nextId = 1;
let drawn = "";
let lastDraw = -Infinity;
let checkedLab = null;
/** The views' context, to ask for a redraw when the worker reports. */
let context = null;

const errorText = (e) => (e instanceof Error ? e.message : String(e));

/** The worker, started once and again after a cancel (which terminates it). */
function compareWorker() {
  if (!worker) {
    worker = new Worker(new URL("../compare-worker.js", import.meta.url), { type: "module" });
    workerReady = new Promise((resolve, reject) => {
      worker.onerror = (e) => reject(new Error(e.message || "the comparison's worker did not start"));
      worker.onmessage = ({ data }) => (data.type === "ready" ? resolve() : receive(data));
    });
    worker.postMessage({ type: "init", module });
  }
  return workerReady;
}

function receive(data) {
  if (!run || data.id !== run.id) return;
  if (data.type === "failed") {
    comparison.error = data.text;
    comparison.finished = true;
    setRunning(false);
    ui.status.textContent = `The comparison stopped: ${data.text}`;
    context.redraw();
    return;
  }
  comparison.overlay?.free();
  comparison.overlay = new Overlay(data.curves);
  comparison.done = data.done;
  comparison.total = data.total;
  comparison.finished = data.type === "done";
  ui.progress.max = data.total;
  ui.progress.value = data.done;
  ui.status.textContent = comparison.finished
    ? `Done: ${data.total / variantCount()} epochs of each variant.`
    : `Training the variants: ${data.done} of ${data.total} epochs.`;
  if (comparison.finished) setRunning(false);
  drawn = "";
  context.redraw();
}

const variantCount = () => JSON.parse(comparison.overlay?.summary() ?? "[]").length || 1;

function setRunning(on) {
  ui.start.disabled = on || ui.start.dataset.reason != null;
  ui.cancel.hidden = !on;
  ui.progress.hidden = !on;
}

/** Starts a comparison of `lab`'s network for the epochs the field asks. */
async function start(lab) {
  const epochs = Number(ui.epochs.value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) {
    ui.status.textContent = `Epochs: give a whole number from 1 to 1000, not "${ui.epochs.value}".`;
    return;
  }
  let seed;
  try {
    seed = lab.comparisonSeed();
  } catch (e) {
    ui.status.textContent = `Could not start the comparison: ${errorText(e)}`;
    return;
  }
  run = { id: nextId++, lab };
  Object.assign(comparison, { done: 0, total: 0, finished: false, error: null });
  comparison.overlay?.free();
  comparison.overlay = null;
  drawn = "";
  setRunning(true);
  ui.status.textContent = "Starting the comparison…";
  const id = run.id;
  try {
    await compareWorker();
  } catch (e) {
    worker?.terminate();
    worker = null;
    run = null;
    setRunning(false);
    ui.status.textContent = `Could not start the comparison: ${errorText(e)}`;
    return;
  }
  if (run?.id !== id) return;
  worker.postMessage({ type: "start", id, seed, epochs }, [seed.buffer]);
}

function cancel() {
  worker?.terminate();
  worker = null;
  run = null;
  comparison.finished = false;
  setRunning(false);
  comparison.error = "cancelled; press the button to run it again";
  ui.status.textContent = "Cancelled; the curves show the epochs trained so far.";
  context.redraw();
}

export function mount(container, ctx) {
  context = ctx;
  const body = detailsBox(container, "view-compare", "Dropout and batch norm: with and without");
  const hint = el("p", "Trains this network again as built and without its dropout or batch-norm layers, on the same training and validation rows, from the same initial weights (the configuration's) and with the same settings, for the same number of epochs. Each variant has its colour; training is solid, validation dashed. The training curve is measured after each epoch with dropout off, like validation, so the gap between the two is overfitting. Your own run is not touched.", "hint");
  const start_ = node("button", { type: "button", id: "compare-run", text: "Compare with and without dropout / batch norm" });
  const epochs = node("input", { type: "number", id: "compare-epochs", min: "1", max: "1000", step: "1", value: String(DEFAULT_EPOCHS) });
  const cancel_ = node("button", { type: "button", id: "compare-cancel", text: "Cancel", hidden: true });
  const progress = node("progress", { id: "compare-progress", hidden: true, max: 1, value: 0, "aria-label": "Epochs trained of the comparison" });
  const reason = el("p", null, "hint compare-reason");
  reason.id = "compare-reason";
  const status = el("p", null, "compare-status");
  status.id = "compare-status";
  status.setAttribute("aria-live", "polite");
  const row = el("div", null, "compare-actions");
  row.append(start_, node("label", {}, "Epochs ", epochs), cancel_, progress);
  const loss = node("canvas", { id: "compare-loss", className: "chart compare-chart", role: "img", "aria-label": "Loss of each variant per epoch: training solid, validation dashed" });
  const accuracy = node("canvas", { id: "compare-accuracy", className: "chart compare-chart", role: "img", "aria-label": "Accuracy of each variant per epoch: training solid, validation dashed" });
  const table = el("table", null, "compare-table");
  table.id = "compare-table";
  body.append(hint, row, reason, status, loss, accuracy, table);
  ui = { details: body.parentElement, start: start_, epochs, cancel: cancel_, progress, reason, status, loss, accuracy, table };
  start_.addEventListener("click", () => ctx.lab && start(ctx.lab));
  cancel_.addEventListener("click", cancel);
  // A lesson asks for a comparison of the network it has just built.
  document.addEventListener("compare-start", ({ detail }) => {
    if (!ctx.lab) return;
    checkVariants(ctx.lab);
    ui.details.open = true;
    ui.epochs.value = String(detail.epochs);
    if (!ui.start.disabled) start(ctx.lab);
  });
  ui.details.addEventListener("toggle", () => { drawn = ""; ctx.redraw(); });
}

/** Enables the button when the network has dropout or batch norm, else says why. */
function checkVariants(lab) {
  if (lab === checkedLab) return;
  checkedLab = lab;
  const labels = JSON.parse(lab.comparisonVariants());
  const ok = labels.length > 1;
  if (ok) delete ui.start.dataset.reason;
  else ui.start.dataset.reason = "none";
  ui.reason.textContent = ok
    ? `Variants: ${labels.join(", ")}.`
    : "This network has no dropout or batch-norm layer: add one to compare with and without it (the network editor's Add layer menu has both; the lesson \"UCLA: dropout and batch norm\" builds such a net).";
  ui.start.disabled = !ok || (run != null && !comparison.finished && worker != null);
}

const fixed = (v, d) => (v == null || !Number.isFinite(v) ? "–" : v.toFixed(d));
/** A loss: three decimals, or two significant digits below 0.01 (0.00009 is not 0). */
const loss = (v) => (v != null && Number.isFinite(v) && v > 0 && v < 0.01 ? v.toPrecision(2) : fixed(v, 3));

function table(overlay, palette) {
  const rows = JSON.parse(overlay.summary());
  // Regression has no accuracy; before the first epoch no variant has any value yet.
  ui.accuracy.hidden = rows.every((r) => r.epochs > 0 && r.train_accuracy == null);
  const head = node("tr", {}, ...["variant", "epochs", "training accuracy", "validation accuracy", "training loss", "validation loss"].map((t) => el("th", t)));
  const body = rows.map((r, i) => {
    const [red, green, blue] = overlay.colour(i, palette);
    const swatch = el("span", null, "compare-swatch");
    swatch.style.background = `rgb(${red}, ${green}, ${blue})`;
    return node("tr", {}, node("td", {}, swatch, r.label), el("td", String(r.epochs)), el("td", fixed(r.train_accuracy, 3)),
      el("td", fixed(r.val_accuracy, 3)), el("td", loss(r.train_loss)), el("td", loss(r.val_loss)));
  });
  ui.table.replaceChildren(node("caption", { text: "After the last epoch trained" }), head, ...body);
}

export function update(ctx) {
  if (!ui || !ctx.lab) return;
  checkVariants(ctx.lab);
  if (run && run.lab !== ctx.lab) {
    // A new network: its variants are other ones; the old curves no longer apply.
    if (worker && !comparison.finished) cancel();
    run = null;
    comparison.overlay?.free();
    Object.assign(comparison, { overlay: null, done: 0, total: 0, finished: false, error: null });
    ui.status.textContent = "";
    ui.table.replaceChildren();
    drawn = "";
  }
  if (!ui.details.open) return;
  const overlay = comparison.overlay;
  const palette = ctx.state.view.palette;
  const key = `${comparison.done}/${palette}/${ui.loss.clientWidth}/${overlay ? 1 : 0}`;
  if (key === drawn) return;
  const now = performance.now();
  if (!comparison.finished && overlay && now - lastDraw < REDRAW_MS) return;
  lastDraw = now;
  drawn = key;
  if (overlay) table(overlay, palette);
  for (const canvas of [ui.loss, ui.accuracy]) {
    if (canvas.hidden) continue;
    const dpr = fitCanvas(canvas);
    if (!overlay) {
      canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
      continue;
    }
    const kind = canvas === ui.loss ? "loss" : "accuracy";
    overlay.draw(canvas, kind, kind === "loss", palette, dpr);
  }
}
