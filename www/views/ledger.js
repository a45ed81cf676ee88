// The ledger: one example's forward and backward pass, every number from the engine in
// f64, each row with the equation it applies; a stepper walks it one operation at a
// time and highlights the layer in the network diagram; the gradient check beside it;
// on request, the bias trick: each layer's [W b] acting on [a; 1] gives the same z;
// for a tied layer, the two paths to its W; for a convolution, one pixel's sum
// (www/views/ledger-layers.js).
import { detailsBox, numbers, num, el, node } from "./parts.js";
import { LESSONS } from "./lessons.js";
import * as layers from "./ledger-layers.js";

let body;
let table;
let checks;
let collapseBox;
let augmentedBox;
let augmentedToggle;
let stepLabel;
let current = -1;
let steps = [];
let lastLab = null;
let lastTime = 0;
let lastExample = -1;
let lastSteps = -1;

function highlightRow(ctx) {
  [...table.tBodies[0].rows].forEach((r, i) => r.classList.toggle("current", i === current));
  const s = steps[current];
  stepLabel.textContent = current < 0 ? "All steps shown" : `Step ${current + 1} of ${steps.length}: ${s.equation}`;
  ctx.highlight(s ? (s.kind === "forward" || s.kind === "backward" ? s.layer : null) : null);
}

function fill(ctx) {
  const lab = ctx.lab;
  const row = ctx.example();
  let ledger;
  try {
    // The update is for the phases mode; the bias trick only when it is shown.
    ledger = JSON.parse(lab.ledger(row, false, augmentedToggle.checked));
  } catch (e) {
    table.tBodies[0].replaceChildren(el("tr", `The ledger cannot be shown: ${e.message}`));
    return;
  }
  steps = ledger.steps;
  augmented(ledger);
  layers.fill(ctx, row);
  const rows = steps.map((s, i) => {
    const tr = document.createElement("tr");
    tr.dataset.name = s.name;
    tr.append(el("td", s.rule ?? s.kind), el("td", s.equation, "eq"));
    const v = s.values;
    let text;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const parts = [];
      if (v.upstream) parts.push(`W^T delta = ${numbers(v.upstream)}`);
      if (v.fprime) parts.push(`f'(z) = ${numbers(v.fprime)}`);
      if (v.mask) parts.push(`ReLU mask = [${v.mask.join(", ")}]`);
      parts.push(`delta = ${numbers(v.delta)}`);
      text = parts.join("\n");
    } else text = numbers(v);
    tr.append(el("td", text, "values"));
    tr.addEventListener("click", () => {
      current = i;
      highlightRow(ctx);
    });
    return tr;
  });
  table.tBodies[0].replaceChildren(...rows);
  if (current >= steps.length) current = -1;
  highlightRow(ctx);
  try {
    const check = JSON.parse(lab.gradientCheckRow(row, 1e-5));
    const t = document.createElement("table");
    t.className = "checks";
    t.append(el("caption", `Gradient check, example ${row}: backprop against central differences (h = 1e-5)`));
    const head = t.insertRow();
    ["layer", "tensor", "max relative error"].forEach((h) => head.append(el("th", h)));
    for (const c of check) {
      const r = t.insertRow();
      r.append(el("td", String(c.layer)), el("td", c.tensor), el("td", c.max_relative_error.toExponential(2)));
    }
    checks.replaceChildren(t);
  } catch (e) {
    checks.replaceChildren(el("p", `Gradient check unavailable: ${e.message}`, "hint"));
  }
  try {
    const c = JSON.parse(lab.collapseAffine());
    collapseBox.replaceChildren(
      el("h3", "Linear activations collapse"),
      el("p", "Every activation here is the identity, so the whole network is one affine map a = W* x + b*:", "hint"),
      el("pre", `W* = ${numbers(c.weights)}\nb* = ${numbers(c.biases)}`),
      el("p", `Largest difference between the network and W* x + b* over all ${lab.rows()} rows: ${num(c.max_difference)}`, "collapse-diff"),
    );
  } catch {
    collapseBox.replaceChildren();
  }
}

/** Most entries of [W b] listed; a bigger layer shows only its comparison with z. */
const AUGMENTED_MAX = 300;

/** A column vector as a one-column table, its last entry marked when `one` is set. */
function column(values, one = false) {
  const t = node("table", { className: "aug-vector" });
  values.forEach((v, i) => {
    const td = node("td", { text: num(v), className: one && i === values.length - 1 ? "aug-one" : "" });
    td.dataset.value = String(v);
    t.insertRow().append(td);
  });
  return t;
}

