// The input features as the Playground shows them: each toggle (x1, x2 and every
// derived feature) carries a small heatmap of its value over the plane, the engine's
// pixels (Lab.gridFeatureRgba), drawn whether the input is on or not.
import { Lab, squareImage } from "./engine.js";

const NAMES = JSON.parse(Lab.gridFeatureNames());
/** The tile canvas of each feature, made once beside its checkbox. */
const tiles = new Map();
let drawnFor = "";

function tile(name) {
  if (tiles.has(name)) return tiles.get(name);
  const box = document.querySelector(`#derived input[value="${CSS.escape(name)}"]`);
  if (!box) return null;
  const canvas = document.createElement("canvas");
  canvas.className = "feature-tile";
  canvas.setAttribute("aria-hidden", "true");
  box.after(canvas);
  tiles.set(name, canvas);
  return canvas;
}

/** Paints every input's tile when the grid or the palette changed (they depend on the
 * plane's bounds alone, not on training). */
export function drawInputs(lab, palette) {
  const side = lab.gridSide();
  if (side === 0) return;
  const key = `${palette}/${side}/${lab.gridBounds().join()}`;
  if (key === drawnFor) return;
  drawnFor = key;
  NAMES.forEach((name, i) => {
    const canvas = tile(name);
    if (!canvas) return;
    canvas.width = side;
    canvas.height = side;
    canvas.getContext("2d").putImageData(squareImage(lab.gridFeatureRgba(i), side), 0, 0);
  });
}
