// The ledger's parts for the layers beyond dense, every number from the engine in f64:
// the two paths to a tied W (a tied layer uses W's transpose, so W_ij reaches the cost
// through its own layer's output and again through the tied layer; backprop adds the
// two, and the gradient check stands beside the sum), and a convolution pixel's sum,
// patch × kernel term by term + b = z, then a = f(z). The pixel follows the feature-map
// view's hover and click (its "convpixel" event) or the controls here.
import { el, node, num } from "./parts.js";

/** 10 significant digits: enough to see the sum agree with backprop. */
const long = (v) => (Number.isFinite(v) ? Number(v.toPrecision(10)).toString() : String(v));

let tiedBox;
let convBox;
let tiedControls;
let convControls;
let tiedOut;
let convOut;
/** The tied weight shown ({ layer, unit, input }, from 0) and the conv pixel. */
let weight = null;
let pixel = null;
let lastLab = null;
/** A lesson's pixels to list with their z ([row, filter, y, x] of the first conv). */
let lessonList = [];
let pixelList;
let ctxRef;
let changedRef;

/** The pixels a lesson lists in the ledger (`ledger: { pixels }`), or none. */
export function lessonPixels(list) {
  lessonList = list;
}

/** Shows `v` in a number input, unless the user is typing in it. */
function show(input, v) {
  if (document.activeElement !== input) input.value = String(v);
}

function numberInput(id, label, onChange) {
  const input = node("input", { type: "number", min: "0", id, value: "0" });
  input.addEventListener("change", onChange);
  return [node("label", {}, `${label} `, input), input];
}

/** Appends the two boxes to the ledger's body; `changed` asks the ledger to refill. */
export function mount(body, ctx, changed) {
  tiedBox = node("section", { id: "ledger-tied", className: "ledger-part", hidden: true });
  convBox = node("section", { id: "ledger-conv", className: "ledger-part", hidden: true });
  const layer = node("select", { id: "ledger-tied-layer" });
  const [unitLabel, unit] = numberInput("ledger-tied-unit", "row i", () => pickWeight());
  const [inputLabel, input] = numberInput("ledger-tied-input", "column j", () => pickWeight());
  layer.addEventListener("change", () => pickWeight());
  tiedControls = { layer, unit, input };
  const pickWeight = () => {
    weight = { layer: Number(layer.value), unit: Number(unit.value), input: Number(input.value) };
    ctx.select({ ...weight });
    changed();
  };
  tiedOut = el("div");
  tiedBox.append(el("h3", "Two paths to a tied weight"),
    node("div", { className: "view-controls" }, node("label", {}, "Weight of layer ", layer), unitLabel, inputLabel), tiedOut);

  const convLayer = node("select", { id: "ledger-conv-layer" });
  const [fLabel, filter] = numberInput("ledger-conv-filter", "map", () => pickPixel());
  const [yLabel, y] = numberInput("ledger-conv-y", "y", () => pickPixel());
  const [xLabel, x] = numberInput("ledger-conv-x", "x", () => pickPixel());
  convLayer.addEventListener("change", () => pickPixel());
  convControls = { layer: convLayer, filter, y, x };
  const pickPixel = () => {
    pixel = { layer: Number(convLayer.value), filter: Number(filter.value), y: Number(y.value), x: Number(x.value) };
    changed();
  };
  convOut = el("div");
  pixelList = node("ul", { id: "ledger-conv-list", className: "conv-list" });
  ctxRef = ctx;
  changedRef = changed;
  convBox.append(el("h3", "A convolution pixel's sum"), pixelList,
    el("p", "Pick a pixel here, or hover or click one on a convolution's map in the feature maps.", "hint"),
    node("div", { className: "view-controls" }, node("label", {}, "Layer ", convLayer), fLabel, yLabel, xLabel), convOut);
  document.addEventListener("convpixel", (e) => {
    pixel = { ...e.detail };
    changed();
  });
  body.append(tiedBox, convBox);
}

/** Refills both boxes for data row `row` (after the ledger's own table). */
export function fill(ctx, row) {
  const lab = ctx.lab;
  if (lab !== lastLab) {
    lastLab = lab;
    weight = null;
    pixel = null;
  }
  fillTied(ctx, lab, row);
  fillConv(lab, row);
  fillList(lab);
}

/** The lesson's pixels, each z from the engine with 8 decimals as the notebook prints
 * it; a click shows that pixel's sum. */
