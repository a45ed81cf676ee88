// The output view. 2-D data: the engine's RGBA heatmap of the prediction over the input
// plane, with training points (filled) and validation points (rings). 1-D data: targets
// and the prediction curve. Images: a grid of samples with their predicted class.
import { classColour, f32, u32, u8, rgba } from "./engine.js";

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

  draw(lab, palette, selected) {
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

  drawPoints(lab, palette, selected) {
    const n = lab.rows();
    const x = f32(lab.dataPtr(), n * 2);
    const labels = u32(lab.labelsPtr(), n);
    const train = u8(lab.trainMaskPtr(), n);
    const { toPx } = this.transform(lab);
    const ctx = this.ctx;
    const r = Math.max(2.5, this.canvas.width / 110);
    ctx.lineWidth = Math.max(1, r / 2.5);
    for (let i = 0; i < n; i++) {
      const [px, py] = toPx(x[2 * i], x[2 * i + 1]);
      const c = classColour(palette, labels[i]);
      ctx.beginPath();
      ctx.arc(px, py, r, 0, 2 * Math.PI);
      if (train[i]) {
        ctx.fillStyle = c;
        ctx.strokeStyle = "#fff";
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
  }

  drawScatter(lab, palette) {
    // Rows of more than two features: the first two, coloured by class.
    const n = lab.rows();
    const d = lab.features();
    const x = f32(lab.dataPtr(), n * d);
    const labels = u32(lab.labelsPtr(), n);
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, x[i * d]); x1 = Math.max(x1, x[i * d]);
      y0 = Math.min(y0, x[i * d + 1]); y1 = Math.max(y1, x[i * d + 1]);
    }
    const { width: w, height: h } = this.canvas;
    for (let i = 0; i < n; i++) {
      this.ctx.fillStyle = classColour(palette, labels[i]);
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
      const right = predicted[i] === labels[i];
      ctx.fillStyle = right ? classColour(palette, 2) : classColour(palette, 3);
      ctx.fillText(`${names[predicted[i]] ?? predicted[i]}`, cx + 6, cy + cell - 8);
    }
  }
}
