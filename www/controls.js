// The control panel: binds every form element whose id is "section-key" to the state
// path "section.key", and edits the hidden layers. It only reads and writes the state;
// `onChange(path)` tells main.js what changed.
import { ACTIVATIONS, DATASETS, DERIVED, SETTINGS, MAX_LAYERS, MAX_UNITS } from "./state.js";

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
  fillSelect($("data-kind"), Object.entries(DATASETS));
  const enumOptions = Object.fromEntries(SETTINGS.filter((s) => s[1] === "enum").map((s) => [s[0], s[3]]));
  for (const path of ["network.output", "network.loss", "network.reduction", "network.init", "training.optimizer"]) {
    fillSelect($(path.replace(".", "-")), enumOptions[path].map((v) => [v, v.replaceAll("_", " ")]));
  }
  const derivedBox = $("derived");
  for (const name of DERIVED) {
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
      s.features.derived = DERIVED.filter((d) => set.has(d));
      onChange("features.derived");
    });
    label.append(box, ` ${name}`);
    derivedBox.append(label);
  }

  for (const [path, kind, , range] of SETTINGS) {
    const el = $(path.replace(".", "-"));
    if (!el || path === "view.pace") continue;
    el.addEventListener("change", () => {
      let v;
      if (kind === "bool") v = el.checked;
      else if (kind === "enum") v = el.value;
      else {
        v = Number(el.value);
        if (el.value.trim() === "" || !Number.isFinite(v) || v < range[0] || v > range[1] || (kind === "int" && !Number.isInteger(v))) {
          el.setCustomValidity(`${kind === "int" ? "A whole number" : "A number"} from ${range[0]} to ${range[1]}`);
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

  $("add-layer").addEventListener("click", () => {
    const hidden = getState().network.hidden;
    if (hidden.length >= MAX_LAYERS) return;
    hidden.push({ units: 4, activation: hidden.at(-1)?.activation ?? "tanh" });
    onChange("network.hidden");
  });

  function renderLayers(state) {
    const box = $("layers");
    box.replaceChildren();
    state.network.hidden.forEach((layer, i) => {
      const row = document.createElement("div");
      row.className = "layer";
      const title = document.createElement("span");
      title.textContent = `Hidden ${i + 1}`;
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
      plus.disabled = layer.units >= MAX_UNITS;
      plus.addEventListener("click", () => {
        layer.units = Math.min(MAX_UNITS, layer.units + 1);
        onChange("network.hidden");
      });
      const act = document.createElement("select");
      act.setAttribute("aria-label", `Activation of hidden layer ${i + 1}`);
      fillSelect(act, ACTIVATIONS.map((a) => [a, a.replace("_", " ")]));
      act.value = layer.activation;
      act.addEventListener("change", () => {
        layer.activation = act.value;
        onChange("network.hidden");
      });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove hidden layer ${i + 1}`);
      remove.addEventListener("click", () => {
        state.network.hidden.splice(i, 1);
        onChange("network.hidden");
      });
      row.append(title, minus, units, plus, act, remove);
      box.append(row);
    });
    $("add-layer").disabled = state.network.hidden.length >= MAX_LAYERS;
  }

  function render(state) {
    for (const [path, kind] of SETTINGS) {
      const el = $(path.replace(".", "-"));
      if (!el || path === "view.pace") continue;
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
