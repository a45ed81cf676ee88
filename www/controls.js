// The control panel: binds every form element whose id is "section-key" to the state
// path "section.key", and edits the hidden layers. Menus, ranges and labels come from
// the engine's settings table (www/state.js). It only reads and writes the state;
// `onChange(path)` tells main.js what changed.
import { SETTINGS, setting } from "./state.js";
import * as imageLayers from "./layer-editor.js";

/** The scalar settings a form element shows. */
const SCALAR = new Set(["int", "float", "bool", "enum"]);

const $ = (id) => document.getElementById(id);

function getPath(state, path) {
  return path.split(".").reduce((o, k) => o[k], state);
}

function setPath(state, path, value) {
  const keys = path.split(".");
  keys.slice(0, -1).reduce((o, k) => o[k], state)[keys.at(-1)] = value;
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

/** Wires the controls; returns { render(state) } to refresh them from the state. */
export function bindControls(getState, onChange) {
  const hiddenRow = setting("network.hidden");
  const { max_layers: maxLayers, max_units: maxUnits } = hiddenRow;
  const derivedNames = setting("features.derived").options.map(([name]) => name);
  const derivedBox = $("derived");
  for (const name of derivedNames) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.addEventListener("change", () => {
      const s = getState();
      const set = new Set(s.features.derived);
      if (box.checked) set.add(name);
      else set.delete(name);
      s.features.derived = derivedNames.filter((d) => set.has(d));
      onChange("features.derived");
    });
    label.append(box, ` ${name}`);
    derivedBox.append(label);
  }

  for (const { path, kind, min, max, options, allowed } of SETTINGS) {
    const el = $(path.replace(".", "-"));
    if (!el || !SCALAR.has(kind) || path === "view.pace") continue;
    if (kind === "enum") fillSelect(el, options);
    if (kind === "int" || kind === "float") {
      el.min = String(min);
      el.max = String(max);
    }
    el.addEventListener("change", () => {
      let v;
      if (kind === "bool") v = el.checked;
      else if (kind === "enum") v = el.value;
      else {
        v = Number(el.value);
        if (el.value.trim() === "" || !Number.isFinite(v) || v < min || v > max || (kind === "int" && !Number.isInteger(v))) {
          el.setCustomValidity(`Allowed: ${allowed}`);
          el.reportValidity();
          el.value = getPath(getState(), path);
          return;
        }
        el.setCustomValidity("");
      }
      setPath(getState(), path, v);
      onChange(path);
    });
  }

  fillSelect($("add-kind"), imageLayers.KINDS);
  $("add-layer").addEventListener("click", () => {
    const hidden = getState().network.hidden;
    if (hidden.length >= maxLayers) return;
    const activation = hidden.findLast((l) => l.activation)?.activation ?? "tanh";
    hidden.push(imageLayers.newLayer($("add-kind").value, activation));
    onChange("network.hidden");
  });

  function renderLayers(state) {
    const box = $("layers");
    box.replaceChildren();
    state.network.hidden.forEach((layer, i) => {
      const row = document.createElement("div");
      row.className = "layer";
      const title = document.createElement("span");
      title.textContent = imageLayers.title(layer, i);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove hidden layer ${i + 1}`);
      remove.addEventListener("click", () => {
        state.network.hidden.splice(i, 1);
        onChange("network.hidden");
      });
      const activationSelect = () => {
        const act = document.createElement("select");
        act.setAttribute("aria-label", `Activation of hidden layer ${i + 1}`);
        fillSelect(act, hiddenRow.options);
        act.value = layer.activation;
        act.addEventListener("change", () => {
          layer.activation = act.value;
          onChange("network.hidden");
        });
        return act;
      };
      if (layer.kind && layer.kind !== "dense") {
        const fields = imageLayers.kindFields(layer, i, { onChange: () => onChange("network.hidden"), activationSelect });
        row.append(title, ...fields, remove);
        box.append(row);
        return;
      }
      const minus = document.createElement("button");
      minus.type = "button";
      minus.textContent = "−";
      minus.setAttribute("aria-label", `Fewer units in hidden layer ${i + 1}`);
      minus.disabled = layer.units <= 1;
      minus.addEventListener("click", () => {
        layer.units = Math.max(1, layer.units - 1);
        onChange("network.hidden");
      });
      const units = document.createElement("output");
      units.textContent = `${layer.units} units`;
      const plus = document.createElement("button");
      plus.type = "button";
      plus.textContent = "+";
      plus.setAttribute("aria-label", `More units in hidden layer ${i + 1}`);
      plus.disabled = layer.units >= maxUnits;
      plus.addEventListener("click", () => {
        layer.units = Math.min(maxUnits, layer.units + 1);
        onChange("network.hidden");
      });
      row.append(title, minus, units, plus, activationSelect(), remove);
      box.append(row);
    });
    $("add-layer").disabled = state.network.hidden.length >= maxLayers;
    imageLayers.renderShapes();
  }

  function render(state) {
    for (const { path, kind } of SETTINGS) {
      const el = $(path.replace(".", "-"));
      if (!el || !SCALAR.has(kind) || path === "view.pace") continue;
      const v = getPath(state, path);
      if (kind === "bool") el.checked = v;
      else if (document.activeElement !== el) el.value = String(v);
    }
    for (const box of derivedBox.querySelectorAll("input")) box.checked = state.features.derived.includes(box.value);
    renderLayers(state);
    const kind = state.data.kind;
    document.body.dataset.kind = kind;
  }
  return { render };
}
