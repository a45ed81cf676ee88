// Phases: one training step in slow motion on the network diagram. Forward, layer by
// layer (each unit's z and a, each link's weight), the loss, backward (each unit's delta, each link's
// dC/dw), then the update (each weight from w to w - lr dC/dw). Every number is the
// engine's: the f64 ledger of the selected example, its update included. Training
// pauses while the mode is on; the arrow keys (or n and p) step through the phases.
import { el, node, numbers, num } from "./parts.js";

/** The colour of each kind of phase, for its links, rings and label borders. */
const COLOURS = { forward: "#b7791f", loss: "#6b46c1", backward: "#c53030", update: "#2f855a" };
/** Above this many links in a phase, none is labelled (the list has them all). */
const MAX_LINK_LABELS = 400;

let ctx = null;
let on = false;
let index = 0;
let cached = { lab: null, example: -1, steps: -1, lr: NaN, time: 0, ledger: null, error: null };
let ui = null;

/** Four significant digits, as short as they print (small values with an exponent). */
function short(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

/** Least milliseconds between two readings of an unchanged ledger (weights imported
 * into the same lab change it without a step). */
const REREAD_MS = 1000;

/** The engine's ledger of the selected example with its update, read again when the
 * lab, the example, the step count or the learning rate changed, or after REREAD_MS. */
function ledger() {
  const lab = ctx.lab;
  if (!lab) return null;
  const key = { lab, example: ctx.example(), steps: `${lab.shownStep()}|${lab.edits()}`, lr: lab.learningRate(), time: performance.now() };
  const same = key.lab === cached.lab && key.example === cached.example && key.steps === cached.steps && key.lr === cached.lr;
  if (!same || key.time - cached.time > REREAD_MS) {
    cached = { ...key, ledger: null, error: null };
    try {
      cached.ledger = JSON.parse(lab.ledger(key.example, true, false));
    } catch (e) {
      cached.error = e.message;
    }
  }
  return cached.ledger;
}

/** forward 1..L, loss, backward L..1, update. */
function phasesOf(led) {
  const layers = led.update.layers.length;
  const list = [];
  for (let n = 1; n <= layers; n++) list.push({ kind: "forward", layer: n });
  list.push({ kind: "loss", layer: layers });
  for (let n = layers; n >= 1; n--) list.push({ kind: "backward", layer: n });
  list.push({ kind: "update", layer: null });
  return list;
}

const phaseName = (p) => (p.layer != null && p.kind !== "loss" ? `${p.kind}, layer ${p.layer}` : p.kind);

/** The values of the ledger's step called `name`. */
const stepValues = (led, name) => led.steps.find((s) => s.name === name)?.values;
const stepEquation = (led, name) => led.steps.find((s) => s.name === name)?.equation ?? "";

/** What a phase puts on the diagram: labels at units ({column, unit, parts}), labels on
 * links ({layer, unit, input, parts}), a loss box, the links and columns it lights, and
 * the text beside the diagram. A part is {key, value, prefix}. */
function content(led, p) {
  const layers = led.update.layers.length;
  const units = [];
  const links = [];
  const out = { units, links, loss: null, lit: null, columns: [], legend: "", explain: "", list: "" };
  const act = (n) => stepValues(led, `a${n}`);
  const inputLabels = () => led.input.forEach((v, i) => units.push({ column: 0, unit: i, dim: true, parts: [{ key: "x", value: v, prefix: "x = " }] }));
  if (p.kind === "forward") {
    const n = p.layer;
    if (n === 1) inputLabels();
    else act(n - 1).forEach((v, i) => units.push({ column: n - 1, unit: i, dim: true, parts: [{ key: "a", value: v, prefix: "a = " }] }));
    const z = stepValues(led, `z${n}`);
    act(n).forEach((v, i) => units.push({ column: n, unit: i, parts: [{ key: "z", value: z[i], prefix: "z = " }, { key: "a", value: v, prefix: "a = " }] }));
    const u = led.update.layers[n - 1];
    u.w.forEach((row, j) => row.forEach((w, i) => links.push({ layer: n, unit: j, input: i, size: Math.abs(w), parts: [{ key: "w", value: w, prefix: "w = " }] })));
    out.lit = n - 1;
    out.columns = [n];
    out.legend = "links: weight w · units: z and a";
    out.explain = `Each unit of layer ${n} adds up the highlighted links, each weight times the value it carries, plus its bias: ${stepEquation(led, `z${n}`)}; then it applies its activation: ${stepEquation(led, `a${n}`)}.`;
    out.list = `${n === 1 ? `x = ${numbers(led.input)}` : `a${n - 1} = ${numbers(act(n - 1))}`}\nW${n} =\n${numbers(u.w)}\nb${n} = ${numbers(u.b)}\nz${n} = ${numbers(z)}\na${n} = ${numbers(act(n))}`;
  } else if (p.kind === "loss") {
    const a = act(layers);
    a.forEach((v, i) => units.push({ column: layers, unit: i, parts: [{ key: "a", value: v, prefix: "a = " }, { key: "y", value: led.target[i], prefix: "y = " }] }));
    out.loss = { value: led.cost };
    out.columns = [layers];
    out.legend = "units: output a and target y";
    out.explain = `The loss compares the output a${layers} with the target y: ${stepEquation(led, "C")}.`;
    out.list = `a${layers} = ${numbers(a)}\ny = ${numbers(led.target)}\nC = ${num(led.cost)}`;
  } else if (p.kind === "backward") {
    const n = p.layer;
    const v = stepValues(led, `delta${n}`);
    v.delta.forEach((d, i) => units.push({ column: n, unit: i, parts: [{ key: "delta", value: d, prefix: "δ = " }] }));
    // The values the links carried forward: each link's dC/dw is the δ it enters times these.
    const carried = n === 1 ? led.input : act(n - 1);
    const [key, prefix] = n === 1 ? ["x", "x = "] : ["a", "a = "];
    carried.forEach((v, i) => units.push({ column: n - 1, unit: i, dim: true, parts: [{ key, value: v, prefix }] }));
    for (let m = n + 1; m <= layers; m++) {
      stepValues(led, `delta${m}`).delta.forEach((d, i) => units.push({ column: m, unit: i, dim: true, parts: [{ key: "delta", value: d, prefix: "δ = " }] }));
    }
    const dw = stepValues(led, `dC/dW${n}`);
    dw.forEach((row, j) => row.forEach((g, i) => links.push({ layer: n, unit: j, input: i, size: Math.abs(g), parts: [{ key: "dw", value: g, prefix: "" }] })));
    out.lit = n - 1;
    out.columns = [n];
    const first = n === layers
      ? `The output's error: ${stepEquation(led, `delta${n}`)} (BP1).`
      : `The error flows back over the weights of layer ${n + 1}: ${stepEquation(led, `delta${n}`)} (BP2).`;
    out.legend = "links: dC/dw · units: δ = dC/dz";
    out.explain = `${first} Each highlighted link gets its gradient, ${stepEquation(led, `dC/dW${n}`)} (BP4): the δ of the unit it enters times the value it carried forward (${n === 1 ? "x" : `a${n - 1}`}, in grey). Each unit's dC/db is its δ (BP3).`;
    const lines = [];
    if (n === layers) lines.push(`dC/da${n} = ${numbers(stepValues(led, `dC/da${n}`))}`);
    if (v.upstream) lines.push(`W${n + 1}^T delta${n + 1} = ${numbers(v.upstream)}`);
    lines.push(`f'(z${n}) = ${numbers(v.fprime)}`);
    if (v.mask) lines.push(`ReLU mask = [${v.mask.join(", ")}]`);
    lines.push(`delta${n} = ${numbers(v.delta)}`, `dC/db${n} = ${numbers(stepValues(led, `dC/db${n}`))}`, `dC/dW${n} =\n${numbers(dw)}`);
    out.list = lines.join("\n");
  } else {
    const lr = led.update.learning_rate;
    const lines = [];
    for (const u of led.update.layers) {
      const n = u.layer;
      u.w.forEach((row, j) => row.forEach((w, i) => links.push({ layer: n, unit: j, input: i, size: Math.abs(u.dw[j][i]), parts: [{ key: "w", value: w, prefix: "" }, { key: "w_after", value: u.w_after[j][i], prefix: " → " }] })));
      u.b.forEach((b, j) => units.push({ column: n, unit: j, size: Math.abs(u.db[j]), parts: [{ key: "b", value: b, prefix: "b " }, { key: "b_after", value: u.b_after[j], prefix: " → " }] }));
      lines.push(`W${n} =\n${numbers(u.w)}`, `W${n} - ${num(lr)} dC/dW${n} =\n${numbers(u.w_after)}`, `b${n} = ${numbers(u.b)}`, `b${n} - ${num(lr)} dC/db${n} = ${numbers(u.b_after)}`);
    }
    out.lit = "all";
    out.columns = led.update.layers.map((u) => u.layer);
    out.legend = "links: w → w − lr·dC/dw · units: b → b − lr·dC/db";
    out.explain = `Each weight takes the plain gradient step w − lr·dC/dw for example ${ctx.example()} alone, at the learning rate in force, lr = ${num(lr)}; each bias likewise. ${optimiserNote()}`;
    out.list = lines.join("\n");
  }
  return out;
}

/** What the optimiser in use does besides this one example's plain step. */
function optimiserNote() {
  const t = ctx.state.training;
  const batch = t.batch_size === 1 ? "one example at a time" : `the gradient of a mini-batch of ${t.batch_size} examples`;
  if (t.optimizer === "momentum") {
    return `Training uses momentum on ${batch}: it moves by a velocity, v ← 0.9 v − lr·dC/dw, w ← w + v, so earlier steps keep pushing and its step is not this one.`;
  }
  if (t.optimizer === "adam") {
    return `Training uses Adam on ${batch}: it divides a running mean of dC/dw by the root of a running mean of its square (0.9 and 0.999), so each weight gets its own step size and its step is not this one.`;
  }
  return `Training uses this rule (SGD) on ${batch}.`;
}

/** A rectangle {x, y, w, h} overlaps another, with a margin. */
const overlaps = (a, b, m = 1) => a.x < b.x + b.w + m && b.x < a.x + a.w + m && a.y < b.y + b.h + m && b.y < a.y + a.h + m;

let memo = { key: "", led: null, now: null };

/** The current phase: {list, p, c} (c: its content), or null without a ledger. Kept
 * while the ledger, the phase and the training rule stay (a wide layer's lists are
 * long). */
function current() {
  const led = ledger();
  if (!led) return null;
  const list = phasesOf(led);
  index = Math.min(index, list.length - 1);
  const t = ctx.state.training;
  const key = `${index} ${ctx.example()} ${t.optimizer} ${t.batch_size}`;
  if (memo.led !== led || memo.key !== key) {
    const p = list[index];
    memo = { key, led, now: { list, p, c: content(led, p) } };
  }
  return memo.now;
}

/** The distance from (x, y) to a link's segment. */
function distance(x, y, { from: a, to: b }) {
  const len2 = (b.x - a.x) ** 2 + (b.y - a.y) ** 2 || 1;
  const t = Math.max(0, Math.min(1, ((x - a.x) * (b.x - a.x) + (y - a.y) * (b.y - a.y)) / len2));
  return Math.hypot(x - (a.x + t * (b.x - a.x)), y - (a.y + t * (b.y - a.y)));
}

/** Draws the phase over the diagram and records, beside it, which numbers it drew. */
function draw(g, diagram) {
  const now = current();
  if (!now) return;
  const { p, c } = now;
  const colour = COLOURS[p.kind];
  const dpr = window.devicePixelRatio || 1;
  const { width: w, height: h } = g.canvas;
  const cols = diagram.nodes;
  g.save();
  // Fade the diagram so that the phase's links and numbers stand out.
  g.fillStyle = "rgba(255, 255, 255, 0.62)";
  g.fillRect(0, 0, w, h);
  const edges = c.lit === "all" ? diagram.edges : diagram.edges.filter((e) => e.layer === c.lit);
  g.strokeStyle = colour;
  g.globalAlpha = edges.length > 200 ? 0.35 : 0.8;
  g.lineWidth = (edges.length > 200 ? 0.6 : 1.6) * dpr;
  g.beginPath();
  for (const e of edges) {
    g.moveTo(e.from.x, e.from.y);
    g.lineTo(e.to.x, e.to.y);
  }
  g.stroke();
  g.globalAlpha = 1;
  g.lineWidth = 2.5 * dpr;
  for (const col of c.columns) {
    for (const n of cols[col] ?? []) {
      g.beginPath();
      g.arc(n.x, n.y, n.r + 1.5 * dpr, 0, 2 * Math.PI);
      g.stroke();
    }
  }
  const font = Math.round(Math.max(10, Math.min(13, (cols[0]?.[0]?.r ?? 20) / dpr * 0.5)) * dpr);
  const pad = Math.round(3 * dpr);
  const lineH = Math.round(font * 1.2);
  g.font = `${font}px system-ui, sans-serif`;
  g.textBaseline = "middle";
  g.textAlign = "left";
  // Obstacles: every unit (a label never covers one) and the labels placed so far.
  const placed = [];
  for (const col of cols) for (const n of col) placed.push({ x: n.x - n.r, y: n.y - n.r, w: 2 * n.r, h: 2 * n.r, unit: true });
  const shown = [];
  const measure = (lines) => ({ w: Math.max(...lines.map((t) => g.measureText(t).width)) + 2 * pad, h: lines.length * lineH + 2 * pad });
  const fits = (r) => r.x >= 0 && r.y >= 0 && r.x + r.w <= w && r.y + r.h <= h && !placed.some((q) => overlaps(r, q));
  const put = (r, lines, entry, dim, border = colour) => {
    placed.push(r);
    g.fillStyle = dim ? "rgba(255, 255, 255, 0.8)" : "rgba(255, 255, 255, 0.94)";
    g.strokeStyle = border;
    g.lineWidth = (dim ? 1 : 1.5) * dpr;
    g.beginPath();
    g.roundRect(r.x, r.y, r.w, r.h, 3 * dpr);
    g.fill();
    g.stroke();
    g.fillStyle = dim ? "#555" : "#111";
    lines.forEach((t, k) => g.fillText(t, r.x + pad, r.y + pad + lineH * (k + 0.5)));
    shown.push({ ...entry, text: lines.join(" "), rect: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) });
  };
  const textOf = (parts) => parts.map((q) => `${q.prefix}${short(q.value)}`);
  const entryOf = (l) => ({ ...(l.column != null ? { column: l.column, unit: l.unit } : { layer: l.layer, unit: l.unit, input: l.input }), parts: l.parts.map(({ key, value }) => ({ key, value })) });
  // Where a label may go, best first: beside its unit, or on its link (centred on the
  // line, so that the line runs through it); each in one line, or in two when the
  // phase pairs a value before with one after.
  const spotsOf = (l) => {
    const texts = textOf(l.parts);
    const shapes = l.parts.length === 1 ? [texts] : p.kind === "update" ? [[texts.join("")], [texts[0], texts[1].trim()]] : [texts];
    const spots = [];
    const gap = 3 * dpr;
    for (const lines of shapes) {
      const { w: bw, h: bh } = measure(lines);
      if (l.column != null) {
        const n = cols[l.column]?.[l.unit];
        if (!n) continue;
        spots.push(
          { lines, x: n.x - bw / 2, y: n.y + n.r + gap },
          { lines, x: n.x - bw / 2, y: n.y - n.r - gap - bh },
          { lines, x: n.x + n.r + gap, y: n.y - bh / 2 },
          { lines, x: n.x - n.r - gap - bw, y: n.y - bh / 2 },
        );
      } else {
        const e = diagram.edges.find((d) => d.layer === l.layer - 1 && d.unit === l.unit && d.input === l.input);
        if (!e) continue;
        for (const t of [0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73, 0.2, 0.8]) {
          const cx = e.from.x + t * (e.to.x - e.from.x);
          const cy = e.from.y + t * (e.to.y - e.from.y);
          // Not where another lit link crosses: the label would read as either's.
          if (edges.some((d) => d !== e && distance(cx, cy, d) < bh * 0.4)) continue;
          spots.push({ lines, x: cx - bw / 2, y: cy - bh / 2 });
        }
      }
      for (const s of spots) if (s.lines === lines) Object.assign(s, { w: bw, h: bh });
    }
    return spots;
  };
  // The current layer's units first, then the loss, the dimmed units and the links;
  // in the update, the parameters whose gradient is largest first.
  const links = c.links.length <= MAX_LINK_LABELS ? c.links : [];
  const order = p.kind === "update"
    ? [...c.units, ...links].sort((a, b) => b.size - a.size)
    : [...c.units.filter((u) => !u.dim), ...c.units.filter((u) => u.dim), ...[...links].sort((a, b) => b.size - a.size)];
  // What the labels are, in the top left corner (the labels then keep clear of it).
  const legend = { ...measure([c.legend]), x: pad, y: pad };
  if (fits(legend)) {
    placed.push(legend);
    g.fillStyle = colour;
    g.fillText(c.legend, legend.x + pad, legend.y + pad + lineH / 2);
  }
  if (c.loss) {
    const lines = [`C = ${short(c.loss.value)}`];
    const { w: bw, h: bh } = measure(lines);
    const out = cols[cols.length - 1];
    const x = Math.min(w - bw - 2 * pad, out[0].x + out[0].r + 6 * dpr);
    const r = [{ x, y: 2 * pad }, { x: w - bw - 2 * pad, y: h - bh - 2 * pad }].map((q) => ({ ...q, w: bw, h: bh })).find(fits);
    if (r) put(r, lines, { parts: [{ key: "C", value: c.loss.value }] }, false);
  }
  for (const l of order) {
    const r = spotsOf(l).find(fits);
    if (r) put(r, r.lines, entryOf(l), l.dim);
  }
  g.restore();
  const total = c.units.length + c.links.length + (c.loss ? 1 : 0);
  ui.values.dataset.shown = JSON.stringify(shown);
  ui.values.dataset.shownPhase = phaseName(p);
  ui.count.textContent = shown.length === total
    ? "Every number of this phase is on the diagram."
    : `The diagram has room for ${shown.length} of this phase's ${total} numbers; all of them are listed above.`;
}

