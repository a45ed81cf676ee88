// The diagram and the plot from the keyboard. On the diagram the arrow keys move a
// cursor over units, weights and biases (columns alternate: units, the weights into
// the next layer, its units, …; up and down move within a column), Enter selects: a
// unit shows its enlarged heatmap, a weight or bias is selected and opens its editor.
// On the plot the arrow keys move a cursor to the nearest point that way, Enter
// selects that example, Delete removes the point.
import { app, $ } from "./app.js";
import { diagram, plane, hover } from "./pictures.js";
import { paramName } from "./diagram.js";
import { openEditor, closeEditor } from "./weight-edit.js";
import { removePoint } from "./pointer.js";

const ARROWS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

/** The page position of a canvas pixel of `canvas`. */
function pagePoint(canvas, { x, y }) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  return [rect.left + window.scrollX + x / dpr, rect.top + window.scrollY + y / dpr];
}

/** The diagram's cursor after one arrow `[dx, dy]` from `c`, in a network of `sizes`. */
export function moveCursor(c, [dx, dy], sizes) {
  const last = sizes.length - 1;
  const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
  if (c.kind === "unit") {
    if (dy) return { ...c, index: clamp(c.index + dy, sizes[c.column]) };
    if (dx > 0 && c.column < last) return { kind: "param", layer: c.column, unit: 0, input: c.index };
    if (dx < 0 && c.column > 0) return { kind: "param", layer: c.column - 1, unit: c.index, input: 0 };
    return c;
  }
  const fanIn = sizes[c.layer];
  if (dx > 0) return { kind: "unit", column: c.layer + 1, index: c.unit };
  if (dx < 0) return { kind: "unit", column: c.layer, index: c.input < 0 ? 0 : c.input };
  // Into each unit: its weights from input 1 on, then its bias.
  const per = fanIn + 1;
  const at = c.unit * per + (c.input < 0 ? fanIn : c.input);
  const next = clamp(at + dy, sizes[c.layer + 1] * per);
  const unit = Math.floor(next / per);
  const slot = next % per;
  return { kind: "param", layer: c.layer, unit, input: slot === fanIn ? -1 : slot };
}

/** What the diagram's cursor is on, in words, with the value of a parameter. */
function describe(c) {
  const names = diagram.featureNames(app.lab);
  const sizes = Array.from(app.lab.layerSizes());
  if (c.kind === "unit") {
    const where = c.column === 0 ? `input ${names[c.index] ?? c.index + 1}` : `unit ${c.index + 1} of ${c.column === sizes.length - 1 ? "the output" : `layer ${c.column}`}`;
    return `${where}. Arrows move, Enter shows it.`;
  }
  const value = app.lab.parameter(c.layer, c.unit, c.input).toPrecision(4);
  const from = c.layer === 0 ? names[c.input] ?? `input ${c.input + 1}` : `unit ${c.input + 1} of layer ${c.layer}`;
  const what = c.input < 0 ? `bias of unit ${c.unit + 1}` : `weight from ${from} into unit ${c.unit + 1}`;
  return `${paramName(c)} = ${value}, ${what} of layer ${c.layer + 1}. Enter edits it.`;
}

/** Shows the cursor: the canvas's name says where it is, and a parameter's tooltip
 * (the chain rule and its value) or a unit's heatmap appear as if hovered. */
function showCursor() {
  const canvas = $("diagram");
  const c = diagram.cursor;
  canvas.setAttribute("aria-label", `Network diagram: ${describe(c)}`);
  diagram.hover = null;
  hover.weight = null;
  if (c.kind === "param") {
    const p = diagram.paramPoint(c);
    if (p) {
      hover.weight = { layer: c.layer, unit: c.unit, input: c.input };
      hover.at = pagePoint(canvas, p);
    }
  }
  app.dirty = true;
}

function diagramKey(e) {
  if (!app.lab) return;
  const sizes = Array.from(app.lab.layerSizes());
  diagram.cursor ??= { kind: "unit", column: 0, index: 0 };
  if (ARROWS[e.key]) {
    e.preventDefault();
    diagram.cursor = moveCursor(diagram.cursor, ARROWS[e.key], sizes);
    showCursor();
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    e.stopPropagation();
    const c = diagram.cursor;
    if (c.kind === "unit") {
      diagram.hover = { column: c.column, index: c.index };
      app.dirty = true;
    } else {
      const p = { layer: c.layer, unit: c.unit, input: c.input };
      app.selectedWeight = p;
      app.dirty = true;
      openEditor(p, pagePoint($("diagram"), diagram.paramPoint(p) ?? { x: 0, y: 0 }));
    }
  } else if (e.key === "Escape") {
    diagram.hover = null;
    hover.weight = null;
    closeEditor();
    app.dirty = true;
  }
}

function planeKey(e) {
  const lab = app.lab;
  if (!lab || lab.gridSide() === 0 || lab.features() !== 2 || lab.rows() === 0) return;
  const canvas = $("plane");
  if (plane.cursor == null || plane.cursor >= lab.rows()) plane.cursor = Math.max(0, Math.min(lab.rows() - 1, app.state.view.example));
  if (ARROWS[e.key]) {
    e.preventDefault();
    plane.cursor = plane.neighbour(lab, plane.cursor, ARROWS[e.key]);
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    e.stopPropagation();
    app.state.view.example = plane.cursor;
  } else if (e.key === "Delete" || e.key === "Backspace") {
    e.preventDefault();
    removePoint(plane.cursor);
    return;
  } else {
    return;
  }
  const [x, y] = plane.point(lab, plane.cursor);
  canvas.setAttribute("aria-label", `Data and the network's output: point ${plane.cursor} at (${x.toFixed(2)}, ${y.toFixed(2)}), class ${app.classNames[plane.labelOf(lab, plane.cursor)] ?? ""}. Arrows move, Enter selects, Delete removes.`);
  app.dirty = true;
}

export function bindCanvasKeys() {
  const d = $("diagram");
  d.addEventListener("keydown", diagramKey);
  d.addEventListener("focus", () => {
    diagram.focused = true;
    diagram.cursor ??= { kind: "unit", column: 0, index: 0 };
    if (app.lab) showCursor();
  });
  d.addEventListener("blur", () => {
    diagram.focused = false;
    app.dirty = true;
  });
  const p = $("plane");
  p.addEventListener("keydown", planeKey);
  p.addEventListener("focus", () => {
    plane.focused = true;
    app.dirty = true;
  });
  p.addEventListener("blur", () => {
    plane.focused = false;
    app.dirty = true;
  });
}