function fillList(lab) {
  const items = [];
  for (const [row, filter, y, x] of convBox.hidden ? [] : lessonList) {
    let z;
    try {
      z = JSON.parse(lab.convPixelSum(row, 0, filter, y, x)).z;
    } catch {
      continue;
    }
    const b = node("button", { type: "button", text: `image ${row}, map ${filter}, pixel (${y}, ${x}): z = ${z.toFixed(8)}` });
    b.dataset.z = String(z);
    const shown = pixel && ctxRef.example() === row && pixel.layer === 0 && pixel.filter === filter && pixel.y === y && pixel.x === x;
    b.setAttribute("aria-pressed", String(Boolean(shown)));
    b.addEventListener("click", () => {
      pixel = { layer: 0, filter, y, x };
      ctxRef.setExample(row);
      changedRef();
    });
    items.push(node("li", {}, b));
  }
  pixelList.hidden = items.length === 0;
  pixelList.replaceChildren(...(items.length ? [node("li", { className: "hint", text: "The lesson's pixels (click one for its sum):" }), ...items] : []));
}

function fillTied(ctx, lab, row) {
  const tied = JSON.parse(lab.tiedWeights());
  tiedBox.hidden = tied.length === 0;
  if (tied.length === 0) return;
  const sel = ctx.selected();
  const ok = (w) => w && w.input >= 0 && tied.some((t) => t.layer === w.layer && w.unit < t.units && w.input < t.inputs);
  if (ok(sel)) weight = { layer: sel.layer, unit: sel.unit, input: sel.input };
  else if (!ok(weight)) weight = { layer: tied[0].layer, unit: 0, input: 0 };
  const { layer, unit, input } = tiedControls;
  layer.replaceChildren(...tied.map((t) => new Option(`${t.layer + 1} (W${t.layer + 1} is ${t.units}×${t.inputs})`, String(t.layer))));
  layer.value = String(weight.layer);
  const shape = tied.find((t) => t.layer === weight.layer);
  unit.max = String(shape.units - 1);
  input.max = String(shape.inputs - 1);
  show(unit, weight.unit);
  show(input, weight.input);
  let r;
  try {
    r = JSON.parse(lab.tiedPaths(weight.layer, weight.unit, weight.input, row));
  } catch (e) {
    tiedOut.replaceChildren(el("p", `The two paths cannot be shown: ${e.message}`, "hint"));
    return;
  }
  tiedOut.replaceChildren(...twoPaths(r, row));
}

/** The paths' table: one row per path, then the sum, backprop and the check, for the
 * example and for the training batch, each with a bar so that the parts visibly add. */
function twoPaths(r, row) {
  const { example: ex, batch } = r;
  const L = ex.layer + 1;
  const w = `W${L}[${ex.unit}][${ex.input}]`;
  const tiedNames = ex.paths.filter((p) => p.kind === "tied").map((p) => `layer ${p.layer + 1}`).join(" and ");
  const intro = el("p", `The tied ${tiedNames} uses W${L}ᵀ, so ${w} reaches the cost by two paths: through layer ${L}'s own output z${L} = W${L} a + b (the encoder), and through the tied layer, whose z = W${L}ᵀ a + b reads the same number (the decoder). Backprop adds the two paths' gradients into one.`, "hint");
  const label = (p) => (p.kind === "encoder"
    ? `path 1: through layer ${L}'s output (encoder)`
    : `path 2: through the tied layer ${p.layer + 1} (decoder, W${L}ᵀ)`);
  const formula = (p) => (p.kind === "encoder" ? `δ${L},${ex.unit} · a${ex.layer},${ex.input}` : `a${p.layer},${ex.unit} · δ${p.layer + 1},${ex.input}`);
  const lines = ex.paths.map((p, k) => ({ name: label(p), how: formula(p), kind: p.kind, ex: p.value, batch: batch.paths[k].value }));
  if (ex.penalty !== 0 || batch.penalty !== 0) lines.push({ name: "penalty", how: "l2 W + l1 sign W", kind: "penalty", ex: ex.penalty, batch: batch.penalty });
  lines.push({ name: "sum", how: lines.map((l) => l.kind === "penalty" ? "penalty" : l.name.slice(0, 6)).join(" + "), kind: "sum", ex: ex.sum, batch: batch.sum });
  lines.push({ name: "backprop", how: `∂C/∂${w}, the engine's backward pass`, kind: "backprop", ex: ex.backprop, batch: batch.backprop });
  lines.push({ name: "gradient check", how: `(C(w + h) − C(w − h)) / 2h, h = ${ex.epsilon}`, kind: "check", ex: ex.numeric, batch: batch.numeric });
  const scale = Math.max(...lines.map((l) => Math.abs(l.ex)), 1e-300);
  const t = node("table", { className: "tied-paths" });
  const head = t.createTHead().insertRow();
  [`∂C/∂${w}`, `example ${row}`, "to scale (0 in the middle)", `training batch (${batch.rows} rows, ${batch.reduction})`].forEach((h) => head.append(node("th", { text: h })));
  const tbody = t.createTBody();
  for (const l of lines) {
    const tr = tbody.insertRow();
    tr.dataset.kind = l.kind;
    tr.className = `tied-${l.kind}`;
    const bar = node("span", { className: "tied-bar" });
    const frac = Math.min(1, Math.abs(l.ex) / scale);
    bar.style.width = `${(50 * frac).toFixed(1)}%`;
    bar.style[l.ex < 0 ? "right" : "left"] = "50%";
    tr.append(node("th", { scope: "row" }, el("span", l.name, "tied-name"), el("span", l.how, "tied-how")),
      node("td", { className: "tied-value", text: long(l.ex), "data-value": String(l.ex) }),
      node("td", { className: "tied-track" }, bar),
      node("td", { className: "tied-value", text: long(l.batch), "data-value": String(l.batch) }));
  }
  const rel = (x) => `${x.relative_difference.toExponential(2)}`;
  const verdict = node("p", { className: "tied-verdict", "data-example": String(ex.relative_difference), "data-batch": String(batch.relative_difference) },
    `Backprop against the gradient check: relative difference ${rel(ex)} on example ${row}, ${rel(batch)} on the batch. Either path alone is not the gradient; their sum is. In the batch column each part is ${batch.reduction === "mean" ? "the mean" : "the sum"} of its per-example values over the ${batch.rows} training rows.`);
  return [intro, t, verdict];
}