/** The text beside the diagram: which phase, what it does and every number it has. */
function describe() {
  const now = current();
  if (!now) return;
  const { list, p, c } = now;
  ui.readout.textContent = `Phase ${index + 1} of ${list.length}: ${phaseName(p)}`;
  ui.readout.dataset.phase = phaseName(p);
  ui.explain.textContent = c.explain;
  ui.values.textContent = c.list;
  ui.prev.disabled = index === 0;
  ui.next.disabled = index === list.length - 1;
  ui.box.style.setProperty("--phase", COLOURS[p.kind]);
}

function setOn(value, note = "") {
  on = value;
  ui.toggle.setAttribute("aria-pressed", String(on));
  ui.detail.hidden = !on;
  ctx.diagram.canvas.classList.toggle("phases", on);
  ctx.diagram.overlay = on ? draw : null;
  ctx.diagram.spread = on ? 6 : 2.8;
  ui.note.textContent = note;
  if (on) {
    if (ctx.playing) ctx.pause();
    cached = { ...cached, lab: null };
    const led = ledger();
    if (!led) ui.note.textContent = `Phases cannot be shown: ${cached.error}`;
  }
  ctx.redraw();
}

function go(delta) {
  if (!on) return;
  index = Math.max(0, index + delta);
  ctx.redraw();
}

