// The network editor's layers beyond dense: the "Add layer" menu offers dropout and
// batch norm for any data, and convolution, max pool and flatten for image data (the
// digits, a CSV with `# image:`); each row edits its kind's settings (written as the
// model file writes them, `{"kind": "conv2d", ...}`), and a line shows the shapes the
// engine built ("1×8×8 → 8×8×8 → 8×4×4 → 128 → 10"). A combination the engine refuses is said by
// the build's message, naming the layer, and the last good network is kept.
import { app, $ } from "./app.js";

/** [kind, label] of the layers the menu adds. */
export const KINDS = [
  ["dense", "Dense"],
  ["conv2d", "Convolution"],
  ["maxpool2d", "Max pool"],
  ["flatten", "Flatten"],
  ["dropout", "Dropout"],
  ["batchnorm", "Batch norm"],
];

/** True when the built Lab's rows are images (the engine knows their shape). */
export const imageData = () => app.lab != null && app.lab.imageShape().length > 0;

/** A new layer of `kind` with the usual settings; `activation` for those that have one. */
export function newLayer(kind, activation) {
  switch (kind) {
    case "conv2d":
      return { kind, filters: 8, kernel: [3, 3], stride: 1, pad: 1, activation: activation === "identity" ? "relu" : activation };
    case "maxpool2d":
      return { kind, size: 2, stride: 2 };
    case "flatten":
      return { kind };
    case "dropout":
      return { kind, p: 0.25 };
    case "batchnorm":
      return { kind, momentum: 0.9, eps: 1e-5 };
    default:
      return { units: 4, activation };
  }
}

/** A labelled number box over `layer[key]` (or `layer[key][index]` for the kernel). */
function numberField(label, layer, key, { min, max, step = 1, onChange, index = null, aria }) {
  const wrap = document.createElement("label");
  wrap.className = "layer-field";
  const box = document.createElement("input");
  box.type = "number";
  box.min = String(min);
  box.max = String(max);
  box.step = String(step);
  box.value = String(index == null ? layer[key] : layer[key][index]);
  box.setAttribute("aria-label", aria);
  box.addEventListener("change", () => {
    const v = Number(box.value);
    if (box.value.trim() === "" || !Number.isFinite(v) || v < min || v > max || (step === 1 && !Number.isInteger(v))) {
      box.setCustomValidity(`Allowed: ${min} to ${max}`);
      box.reportValidity();
      return;
    }
    box.setCustomValidity("");
    if (index == null) layer[key] = v;
    else layer[key] = [v, v];
    onChange();
  });
  wrap.append(`${label} `, box);
  return wrap;
}

/** The settings of an image-kind layer row (all but dense, which controls.js edits). */
export function kindFields(layer, i, { onChange, activationSelect }) {
  const n = i + 1;
  switch (layer.kind) {
    case "conv2d":
      return [
        numberField("filters", layer, "filters", { min: 1, max: 64, onChange, aria: `Filters of layer ${n}` }),
        numberField("kernel", layer, "kernel", { min: 1, max: 7, onChange, index: 0, aria: `Kernel size of layer ${n}` }),
        numberField("stride", layer, "stride", { min: 1, max: 4, onChange, aria: `Stride of layer ${n}` }),
        numberField("pad", layer, "pad", { min: 0, max: 3, onChange, aria: `Padding of layer ${n}` }),
        activationSelect(),
      ];
    case "maxpool2d":
      return [
        numberField("size", layer, "size", { min: 1, max: 4, onChange, aria: `Window of layer ${n}` }),
        numberField("stride", layer, "stride", { min: 1, max: 4, onChange, aria: `Stride of layer ${n}` }),
      ];
    case "dropout":
      return [numberField("p", layer, "p", { min: 0, max: 0.95, step: 0.05, onChange, aria: `Drop probability of layer ${n}` })];
    default:
      return [];
  }
}

/** The row title of a layer. */
export const title = (layer, i) => {
  const label = KINDS.find(([k]) => k === (layer.kind ?? "dense"))?.[1] ?? layer.kind;
  return layer.kind && layer.kind !== "dense" ? `${i + 1}. ${label}` : `Hidden ${i + 1}`;
};

/** The kinds that read an image's channels and rows; other data cannot have them. */
const IMAGE_ONLY = new Set(["conv2d", "maxpool2d", "flatten"]);

/** Fills the add menu (dropout and batch norm for any data, the image kinds for images
 * only, the others disabled with the reason) and the built network's shapes. */
export function renderShapes() {
  const menu = $("add-kind");
  const line = $("layer-shapes");
  const images = imageData();
  for (const option of menu.options) {
    const off = !images && IMAGE_ONLY.has(option.value);
    option.disabled = off;
    option.textContent = `${KINDS.find(([k]) => k === option.value)[1]}${off ? " (image data only)" : ""}`;
  }
  if (menu.selectedOptions[0]?.disabled) menu.value = "dense";
  menu.hidden = app.lab == null;
  line.hidden = app.lab == null;
  if (app.lab == null) return;
  const { layers, text } = JSON.parse(app.lab.layerShapes());
  line.textContent = `Shapes: ${text}`;
  line.title = layers.map((s) => `${s.kind} ${s.shape.join("×")}`).join(", ");
}
