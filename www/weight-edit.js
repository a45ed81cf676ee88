// Editing a weight or bias by hand: clicking it on the diagram (or Enter on the
// keyboard's cursor) opens a small form beside it. The page's Lab takes the value
// (Lab.setParameter: the heatmaps, the loss and every view follow at once, computed by
// the engine) and the training worker takes the same edit, so training goes on from it.
import { app, $ } from "./app.js";
import { errorText } from "./messages.js";
import { paramName } from "./diagram.js";
import { save } from "./storage.js";

const form = document.createElement("form");
form.className = "weight-edit";
form.hidden = true;
form.noValidate = true;
const label = document.createElement("label");
const input = document.createElement("input");
input.type = "number";
input.step = "any";
input.id = "weight-edit-value";
const title = document.createElement("span");
label.append(title, input);
const ok = document.createElement("button");
ok.type = "submit";
ok.textContent = "Set";
const cancel = document.createElement("button");
cancel.type = "button";
cancel.textContent = "Cancel";
const problem = document.createElement("p");
problem.className = "hint weight-edit-problem";
form.append(label, ok, cancel, problem);
document.body.append(form);

let editing = null;
let returnFocus = null;

/** True while the form is open (the hover tooltip then stays out of its way). */
export const editorOpen = () => !form.hidden;

/** Closes the form; focus goes back where it came from (the diagram). */
export function closeEditor() {
  if (form.hidden) return;
  form.hidden = true;
  editing = null;
  returnFocus?.focus();
  returnFocus = null;
}

/** Opens the form for parameter `p` ({ layer, unit, input }, input -1 for a bias) at
 * page position [x, y]. */
export function openEditor(p, [x, y]) {
  const value = app.lab.parameter(p.layer, p.unit, p.input);
  editing = p;
  returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  title.textContent = `Value of ${paramName(p)}`;
  input.value = String(Number(value.toPrecision(6)));
  problem.textContent = app.lab.shownMoment() >= 0 ? "A rewound moment is shown: go back to Live to edit the weights." : "";
  form.hidden = false;
  const right = window.scrollX + document.documentElement.clientWidth - form.offsetWidth - 8;
  form.style.left = `${Math.max(window.scrollX + 4, Math.min(x + 12, right))}px`;
  form.style.top = `${y + 12}px`;
  input.focus();
  input.select();
}

/** Sets parameter `p` to `value` in the page's Lab and in the worker; returns whether
 * the engine took it (else the form says why and the value stays as it was). */
export function setParameter(p, value) {
  try {
    app.lab.setParameter(p.layer, p.unit, p.input, value);
  } catch (e) {
    problem.textContent = `Not set: ${errorText(e)}`;
    return false;
  }
  app.trainer.edit(p, value);
  app.selectedWeight = p;
  app.dirty = true;
  save();
  return true;
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!editing) return;
  const text = input.value.trim();
  if (text === "" || !Number.isFinite(Number(text))) {
    problem.textContent = "Type a number, e.g. 0.5 or -1.2e-3.";
    return;
  }
  if (setParameter(editing, Number(text))) closeEditor();
});
cancel.addEventListener("click", closeEditor);
form.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    e.preventDefault();
    closeEditor();
  }
});
document.addEventListener("pointerdown", (e) => {
  if (!form.hidden && !form.contains(e.target) && e.target !== $("diagram")) closeEditor();
});
