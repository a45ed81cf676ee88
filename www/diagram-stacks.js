// The diagram of a network with image layers: each image-shaped output (the input, a
// convolution, a pool) drawn as a stack of its feature maps, offset like cards, with
// its shape; each row of features as a short column of units. A convolution of 8
// filters is 8 maps, not 512 circles. Shapes come from the engine (Lab.layerShapes).

const shapesOf = new WeakMap();

/** The engine's layer shapes of `lab` when it has an image layer, else null. */
export function imageShapes(lab) {
  if (!shapesOf.has(lab)) {
    const shapes = JSON.parse(lab.layerShapes()).layers;
    shapesOf.set(lab, shapes.some((s) => s.shape.length === 3) ? shapes : null);
  }
  return shapesOf.get(lab);
}

/** Most maps drawn in one stack; more are said by the label. */
const MOST_MAPS = 8;
/** Most units drawn in one column of features. */
const MOST_UNITS = 10;

/** Draws `shapes` across a `w` × `h` canvas context. */
export function drawStacks(ctx, w, h, shapes) {
  const dpr = window.devicePixelRatio || 1;
  const cols = shapes.length;
  const colW = w / cols;
  const mid = h / 2;
  const centres = [];
  ctx.font = `${11 * dpr}px sans-serif`;
  ctx.textAlign = "center";
  shapes.forEach(({ kind, shape }, c) => {
    const cx = (c + 0.5) * colW;
    if (shape.length === 3) {
      const [ch, hh, ww] = shape;
      const shown = Math.min(ch, MOST_MAPS);
      const step = Math.min(6 * dpr, colW * 0.08);
      const side = Math.min(colW * 0.6, h * 0.45) * Math.sqrt(Math.max(hh, ww) / 8) ** 0.5;
      const size = Math.max(8 * dpr, Math.min(side, colW * 0.6));
      const x0 = cx - (size + step * (shown - 1)) / 2;
      const y0 = mid - (size + step * (shown - 1)) / 2;
      for (let i = shown - 1; i >= 0; i--) {
        ctx.fillStyle = i % 2 ? "#cfd8dc" : "#eceff1";
        ctx.strokeStyle = "#455a64";
        ctx.lineWidth = 1;
        ctx.fillRect(x0 + i * step, y0 + i * step, size, size * (hh / ww));
        ctx.strokeRect(x0 + i * step, y0 + i * step, size, size * (hh / ww));
      }
      centres.push({ x: cx, top: y0, bottom: y0 + size + step * shown });
    } else {
      const n = shape[0];
      const shown = Math.min(n, MOST_UNITS);
      const r = Math.max(3 * dpr, Math.min(colW * 0.12, (h * 0.6) / (2.6 * shown)));
      const top = mid - (r * 2.6 * (shown - 1)) / 2;
      for (let i = 0; i < shown; i++) {
        ctx.beginPath();
        ctx.arc(cx, top + i * 2.6 * r, r, 0, 2 * Math.PI);
        ctx.fillStyle = "#eee";
        ctx.fill();
        ctx.strokeStyle = "#555";
        ctx.stroke();
      }
      centres.push({ x: cx, top: top - r, bottom: top + (shown - 1) * 2.6 * r + r });
    }
    const name = kind === "input" ? "input" : kind.replace("2d", "");
    ctx.fillStyle = "#111";
    ctx.fillText(name, cx, 14 * dpr);
    ctx.fillText(shape.join("×"), cx, h - 6 * dpr);
  });
  ctx.strokeStyle = "#90a4ae";
  ctx.lineWidth = 1.5 * dpr;
  for (let c = 1; c < centres.length; c++) {
    const a = centres[c - 1];
    const b = centres[c];
    ctx.beginPath();
    ctx.moveTo(a.x + colW * 0.3, mid);
    ctx.lineTo(b.x - colW * 0.3, mid);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(b.x - colW * 0.3, mid);
    ctx.lineTo(b.x - colW * 0.3 - 5 * dpr, mid - 4 * dpr);
    ctx.lineTo(b.x - colW * 0.3 - 5 * dpr, mid + 4 * dpr);
    ctx.fill();
  }
}
