// The output view. 2-D data: the engine's RGBA heatmap of the prediction over the input
// plane, with training points (filled) and validation points (rings), each in the
// engine's colour for it (its class, or its target on the heatmap's diverging scale,
// whose legend sits below). 1-D data: targets and the prediction curve. Images: a grid
// of samples with their predicted class.
import { Lab, classColour, f32, u32, u8, rgba } from "./engine.js";

const RAMP_STEPS = 64;

/** "rgb(r, g, b)" of point i in the engine's RGB triples. */
const rgbAt = (c, i) => `rgb(${c[3 * i]}, ${c[3 * i + 1]}, ${c[3 * i + 2]})`;

/** A legend value: at most four significant digits, no trailing zeros. */
const legendNumber = (v) => String(Number(v.toPrecision(3)));

const SAMPLE_GRID = 6;

/** Fits a canvas's pixel size to its CSS size times the device-pixel ratio. */
export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return dpr;
}

export class Plane {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.heat = document.createElement("canvas");
    /** The keyboard's cursor: a row, drawn while the canvas has focus. */
    this.cursor = null;
    this.focused = false;
  }

  /** Row `r`'s data coordinates (2-D data). */
  point(lab, r) {
    const x = f32(lab.dataPtr(), lab.rows() * 2);
    return [x[2 * r], x[2 * r + 1]];
  }

  /** Row `r`'s class. */
  labelOf(lab, r) {
    return u32(lab.labelsPtr(), lab.rows())[r];
  }

  /** The row nearest to row `r` in direction [dx, dy] on screen (y down), or `r` when
   * there is none that way: distance along the direction plus twice the distance
   * across it, so that the cursor keeps to the arrow's line. */
  neighbour(lab, r, [dx, dy]) {
    const n = lab.rows();
    const x = f32(lab.dataPtr(), n * 2);
    const { toPx } = this.transform(lab);
    const [px, py] = toPx(x[2 * r], x[2 * r + 1]);
    let best = r;
    let bestD = Infinity;
    for (let i = 0; i < n; i++) {
      const [qx, qy] = toPx(x[2 * i], x[2 * i + 1]);
      const along = (qx - px) * dx + (qy - py) * dy;
      if (i === r || along <= 0.5) continue;
      const d = along + 2 * Math.abs((qx - px) * dy - (qy - py) * dx);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  /** Where data coordinates land on the canvas, for 2-D data. */
  transform(lab) {
    const [x0, x1, y0, y1] = lab.gridBounds();
    const { width: w, height: h } = this.canvas;
    return {
      toPx: (x, y) => [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h],
      toData: (px, py) => [x0 + (px / w) * (x1 - x0), y1 - (py / h) * (y1 - y0)],
    };
  }

  /** The row nearest to a canvas pixel (2-D data), or -1. */
  nearest(lab, px, py) {
    const n = lab.rows();
    const x = f32(lab.dataPtr(), n * 2);
    const { toPx } = this.transform(lab);
    let best = -1;
    let bestD = Infinity;
    for (let r = 0; r < n; r++) {
      const [qx, qy] = toPx(x[2 * r], x[2 * r + 1]);
      const d = (qx - px) ** 2 + (qy - py) ** 2;
      if (d < bestD) {
        bestD = d;
        best = r;
      }
    }
    return best;
  }

  /** `view` is the state's view part (palette, show_validation). */
  draw(lab, palette, selected, view = {}) {
    this.showValidation = view.show_validation ?? true;
    this.drawLegend(lab, palette);
    fitCanvas(this.canvas);
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const shape = lab.imageShape();
    if (lab.gridSide() > 0) this.drawPlane(lab, palette, selected);
    else if (shape.length === 2) this.drawImages(lab, palette, shape);
    else if (lab.features() === 1) this.drawCurve(lab, palette);
    else this.drawScatter(lab, palette);
  }

  drawPlane(lab, palette, selected) {
    const side = lab.gridSide();
    this.heat.width = side;
    this.heat.height = side;
    const img = new ImageData(rgba(lab.gridOutputPtr(), side * side * 4), side, side);
    this.heat.getContext("2d").putImageData(img, 0, 0);
    const ctx = this.ctx;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.heat, 0, 0, this.canvas.width, this.canvas.height);
    this.drawPoints(lab, palette, selected);
  }

  /** The diverging scale's legend below the plane, for regression data (hidden for
   * classes): the engine's ramp and its low, centre and high values. */
  drawLegend(lab, palette) {
    const box = document.getElementById("value-legend");
    if (!box) return;
    const scale = lab.valueScale();
    box.hidden = scale.length === 0 || lab.gridSide() === 0;
    if (box.hidden) return;
    const key = `${palette}/${scale.join()}`;
    if (this.legendKey === key) return;
    this.legendKey = key;
    const ramp = box.querySelector("canvas");
    ramp.width = RAMP_STEPS;
    ramp.height = 1;
    const rgb = Lab.signedRamp(palette, RAMP_STEPS);
    const img = new ImageData(RAMP_STEPS, 1);
    for (let i = 0; i < RAMP_STEPS; i++) img.data.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
    ramp.getContext("2d").putImageData(img, 0, 0);
    const [lo, mid, hi] = scale.map(legendNumber);
    box.querySelector("#value-low").textContent = lo;
    box.querySelector("#value-mid").textContent = mid;
    box.querySelector("#value-high").textContent = hi;
    box.setAttribute("aria-label", `Colour scale of the target and the prediction: ${lo} to ${hi}, white at ${mid}`);
  }

  drawPoints(lab, palette, selected) {
    // A target near the scale's centre is drawn nearly white: a grey outline keeps it
    // visible over a pale heatmap. (Asked before the views below: it allocates.)
    const outline = lab.valueScale().length > 0 ? "rgb(0 0 0 / 0.22)" : "#fff";
    const { toPx } = this.transform(lab);
    const n = lab.rows();
    const colours = u8(lab.pointColorsPtr(palette), n * 3);
    const x = f32(lab.dataPtr(), n * 2);
    const train = u8(lab.trainMaskPtr(), n);
    const ctx = this.ctx;
    const r = Math.max(2.5, this.canvas.width / 110);
    ctx.lineWidth = Math.max(1, r / 2.5);
    for (let i = 0; i < n; i++) {
      if (!train[i] && !this.showValidation) continue;
      const [px, py] = toPx(x[2 * i], x[2 * i + 1]);
      const c = rgbAt(colours, i);
      ctx.beginPath();
      ctx.arc(px, py, r, 0, 2 * Math.PI);
      if (train[i]) {
        ctx.fillStyle = c;
        ctx.strokeStyle = outline;
        ctx.fill();
        ctx.stroke();
      } else {
        ctx.fillStyle = "#fff";
        ctx.strokeStyle = c;
        ctx.fill();
        ctx.stroke();
      }
    }
    if (selected >= 0 && selected < n) {
      const [px, py] = toPx(x[2 * selected], x[2 * selected + 1]);
      ctx.beginPath();
      ctx.arc(px, py, r * 2.2, 0, 2 * Math.PI);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    if (this.focused && this.cursor != null && this.cursor < n) {
      const [px, py] = toPx(x[2 * this.cursor], x[2 * this.cursor + 1]);
      ctx.save();
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.arc(px, py, r * 3, 0, 2 * Math.PI);
      ctx.strokeStyle = "#0b63a5";
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.restore();
    }
  }

  drawScatter(lab, palette) {
    // Rows of more than two features: the first two, coloured by class or target.
    const n = lab.rows();
    const d = lab.features();
    const colours = u8(lab.pointColorsPtr(palette), n * 3);
    const x = f32(lab.dataPtr(), n * d);
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, x[i * d]); x1 = Math.max(x1, x[i * d]);
      y0 = Math.min(y0, x[i * d + 1]); y1 = Math.max(y1, x[i * d + 1]);
    }
    const { width: w, height: h } = this.canvas;
    for (let i = 0; i < n; i++) {
      this.ctx.fillStyle = rgbAt(colours, i);
      const px = ((x[i * d] - x0) / (x1 - x0 || 1)) * (w - 10) + 5;
      const py = h - 5 - ((x[i * d + 1] - y0) / (y1 - y0 || 1)) * (h - 10);
      this.ctx.fillRect(px - 2, py - 2, 4, 4);
    }
  }

  drawCurve(lab, palette) {
    const n = lab.rows();
    const x = f32(lab.dataPtr(), n);
    const pred = f32(lab.predictionsPtr(), n);
    const labels = u32(lab.labelsPtr(), n);
    const targets = new Float32Array(labels.buffer, labels.byteOffset, n);
    const order = [...Array(n).keys()].sort((a, b) => x[a] - x[b]);
    let [y0, y1] = [Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      for (const v of [targets[i], pred[i]]) if (Number.isFinite(v)) { y0 = Math.min(y0, v); y1 = Math.max(y1, v); }
    }
    const pad = (y1 - y0 || 1) * 0.1;
    y0 -= pad; y1 += pad;
    const x0 = x[order[0]];
    const x1 = x[order[n - 1]];
    const { width: w, height: h } = this.canvas;
    const px = (v) => ((v - x0) / (x1 - x0 || 1)) * (w - 20) + 10;
    const py = (v) => h - ((v - y0) / (y1 - y0)) * h;
    const ctx = this.ctx;
    ctx.strokeStyle = "#ddd";
    ctx.beginPath(); ctx.moveTo(0, py(0)); ctx.lineTo(w, py(0)); ctx.stroke();
    ctx.fillStyle = classColour(palette, 0);
    for (const i of order) ctx.fillRect(px(x[i]) - 1.5, py(targets[i]) - 1.5, 3, 3);
    ctx.strokeStyle = classColour(palette, 1);
    ctx.lineWidth = Math.max(2, w / 200);
    ctx.beginPath();
    order.forEach((i, k) => (k ? ctx.lineTo(px(x[i]), py(pred[i])) : ctx.moveTo(px(x[i]), py(pred[i]))));
    ctx.stroke();
  }

  drawImages(lab, palette, [h, w]) {
    const n = Math.min(lab.rows(), SAMPLE_GRID * SAMPLE_GRID);
    const d = lab.features();
    lab.predictionsPtr();
    const predicted = u32(lab.predictedClassesPtr(), lab.rows());
    const x = f32(lab.dataPtr(), lab.rows() * d);
    const labels = u32(lab.labelsPtr(), lab.rows());
    const names = JSON.parse(lab.classNames());
    const reconstructs = lab.autoencoder();
    const cell = this.canvas.width / SAMPLE_GRID;
    const tile = document.createElement("canvas");
    tile.width = w;
    tile.height = h;
    const tctx = tile.getContext("2d");
    const img = tctx.createImageData(w, h);
    const ctx = this.ctx;
    ctx.imageSmoothingEnabled = false;
    ctx.font = `${Math.round(cell / 6)}px sans-serif`;
    for (let i = 0; i < n; i++) {
      let lo = Infinity;
      let hi = -Infinity;
      // The first channel of an image of several (C x H x W rows, channel-major).
      for (let p = 0; p < h * w; p++) { lo = Math.min(lo, x[i * d + p]); hi = Math.max(hi, x[i * d + p]); }
      for (let p = 0; p < h * w; p++) {
        const v = 255 - Math.round(((x[i * d + p] - lo) / (hi - lo || 1)) * 255);
        img.data.set([v, v, v, 255], p * 4);
      }
      tctx.putImageData(img, 0, 0);
      const cx = (i % SAMPLE_GRID) * cell;
      const cy = Math.floor(i / SAMPLE_GRID) * cell;
      ctx.drawImage(tile, cx + 4, cy + 4, cell - 8, cell - 8);
      // An autoencoder predicts no class: its outputs are the pixels again.
      if (reconstructs) continue;
      const right = predicted[i] === labels[i];
      ctx.fillStyle = right ? classColour(palette, 2) : classColour(palette, 3);
      ctx.fillText(`${names[predicted[i]] ?? predicted[i]}`, cx + 6, cy + cell - 8);
    }
  }
}
