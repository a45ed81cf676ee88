// Painting a 3-unit layer as a turning 3-D scatter: the box, the axes, the warped grid
// and depth-sorted points, seen from the angle the student dragged to.
import { ease, padded, drawDot } from "./representation-paint.js";

/** Distance of the 3-D eye, in half box sizes: larger is flatter. */
const PERSPECTIVE = 8;
/** Radians per second of the idle rotation, and ms without dragging before it. */
export const SPIN = 0.25;
export const IDLE_MS = 1500;
/** The view's angle and the drag that turns it. */
export const rot = { yaw: 0.6, pitch: 0.35, dragging: false, lastX: 0, lastY: 0, lastInput: -Infinity, lastTick: 0 };
// Preallocated buffers of the 3-D drawing, grown with the data.
let screen = { n: 0, x: null, y: null, z: null, order: null };

function ensureScreen(n) {
  if (screen.n === n && screen.x) return;
  screen = { n, x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n), order: new Uint32Array(n) };
}

/** Draws the points (and grid lines) of a 3-unit layer; `s` as for draw2d. */
export function draw3d(g, p, n, b, grid, gridLines, samples, s) {
  const { W, H, dpr } = s;
  const box = ease(padded(b, 3));
  const c = [(box[0] + box[1]) / 2, (box[2] + box[3]) / 2, (box[4] + box[5]) / 2];
  const half = Math.max(box[1] - box[0], box[3] - box[2], box[5] - box[4]) / 2;
  // Sized so that every corner of the box stays on the canvas at any angle.
  const R = Math.min(W, H) * 0.22;
  const cyaw = Math.cos(rot.yaw);
  const syaw = Math.sin(rot.yaw);
  const cp = Math.cos(rot.pitch);
  const sp = Math.sin(rot.pitch);
  // Turn (yaw about the vertical axis, then pitch), then a gentle perspective; the
  // result lands in P (no allocation per point).
  const project = (x, y, z) => {
    const u = (x - c[0]) / half;
    const v = (y - c[1]) / half;
    const w = (z - c[2]) / half;
    const xr = cyaw * u + syaw * w;
    const zr = -syaw * u + cyaw * w;
    const yr = cp * v - sp * zr;
    const depth = sp * v + cp * zr;
    const k = PERSPECTIVE / (PERSPECTIVE - depth);
    P.x = W / 2 + xr * k * R;
    P.y = H / 2 - yr * k * R;
    P.z = depth;
  };
  // The bounding box, and the three axes from its low corner.
  g.lineWidth = dpr;
  g.strokeStyle = "#d9dde5";
  const xs = [box[0], box[1]];
  const ys = [box[2], box[3]];
  const zs = [box[4], box[5]];
  g.beginPath();
  for (const [a, bb] of [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]]) {
    project(xs[a & 1], ys[(a >> 1) & 1], zs[(a >> 2) & 1]);
    g.moveTo(P.x, P.y);
    project(xs[bb & 1], ys[(bb >> 1) & 1], zs[(bb >> 2) & 1]);
    g.lineTo(P.x, P.y);
  }
  g.stroke();
  // The three axes from the low corner, darker, with their captions at the far ends.
  g.strokeStyle = "#8a92a3";
  g.lineWidth = 1.5 * dpr;
  g.fillStyle = "#5b6475";
  g.font = `${11 * dpr}px system-ui, sans-serif`;
  g.textAlign = "center";
  const ends = [[box[1], box[2], box[4]], [box[0], box[3], box[4]], [box[0], box[2], box[5]]];
  ends.forEach(([x, y, z], k) => {
    g.beginPath();
    project(box[0], box[2], box[4]);
    g.moveTo(P.x, P.y);
    project(x, y, z);
    g.lineTo(P.x, P.y);
    g.stroke();
    // The caption just beyond the axis end, away from the middle of the canvas.
    const dx = P.x - W / 2;
    const dy = P.y - H / 2;
    const d = Math.hypot(dx, dy) || 1;
    g.fillText(s.labels[k] ?? "", P.x + (dx / d) * 16 * dpr, P.y + (dy / d) * 16 * dpr + 4 * dpr);
  });
  g.lineWidth = dpr;
  if (grid) {
    g.strokeStyle = "rgba(90, 100, 120, 0.3)";
    for (let l = 0; l < gridLines; l++) {
      g.beginPath();
      let pen = false;
      for (let k = 0; k < samples; k++) {
        const i = (l * samples + k) * 3;
        if (!(Number.isFinite(grid[i]) && Number.isFinite(grid[i + 1]) && Number.isFinite(grid[i + 2]))) { pen = false; continue; }
        project(grid[i], grid[i + 1], grid[i + 2]);
        if (pen) g.lineTo(P.x, P.y);
        else g.moveTo(P.x, P.y);
        pen = true;
      }
      g.stroke();
    }
  }
  ensureScreen(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = p[3 * i];
    const y = p[3 * i + 1];
    const z = p[3 * i + 2];
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue;
    project(x, y, z);
    screen.x[i] = P.x;
    screen.y[i] = P.y;
    screen.z[i] = P.z;
    screen.order[m++] = i;
  }
  const order = screen.order.subarray(0, m);
  order.sort(byDepth);
  const r = Math.max(2, Math.min(W, H) / 150);
  g.lineWidth = Math.max(1, r / 2.5);
  for (const i of order) {
    const k = PERSPECTIVE / (PERSPECTIVE - screen.z[i]);
    drawDot(g, screen.x[i], screen.y[i], r * k, s.colour(i), s.train[i] === 1);
  }
  if (s.selected >= 0 && s.selected < n && Number.isFinite(screen.x[s.selected])) {
    g.beginPath();
    g.arc(screen.x[s.selected], screen.y[s.selected], r * 2.3, 0, 2 * Math.PI);
    g.strokeStyle = "#111";
    g.lineWidth = 1.5 * dpr;
    g.stroke();
  }
  return m;
}

const byDepth = (a, b) => screen.z[a] - screen.z[b];
const P = { x: 0, y: 0, z: 0 };

