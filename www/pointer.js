// The mouse on the plane and the diagram: select, add or remove a point; select a
// weight; hover a weight for the chain rule, or a unit for its enlarged heatmap.
import { app, $ } from "./app.js";
import { editPoints } from "./building.js";
import { plane, diagram, hover } from "./pictures.js";

/** The event's position in the canvas's device pixels. */
function at(e) {
  const dpr = window.devicePixelRatio || 1;
  const rect = e.target.getBoundingClientRect();
  return [(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr];
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function bindPointer() {
  $("plane").addEventListener("click", async (e) => {
    const lab = app.lab;
    if (!lab || lab.gridSide() === 0 || lab.features() !== 2) return;
    const [px, py] = at(e);
    const mode = document.querySelector("input[name=click-mode]:checked").value;
    if (e.shiftKey) {
      const r = plane.nearest(lab, px, py);
      if (r < 0) return;
      await editPoints((s, generated) => {
        if (r < generated) s.data.removed.push(r);
        else s.data.added.splice(r - generated, 1);
      });
    } else if (mode === "add") {
      const [x, y] = plane.transform(lab).toData(px, py);
      await editPoints((s) => s.data.added.push([x, y, Number($("add-class").value)]));
    } else {
      app.state.view.example = plane.nearest(lab, px, py);
      app.dirty = true;
    }
  });
  $("diagram").addEventListener("click", (e) => {
    app.selectedWeight = diagram.hit(...at(e)) ?? app.selectedWeight;
    app.dirty = true;
  });
  $("diagram").addEventListener("mousemove", (e) => {
    const [px, py] = at(e);
    const weight = diagram.hit(px, py);
    hover.at = [e.pageX, e.pageY];
    if (!same(weight, hover.weight)) {
      hover.weight = weight;
      app.dirty = true;
    }
    const node = diagram.nodeAt(px, py);
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
