// The mouse and touch on the plane and the diagram: select, add or remove a point
// (shift-click, or a long press on a touch screen); select a weight or bias and edit
// its value; hover a weight or bias for its value and the chain rule, or a unit for its
// enlarged heatmap.
import { app, $ } from "./app.js";
import { editPoints } from "./building.js";
import { plane, diagram, hover } from "./pictures.js";
import { openEditor } from "./weight-edit.js";

/** Milliseconds a finger rests on the plot to remove the point under it. */
const LONG_PRESS_MS = 550;
/** CSS pixels a finger may drift during a long press. */
const LONG_PRESS_SLOP = 10;

/** The event's position in the canvas's device pixels. */
function at(e) {
  const dpr = window.devicePixelRatio || 1;
  const rect = e.currentTarget.getBoundingClientRect();
  return [(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr];
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Removes data row `r` (a generated point is remembered as removed, an added one is
 * dropped), keeping the weights and the run. */
export async function removePoint(r) {
  if (r < 0) return;
  await editPoints((s, generated) => {
    if (r < generated) s.data.removed.push(r);
    else s.data.added.splice(r - generated, 1);
  });
}

const planeReady = () => app.lab && app.lab.gridSide() > 0 && app.lab.features() === 2;

/** A long press on the plot removes the nearest point (the touch screen's shift-click). */
function bindLongPress(canvas) {
  let press = null;
  const cancel = () => {
    if (press) clearTimeout(press.timer);
    press = null;
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse" || !planeReady()) return;
    cancel();
    const [px, py] = at(e);
    press = {
      x: e.clientX,
      y: e.clientY,
      timer: setTimeout(() => {
        press = null;
        canvas.dataset.longPress = "1";
        removePoint(plane.nearest(app.lab, px, py));
      }, LONG_PRESS_MS),
    };
  });
  canvas.addEventListener("pointermove", (e) => {
    if (press && Math.hypot(e.clientX - press.x, e.clientY - press.y) > LONG_PRESS_SLOP) cancel();
  });
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) canvas.addEventListener(type, cancel);
  canvas.addEventListener("contextmenu", (e) => {
    if (e.pointerType !== "mouse") e.preventDefault();
  });
}

export function bindPointer() {
  $("plane").addEventListener("click", async (e) => {
    const lab = app.lab;
    if (!planeReady()) return;
    // The click that ends a long press: the point is already gone.
    if (e.currentTarget.dataset.longPress) {
      delete e.currentTarget.dataset.longPress;
      return;
    }
    const [px, py] = at(e);
    const mode = document.querySelector("input[name=click-mode]:checked").value;
    if (e.shiftKey) {
      await removePoint(plane.nearest(lab, px, py));
    } else if (mode === "add") {
      const [x, y] = plane.transform(lab).toData(px, py);
      await editPoints((s) => s.data.added.push([x, y, Number($("add-class").value)]));
    } else {
      app.state.view.example = plane.nearest(lab, px, py);
      plane.cursor = app.state.view.example;
      app.dirty = true;
    }
  });
  bindLongPress($("plane"));
  $("diagram").addEventListener("click", (e) => {
    const p = diagram.hit(...at(e));
    if (!p) return;
    app.selectedWeight = p;
    diagram.cursor = { kind: "param", ...p };
    app.dirty = true;
    openEditor(p, [e.pageX, e.pageY]);
  });
  $("diagram").addEventListener("mousemove", (e) => {
    const [px, py] = at(e);
    // A unit under the cursor wins: its enlarged heatmap shows, without a weight's
    // tooltip over it.
    const node = diagram.nodeAt(px, py);
    const weight = node ? null : diagram.hit(px, py);
    hover.at = [e.pageX, e.pageY];
    if (!same(weight, hover.weight)) {
      hover.weight = weight;
      app.dirty = true;
    }
    if (!same(node, diagram.hover)) {
      diagram.hover = node;
      app.dirty = true;
    }
  });
  $("diagram").addEventListener("mouseleave", () => {
    diagram.hover = null;
    hover.weight = null;
    app.dirty = true;
  });
}