export function mount(_container, context) {
  ctx = context;
  const toggle = node("button", { type: "button", text: "Phases: one training step in slow motion", "aria-pressed": "false" });
  const prev = node("button", { type: "button", text: "Previous phase", "aria-keyshortcuts": "ArrowLeft p" });
  const next = node("button", { type: "button", text: "Next phase", "aria-keyshortcuts": "ArrowRight n" });
  const readout = node("p", { className: "phases-readout", "aria-live": "polite" });
  const explain = el("p", "", "hint");
  const count = el("p", "", "hint");
  const values = node("pre", { className: "phases-values", "aria-label": "The numbers of this phase" });
  const keys = el("p", "Keys: → or n for the next phase, ← or p for the previous one, Esc to leave. Training pauses while this mode is on.", "hint");
  const note = node("p", { className: "hint", "aria-live": "polite" });
  const detail = node("div", { className: "phases-detail", hidden: true },
    node("div", { className: "phases-buttons" }, prev, next), readout, explain, values, count, keys);
  const box = node("div", { className: "phases", id: "phases" }, toggle, note, detail);
  ui = { box, toggle, prev, next, readout, explain, count, values, note, detail };
  ctx.diagram.canvas.after(box);
  toggle.addEventListener("click", () => setOn(!on));
  // A new learning rate or optimiser changes the update and its note at once.
  document.addEventListener("change", (e) => {
    if (on && e.target instanceof HTMLElement && e.target.id.startsWith("training-")) ctx.redraw();
  });
  prev.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));
  window.addEventListener("keydown", (e) => {
    if (!on || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === "ArrowRight" || e.key === "n") go(1);
    else if (e.key === "ArrowLeft" || e.key === "p") go(-1);
    else if (e.key === "Escape") setOn(false);
    else return;
    e.preventDefault();
  });
}

export function update(context) {
  if (on && context.playing) setOn(false, "Phases mode closed: training is playing again.");
  if (on) describe();
}
