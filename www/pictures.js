// The pictures of the lab's top floor: the data plane with its heatmap, the network
// diagram, the status line and counters, the selection, the chain-rule tooltip, the
// curves and the confusion matrix; and `render`, which redraws them and the views.
import { app, $ } from "./app.js";
import { Plane } from "./plane.js";
import { Diagram, paramName } from "./diagram.js";
import { drawCharts } from "./charts.js";
import { errorText } from "./messages.js";
import { drawInputs } from "./inputs.js";
import { announceStatus } from "./announce.js";
import { editorOpen } from "./weight-edit.js";

/** Heatmap cells per side. */
const GRID_SIDE = 48;
/** Least milliseconds between redraws of the pictures while training (30 a second). */
const PICTURE_MS = 33;
/** Least milliseconds between redraws of the curves and the confusion matrix. */
const TABLES_MS = 500;

export const plane = new Plane($("plane"));
export const diagram = new Diagram($("diagram"));

/** Which of the plane and the diagram are on screen: scrolled away, they are not drawn
 * (the views do the same). */
const shown = new Map();
const seen = new IntersectionObserver((entries) => {
  for (const e of entries) shown.set(e.target.id, e.isIntersecting);
  app.dirty = true;
});
seen.observe($("plane"));
seen.observe($("diagram"));
const onScreen = (id) => shown.get(id) !== false;

function status() {
  const { lab, stats, playing } = app;
  const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "–");
  const trainLoss = lab.last("train_loss");
  let text = `Epoch ${lab.epoch()} · loss ${fmt(Number.isFinite(trainLoss) ? trainLoss : lab.last("step_loss"), 4)}`;
  if (app.classNames.length > 0) text += ` · training accuracy ${fmt(lab.last("train_accuracy"))} · validation accuracy ${fmt(lab.last("val_accuracy"))}`;
  else text += ` · validation loss ${fmt(lab.last("val_loss"), 4)}`;
  if (lab.showsEdited()) text += " (weights edited by hand)";
  const moment = lab.shownMoment();
  if (moment >= 0) text = `Rewound to step ${lab.momentStep(moment)} (epoch ${lab.momentEpoch(moment)}) · the run is at e${text.slice(1)}`;
  if ($("status").textContent !== text) $("status").textContent = text;
  announceStatus(text, playing);
  const batch = app.state.training.batch_size;
  // Rates are of training: paused, they are 0 (not the last second's while playing).
  const epochs = playing ? stats.epochsPerSecond : 0;
  const examples = playing ? stats.stepsPerSecond * batch : 0;
  const counters = `step ${lab.steps().toLocaleString("en")} · ${Math.round(epochs).toLocaleString("en")} epochs/s · ${Math.round(examples).toLocaleString("en")} examples/s · ${playing ? stats.fps : 0} fps · learning rate ${lab.learningRate().toPrecision(3)}`;
  if ($("counters").textContent !== counters) $("counters").textContent = counters;
}

function confusion() {
  const names = app.classNames;
  const box = $("confusion");
  // No classes, or none predicted (an autoencoder's outputs are its inputs): no matrix.
  const counts = names.length === 0 ? [] : app.lab.confusion();
  if (counts.length === 0) {
    box.replaceChildren();
    return;
  }
  const c = names.length;
  const table = document.createElement("table");
  const caption = document.createElement("caption");
  caption.textContent = `Confusion matrix (${app.lab.confusionRows()} rows): rows true, columns predicted`;
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
  const w = app.selectedWeight;
  let text;
  if (!w) {
    text = `Example ${app.state.view.example} selected. Click a weight or a bias (the small squares) to see and edit its value.`;
  } else {
    const { layer, unit, input } = w;
    const value = app.lab.parameter(layer, unit, input).toFixed(5);
    text = input < 0
      ? `Selected bias ${paramName(w)} (layer ${layer + 1}, unit ${unit + 1}) = ${value}`
      : `Selected weight ${paramName(w)} (layer ${layer + 1}, into unit ${unit + 1} from input ${input + 1}) = ${value}`;
  }
  if (el.textContent !== text) el.textContent = text;
}

const tip = document.createElement("div");
tip.className = "tooltip";
tip.setAttribute("role", "tooltip");
tip.hidden = true;
document.body.append(tip);
/** The weight under the cursor ({ layer, unit, input } or null) and the cursor's page
 * position, set by www/pointer.js. */
export const hover = { weight: null, at: [0, 0] };

/** The value of the weight or bias under the cursor, and its chain rule with the
 * engine's current numbers. */
function chainTip() {
  if (!hover.weight || diagram.hover || editorOpen()) {
    tip.hidden = true;
    return;
  }
  const { layer, unit, input } = hover.weight;
  const example = app.state.view.example;
  const name = paramName(hover.weight);
  try {
    const c = JSON.parse(app.lab.chain(layer, unit, input, example));
    const f = (v) => Number(v.toPrecision(4));
    const value = Number(app.lab.parameter(layer, unit, input).toPrecision(6));
    const over = c.reduction === "mean" ? "mean over the batch" : "summed over the batch";
    const dz = input < 0 ? "dz/db" : "dz/dw";
    // A tied W has more paths than this chain: the ledger writes them out.
    const tied = c.tied.length ? `${c.tied.map((t) => `\n+ the path through tied layer ${t.layer}: ${f(t.value)}`).join("")} = ${f(c.backprop)} in all` : "";
    tip.textContent = `${name} = ${value} (click to edit)\ndC/d${name} = dC/da × da/dz × ${dz}\n= ${f(c.dC_da)} × ${f(c.da_dz)} × ${f(c.dz_dw)} = ${f(c.product)}  (example ${example})${tied}\n${over}: ${f(c.batch)}`;
  } catch (e) {
    tip.textContent = `${name}: ${errorText(e)}`;
  }
  tip.hidden = false;
  const right = window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8;
  tip.style.left = `${Math.max(window.scrollX + 4, Math.min(hover.at[0] + 14, right))}px`;
  tip.style.top = `${hover.at[1] + 14}px`;
}

let lastPicture = 0;
let lastTables = 0;

/** Redraws what changed. While training, the heatmaps, the diagram, the views and the
 * text beside them (status, counters, timeline) redraw at most every PICTURE_MS: on a
 * slow machine their raster and the compositor's commit are most of a frame, and a
 * frame in between that changes nothing on the page costs the browser almost nothing,
 * so the frame loop keeps 60 per second. */
export function render(now, views, context) {
  const { lab, state, playing } = app;
  if (playing && now - lastPicture < PICTURE_MS) return;
  const [planeShown, diagramShown] = [onScreen("plane"), onScreen("diagram")];
  if (lab.features() === 2 && (planeShown || diagramShown)) lab.updateGrid(GRID_SIDE, state.view.palette, state.view.discretize);
  if (planeShown) plane.draw(lab, state.view.palette, state.view.example, state.view);
  drawInputs(lab, state.view.palette);
  if (diagramShown) diagram.draw(lab, state.view.palette, state.view.example, app.selectedWeight, app.highlightLayer);
  context.now = now;
  for (const v of views) v.update(context);
  lastPicture = now;
  selectionText();
  chainTip();
  status();
  app.timeline.sync(playing);
  if (now - lastTables > TABLES_MS || !playing) {
    drawCharts(lab, state, app.classNames.length > 0);
    confusion();
    lastTables = now;
  }
}