/** The bias trick of every layer, from the engine: [W b], [a; 1], their product and z. */
function augmented(ledger) {
  augmentedBox.hidden = !augmentedToggle.checked;
  if (!augmentedToggle.checked) return;
  const parts = [el("p", "The bias as one more weight: append b to W as a last column and a constant 1 to the layer's input. Then [W b] [a; 1] = W a + b, the same z as the forward pass, with no separate bias.", "hint")];
  for (const l of ledger.augmented) {
    const n = l.layer;
    const prev = n === 1 ? "x" : `a${n - 1}`;
    const fig = node("figure", { className: "aug-layer" });
    fig.dataset.layer = String(n);
    fig.append(el("figcaption", `Layer ${n}: [W${n} b${n}] [${prev}; 1] = z${n}, largest difference from the forward pass's z${n}: ${num(l.max_difference)}`));
    const units = l.matrix.length;
    const width = l.matrix[0]?.length ?? 0;
    if (units * width > AUGMENTED_MAX) {
      fig.append(el("p", `[W${n} b${n}] is ${units} x ${width}, too big to list here.`, "hint"));
      parts.push(fig);
      continue;
    }
    const m = node("table", { className: "aug-matrix" });
    const head = m.insertRow();
    head.append(node("th", { text: `W${n}`, colSpan: width - 1 }), node("th", { text: `b${n}`, className: "aug-bias" }));
    for (const row of l.matrix) {
      const tr = m.insertRow();
      row.forEach((v, i) => tr.append(node("td", { text: num(v), className: i === width - 1 ? "aug-bias" : "" })));
    }
    const product = column(l.product);
    product.classList.add("aug-product");
    const z = column(l.z);
    z.classList.add("aug-z");
    const labelled = (title, t) => node("div", { className: "aug-term" }, el("span", title, "aug-title"), t);
    fig.append(node("div", { className: "aug-row" },
      labelled(`[W${n} b${n}]`, m), el("span", "×", "aug-op"), labelled(`[${prev}; 1]`, column(l.input, true)),
      el("span", "=", "aug-op"), labelled("product", product), el("span", "=", "aug-op"), labelled(`z${n} (forward)`, z)));
    parts.push(fig);
  }
  augmentedBox.replaceChildren(...parts);
}

/** A lesson may open the ledger with the bias trick shown (`ledger: { augmented }`). */
function fromLesson(ctx) {
  const lesson = LESSONS[new URLSearchParams(location.hash.slice(1)).get("lesson")];
  layers.lessonPixels(lesson?.ledger?.pixels ?? []);
  if (!lesson) return;
  augmentedToggle.checked = Boolean(lesson.ledger?.augmented);
  lastTime = 0;
  ctx.redraw();
}

export function mount(container, ctx) {
  body = detailsBox(container, "view-ledger", "Ledger: one example, forward and backward");
  const controls = el("div", null, "view-controls");
  const label = el("label", "Example ");
  const input = document.createElement("input");
  input.type = "number";
  input.min = "0";
  input.id = "ledger-example";
  input.addEventListener("change", () => {
    const r = Number(input.value);
    if (Number.isInteger(r) && r >= 0 && r < ctx.lab.rows()) ctx.setExample(r);
    else input.value = String(ctx.example());
  });
  label.append(input);
  const prev = el("button", "Previous step");
  const next = el("button", "Next step");
  const all = el("button", "Show all");
  for (const b of [prev, next, all]) b.type = "button";
  prev.addEventListener("click", () => { current = Math.max(0, current - 1); highlightRow(ctx); });
  next.addEventListener("click", () => { current = Math.min(steps.length - 1, current + 1); highlightRow(ctx); });
  all.addEventListener("click", () => { current = -1; highlightRow(ctx); });
  augmentedToggle = node("input", { type: "checkbox", id: "ledger-augmented" });
  augmentedToggle.addEventListener("change", () => { lastTime = 0; ctx.redraw(); });
  const trick = node("label", { className: "check" }, augmentedToggle, "Bias trick: [W b] acting on [x; 1]");
  controls.append(label, prev, next, all, trick);
  stepLabel = el("p", "", "hint");
  stepLabel.setAttribute("aria-live", "polite");
  table = document.createElement("table");
  table.className = "ledger";
  const head = table.createTHead().insertRow();
  ["rule", "equation", "values"].forEach((h) => head.append(el("th", h)));
  table.createTBody();
  checks = el("div", null, "checks-box");
  collapseBox = el("div", null, "collapse");
  augmentedBox = node("div", { className: "augmented", hidden: true });
  const wrap = el("div", null, "ledger-wrap");
  const scroll = el("div", null, "ledger-scroll");
  scroll.append(table);
  wrap.append(scroll, checks);
  body.append(controls, stepLabel);
  layers.mount(body, ctx, () => { lastTime = 0; ctx.redraw(); });
  body.append(augmentedBox, wrap, collapseBox);
  body.closest("details").addEventListener("toggle", () => { lastTime = 0; ctx.redraw(); });
  window.addEventListener("hashchange", () => fromLesson(ctx));
  ctx.onReady(() => fromLesson(ctx));
}

export function update(ctx) {
  if (!body.closest("details").open || !ctx.lab) return;
  const example = ctx.example();
  const steps = `${ctx.lab.shownStep()}|${ctx.lab.edits()}`;
  const changed = ctx.lab !== lastLab || example !== lastExample || lastTime === 0;
  if (!changed && (steps === lastSteps || ctx.now - lastTime < 400)) return;
  lastSteps = steps;
  if (ctx.lab !== lastLab) current = -1;
  lastLab = ctx.lab;
  lastExample = example;
  lastTime = ctx.now;
  document.getElementById("ledger-example").value = String(example);
  fill(ctx);
}
