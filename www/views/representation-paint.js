// Painting the hidden representation: the 2-D picture (a line or a plane of points,
// with the warped grid), and what the 3-D picture shares with it: bounds eased from
// frame to frame, padded ranges, the dots. Positions come from the engine.

/** The drawing bounds of the last frame, and when it was drawn. */
const eased = { view: null, at: -Infinity };

/** Starts the easing afresh (another layer, another Lab). */
export function resetEase() {
  eased.view = null;
}

/** Eases the drawing bounds towards `target`: they grow at once (no point leaves the
 * view) and shrink gently (autoscaling does not jump). */
export function ease(target) {
  const now = performance.now();
  const stale = now - eased.at > 150;
  eased.at = now;
  let view = eased.view;
  if (!view || view.length !== target.length || stale) {
    eased.view = target.slice();
    return eased.view;
  }
  for (let k = 0; k < target.length; k += 2) {
    view[k] = target[k] < view[k] ? target[k] : view[k] + (target[k] - view[k]) * 0.2;
    view[k + 1] = target[k + 1] > view[k + 1] ? target[k + 1] : view[k + 1] + (target[k + 1] - view[k + 1]) * 0.2;
  }
  return view;
}

export function padded(b, dims) {
  const out = [];
  for (let k = 0; k < dims; k++) {
    let lo = b[2 * k];
    let hi = b[2 * k + 1];
    const span = Math.max(hi - lo, 1e-3);
    lo -= 0.08 * span;
    hi += 0.08 * span;
    out.push(lo, hi);
  }
  return out;
}

export function drawDot(g, x, y, r, colour, filled) {
  g.beginPath();
  g.arc(x, y, r, 0, 2 * Math.PI);
  g.fillStyle = filled ? colour : "#fff";
  g.strokeStyle = filled ? "#fff" : colour;
  g.fill();
  g.stroke();
}

/** Draws dots at `at(i)` for the rows `rows`, training rows filled and held-out ones
 * hollow in `colour(i)`, one path per colour and kind: a fill and a stroke per dot, a
 * thousand a frame, were most of a canvas's raster. `ring` outlines the filled dots in
 * white. */
export function drawDots(g, rows, at, colour, isTrain, r, ring) {
  const groups = new Map();
  for (const i of rows) {
    const key = `${isTrain(i) ? "f" : "h"}${colour(i)}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  for (const [key, members] of groups) {
    const filled = key[0] === "f";
    const c = key.slice(1);
    g.beginPath();
    for (const i of members) {
      const [x, y] = at(i);
      g.moveTo(x + r, y);
      g.arc(x, y, r, 0, 2 * Math.PI);
    }
    g.fillStyle = filled ? c : "#fff";
    g.fill();
    if (!filled || ring) {
      g.strokeStyle = filled ? "#fff" : c;
      g.stroke();
    }
  }
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) < 1e-3 ? "0" : Number(v.toPrecision(2)).toString());


/** Draws the points (and grid lines) of a line or plane layout; `s` is the style:
 * W, H, dpr, train, selected, colour(i) and the axis labels. */
export function draw2d(g, p, n, b, grid, gridLines, samples, s, freeAspect, mode) {
  const { W, H, dpr } = s;
  const [x0, x1, y0, y1] = ease(padded(b, 2));
  const margin = 28 * dpr;
  const w = W - 2 * margin;
  const h = H - 2 * margin;
  let sx = w / (x1 - x0);
  let sy = h / (y1 - y0);
  if (!freeAspect) sx = sy = Math.min(sx, sy);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const X = (x) => W / 2 + (x - cx) * sx;
  const Y = (y) => H / 2 - (y - cy) * sy;
  // Axes through zero (the mean for PCA), when in view.
  g.lineWidth = dpr;
  g.strokeStyle = "#c9ced8";
  g.beginPath();
  if (x0 < 0 && x1 > 0) { g.moveTo(X(0), 0); g.lineTo(X(0), H); }
  if (y0 < 0 && y1 > 0 && mode !== "line") { g.moveTo(0, Y(0)); g.lineTo(W, Y(0)); }
  g.stroke();
  if (grid) {
    g.strokeStyle = "rgba(90, 100, 120, 0.35)";
    g.lineWidth = dpr;
    for (let l = 0; l < gridLines; l++) {
      g.beginPath();
      let pen = false;
      for (let k = 0; k < samples; k++) {
        const i = (l * samples + k) * 2;
        const gx = grid[i];
        const gy = grid[i + 1];
        if (!Number.isFinite(gx) || !Number.isFinite(gy)) { pen = false; continue; }
        if (pen) g.lineTo(X(gx), Y(gy));
        else g.moveTo(X(gx), Y(gy));
        pen = true;
      }
      g.stroke();
    }
  }
  const r = Math.max(2, Math.min(W, H) / 150);
  g.lineWidth = Math.max(1, r / 2.5);
  const shown = [];
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(p[2 * i]) && Number.isFinite(p[2 * i + 1])) shown.push(i);
  }
  drawDots(g, shown, (i) => [X(p[2 * i]), Y(p[2 * i + 1])], s.colour, (i) => s.train[i] === 1, r, true);
  if (s.selected >= 0 && s.selected < n) {
    g.beginPath();
    g.arc(X(p[2 * s.selected]), Y(p[2 * s.selected + 1]), r * 2.3, 0, 2 * Math.PI);
    g.strokeStyle = "#111";
    g.lineWidth = 1.5 * dpr;
    g.stroke();
  }
  g.fillStyle = "#5b6475";
  g.font = `${11 * dpr}px system-ui, sans-serif`;
  g.textAlign = "center";
  g.fillText(s.labels[0] ?? "", W / 2, H - 8 * dpr);
  g.save();
  g.translate(12 * dpr, H / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(s.labels[1] ?? "", 0, 0);
  g.restore();
  // The range shown, at the ends of each axis.
  const left = X(x0);
  const right = X(x1);
  g.fillStyle = "#8a92a3";
  if (right - left > 160 * dpr) {
    g.textAlign = "left";
    g.fillText(fmt(x0), Math.max(2 * dpr, left), H - 8 * dpr);
    g.textAlign = "right";
    g.fillText(fmt(x1), Math.min(W - 2 * dpr, right), H - 8 * dpr);
  }
  if ((mode !== "line" || !freeAspect) && Y(y0) - Y(y1) > 160 * dpr) {
    g.save();
    g.translate(12 * dpr, 0);
    g.rotate(-Math.PI / 2);
    g.textAlign = "left";
    g.fillText(fmt(y0), -Math.min(H - 2 * dpr, Y(y0)), 0);
    g.textAlign = "right";
    g.fillText(fmt(y1), -Math.max(2 * dpr, Y(y1)), 0);
    g.restore();
  }
  return shown.length;
}