function fillConv(lab, row) {
  const shapes = JSON.parse(lab.layerShapes()).layers;
  const convs = shapes.map((s, i) => ({ ...s, layer: i - 1 })).filter((s) => s.kind === "conv2d");
  convBox.hidden = convs.length === 0;
  if (convs.length === 0) return;
  if (!pixel || !convs.some((c) => c.layer === pixel.layer)) pixel = { layer: convs[0].layer, filter: 0, y: 0, x: 0 };
  const { layer, filter, y, x } = convControls;
  layer.replaceChildren(...convs.map((c) => new Option(`${c.layer + 1} (${c.shape.join("×")})`, String(c.layer))));
  layer.value = String(pixel.layer);
  const [maps, height, width] = convs.find((c) => c.layer === pixel.layer).shape;
  [[filter, maps, "filter"], [y, height, "y"], [x, width, "x"]].forEach(([input, n, key]) => {
    input.max = String(n - 1);
    show(input, pixel[key]);
  });
  let p;
  try {
    p = JSON.parse(lab.convPixelSum(row, pixel.layer, pixel.filter, pixel.y, pixel.x));
  } catch (e) {
    convOut.replaceChildren(el("p", `No sum for that pixel: ${e.message}`, "hint"));
    return;
  }
  const [, inH, inW] = shapes[pixel.layer].shape;
  convOut.replaceChildren(...pixelSum(p, row, inH, inW));
}

/** The C×KH×KW patch and kernel, one grid per channel, each cell patch × kernel =
 * product (padding shown as 0), then Σ + b = z and a = f(z). */
function pixelSum(p, row, inH, inW) {
  const [c, kh, kw] = p.dims;
  const n = pixel.layer + 1;
  const title = el("p", `Image ${row}, layer ${n}, map ${pixel.filter}, pixel (${pixel.y}, ${pixel.x}): z = Σ patch × kernel + b over the ${c}×${kh}×${kw} patch whose top-left corner is (${p.origin[0]}, ${p.origin[1]}) of the input (padding counts 0). The page trains in f32, so the weights are f32 numbers; the sum is worked from them in f64.`, "hint");
  const grids = node("div", { className: "conv-grids" });
  for (let ch = 0; ch < c; ch++) {
    const t = node("table", { className: "conv-grid" });
    t.append(node("caption", { text: `channel ${ch}: patch × kernel` }));
    for (let i = 0; i < kh; i++) {
      const tr = t.insertRow();
      for (let j = 0; j < kw; j++) {
        const k = (ch * kh + i) * kw + j;
        const iy = p.origin[0] + i;
        const ix = p.origin[1] + j;
        const pad = iy < 0 || ix < 0 || iy >= inH || ix >= inW;
        const td = node("td", { className: pad ? "conv-pad" : "", "data-product": String(p.products[k]) },
          el("span", `${num(p.patch[k])}${pad ? " (pad)" : ""}`, "conv-patch"), el("span", `× ${num(p.kernel[k])}`, "conv-kernel"),
          el("span", `= ${num(p.products[k])}`, "conv-product"));
        tr.append(td);
      }
    }
    grids.append(t);
  }
  const sum = node("pre", { className: "conv-sum", "data-z": String(p.z), "data-a": String(p.a) },
    `z = Σ of the ${p.products.length} products above + b,  b = ${long(p.bias)}\n` +
    `  = ${long(p.z)}   (the forward pass's z: ${long(p.z_forward)})\n` +
    `a = ${p.activation}(z) = ${long(p.a)}`);
  return [title, grids, sum];
}
