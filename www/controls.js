// The control panel: binds every form element whose id is "section-key" to the state
// path "section.key", and edits the hidden layers. Menus, ranges and labels come from
// the engine's settings table (www/state.js). It only reads and writes the state;
// `onChange(path)` tells main.js what changed. Controls that do not apply are disabled
// or hidden with the reason (the engine's table says which data settings each dataset
// reads), and a limit reached says so.
import { SETTINGS, setting, SHAPING, READS } from "./state.js";
import { nextSeed } from "./engine.js";
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
  const derivedBoxes = [];
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
    derivedBoxes.push(box);
  }

  $("regenerate").addEventListener("click", () => {
    const s = getState();
    s.data.seed = nextSeed(s.data.seed);
    onChange("data.seed");
  });

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

  /** Set by a classroom link: why the layers cannot change, or "". */
  let locked = "";

  fillSelect($("add-kind"), imageLayers.KINDS);
  $("add-layer").addEventListener("click", () => {
    const hidden = getState().network.hidden;
    if (hidden.length >= maxLayers || locked) return;
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
        if (locked) row.querySelectorAll("input, select, button").forEach((c) => { c.disabled = true; });
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
      units.textContent = `${layer.units} ${layer.units === 1 ? "unit" : "units"}`;
      units.setAttribute("aria-live", "off");
      const plus = document.createElement("button");
      plus.type = "button";
      plus.textContent = "+";
      plus.setAttribute("aria-label", `More units in hidden layer ${i + 1}`);
      plus.disabled = layer.units >= maxUnits;
      plus.addEventListener("click", () => {
        layer.units = Math.min(maxUnits, layer.units + 1);
        onChange("network.hidden");
      });
      const act = activationSelect();
      row.append(title, minus, units, plus, act, remove);
      if (locked) for (const c of [minus, plus, act, remove]) c.disabled = true;
      box.append(row);
    });
    const full = state.network.hidden.length >= maxLayers;
    $("add-layer").disabled = full || Boolean(locked);
    const widest = state.network.hidden.some((l) => l.units >= maxUnits);
    const why = [
      locked,
      full ? `At most ${maxLayers} hidden layers.` : "",
      widest ? `At most ${maxUnits} units a layer.` : "",
    ].filter(Boolean).join(" ");
    $("layers-why").textContent = why;
    $("layers-why").hidden = why === "";
    imageLayers.renderShapes();
  }

  /** Disables (with the reason beside it) or hides the data settings the chosen dataset
   * does not read. */
  function renderShaping(state) {
    const kind = state.data.kind;
    const reads = READS[kind] ?? [];
    const kindLabel = setting("data.kind").options.find(([n]) => n === kind)?.[1] ?? kind;
    for (const path of SHAPING) {
      const el = $(path.replace(".", "-"));
      if (!el) continue;
      const applies = reads.includes(path);
      const why = $(`${el.id}-why`);
      el.disabled = !applies;
      if (why) {
        why.textContent = applies ? "" : `${setting(path).label}: not used by ${kindLabel}.`;
        why.hidden = applies;
      } else {
        el.closest("label").hidden = !applies;
      }
    }
  }

  function render(state) {
    for (const { path, kind } of SETTINGS) {
      const el = $(path.replace(".", "-"));
      if (!el || !SCALAR.has(kind) || path === "view.pace") continue;
      const v = getPath(state, path);
      if (kind === "bool") el.checked = v;
      else if (document.activeElement !== el) el.value = String(v);
    }
    for (const box of derivedBoxes) box.checked = state.features.derived.includes(box.value);
    renderLayers(state);
    renderShaping(state);
    const kind = state.data.kind;
    document.body.dataset.kind = kind;
  }
  /** Locks the hidden layers (a classroom link), `reason` saying why. */
  function lock(reason) {
    locked = reason;
    renderLayers(getState());
  }
  return { render, lock };
}
