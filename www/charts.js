// Loss, accuracy and gradient-norm curves: plotters draws them in the engine; this only
// sizes the canvases and says when.
import { fitCanvas } from "./plane.js";

export function drawCharts(lab, state, isClassification) {
  for (const kind of ["loss", "accuracy", "gradients"]) {
    const canvas = document.getElementById(`chart-${kind}`);
    canvas.hidden = kind === "accuracy" && !isClassification;
    if (canvas.hidden) continue;
    const dpr = fitCanvas(canvas);
    lab.drawChart(canvas, kind, state.view.log_scale || kind === "gradients", state.view.palette, dpr);
  }
}

/** The training history as CSV text, one row per epoch. */
export function historyCsv(lab, read) {
  const layers = lab.layerSizes().length - 1;
  const cols = ["train_loss", "train_accuracy", "val_loss", "val_accuracy"];
  const series = cols.map((c) => read(c, 0));
  for (let l = 0; l < layers; l++) series.push(read("grad_norm", l), read("weight_norm", l));
  const header = ["epoch", ...cols];
  for (let l = 1; l <= layers; l++) header.push(`grad_norm_${l}`, `weight_norm_${l}`);
  const n = Math.max(...series.map((s) => s.values.length));
  const lines = [header.join(",")];
  for (let i = 0; i < n; i++) {
    const stride = series[0].stride;
    lines.push([(i + 1) * stride, ...series.map((s) => (i < s.values.length ? s.values[i] : ""))].join(","));
  }
  return lines.join("\n") + "\n";
}
