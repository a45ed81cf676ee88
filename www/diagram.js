// The network diagram: units as nodes (for 2-D data each hidden unit shows its heatmap
// over the input plane), weights as lines whose thickness is |w| and colour its sign,
// and each unit's activation for the selected example. Clicking a weight selects it.
import { Lab, f32, squareImage } from "./engine.js";
import { fitCanvas } from "./plane.js";
import { imageShapes, drawStacks } from "./diagram-stacks.js";

/** Steps of the diverging scale the diagram colours weights and activations with. */
const RAMP_STEPS = 65;
const ramps = new Map();
/** The engine's diverging colours of a palette, as CSS colours (fetched once). */
function ramp(palette) {
  if (!ramps.has(palette)) {
    const rgb = Lab.signedRamp(palette, RAMP_STEPS);
    ramps.set(palette, Array.from({ length: RAMP_STEPS }, (_, i) => `rgb(${rgb[3 * i]},${rgb[3 * i + 1]},${rgb[3 * i + 2]})`));
  }
  return ramps.get(palette);
}

/** The colour of t in [-1, 1] on `colours`, a ramp. */
function signedColour(colours, t) {
  const u = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  return colours[Math.round(((u + 1) / 2) * (RAMP_STEPS - 1))];
}

export class Diagram {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.nodes = [];
    this.edges = [];
    this.hover = null;
    this.unitTile = document.createElement("canvas");
    /** Drawn over the diagram after every draw as overlay(context2d, diagram), e.g. by
     * the phases mode; while it is set, the units' own activation labels are left out
     * so that its numbers are the only ones near the units. */
    this.overlay = null;
    /** Most distance between units of a column, in unit radii (an overlay with labels
     * between the units asks for more). */
    this.spread = 2.8;
  }

  layout(sizes) {
    const { width: w, height: h } = this.canvas;
    const cols = sizes.length;
    const maxUnits = Math.max(...sizes);
    const r = Math.max(2, Math.min(h / (2.6 * maxUnits), w / (4 * cols), 26 * (window.devicePixelRatio || 1)));
    this.nodes = sizes.map((n, c) => {
      const x = ((c + 0.5) / cols) * w;
      const gap = Math.min(h / n, r * this.spread);
      const top = h / 2 - (gap * (n - 1)) / 2;
      return Array.from({ length: n }, (_, i) => ({ x, y: top + i * gap, r }));
    });
  }

  /** The weight under a canvas pixel: { layer, unit, input } or null. */
  hit(px, py) {
    let best = null;
    let bestD = 5 * (window.devicePixelRatio || 1);
    for (const e of this.edges) {
      const { x: x1, y: y1 } = e.from;
      const { x: x2, y: y2 } = e.to;
      const len2 = (x2 - x1) ** 2 + (y2 - y1) ** 2 || 1;
      const t = Math.max(0, Math.min(1, ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / len2));
      const d = Math.hypot(px - (x1 + t * (x2 - x1)), py - (y1 + t * (y2 - y1)));
      if (d < bestD) {
        bestD = d;
        best = { layer: e.layer, unit: e.unit, input: e.input };
      }
    }
    return best;
  }

  /** The node under a canvas pixel: { column, index } or null. */
  nodeAt(px, py) {
    for (const [c, col] of this.nodes.entries()) {
      for (const [i, n] of col.entries()) if (Math.hypot(px - n.x, py - n.y) <= n.r) return { column: c, index: i };
    }
    return null;
  }

  draw(lab, palette, example, selected, highlight = null) {
    fitCanvas(this.canvas);
    const ctx = this.ctx;
    const { width: w, height: h } = this.canvas;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const stacks = imageShapes(lab);
    if (stacks) {
      this.nodes = [];
      this.edges = [];
      drawStacks(ctx, w, h, stacks);
      return;
    }
    const sizes = Array.from(lab.layerSizes());
    // Engine calls that may allocate come before the views over engine memory below.
    const colours = ramp(palette);
    this.layout(sizes);
    if (highlight != null && this.nodes[highlight]) {
      // The ledger's current step: its layer's column (1-based layers; 0 is the input).
      const col = this.nodes[highlight];
      const r = col[0].r;
      ctx.fillStyle = "rgba(255, 214, 0, 0.35)";
      ctx.fillRect(col[0].x - 2.2 * r, 0, 4.4 * r, h);
    }
    const acts = example >= 0 && example < lab.rows()
      ? f32(lab.pointActivationsPtr(example), sizes.reduce((a, b) => a + b, 0))
      : null;
    this.edges = [];
    for (let l = 1; l < sizes.length; l++) {
      const fanIn = sizes[l - 1];
      const wts = f32(lab.weightsPtr(l - 1), sizes[l] * fanIn);
      let max = 1e-9;
      for (const v of wts) max = Math.max(max, Math.abs(v));
      const dense = wts.length > 600;
      for (let j = 0; j < sizes[l]; j++) {
        for (let i = 0; i < fanIn; i++) {
          const v = wts[j * fanIn + i];
          const from = this.nodes[l - 1][i];
          const to = this.nodes[l][j];
          this.edges.push({ from, to, layer: l - 1, unit: j, input: i });
          ctx.strokeStyle = signedColour(colours, v / max);
          ctx.lineWidth = (dense ? 0.3 : 0.6) + (dense ? 1.5 : 5) * Math.abs(v / max) * (window.devicePixelRatio || 1) / 1.5;
          ctx.beginPath();
          ctx.moveTo(from.x, from.y);
          ctx.lineTo(to.x, to.y);
          ctx.stroke();
        }
      }
    }
    if (selected) {
      const e = this.edges.find((e) => e.layer === selected.layer && e.unit === selected.unit && e.input === selected.input);
      if (e) {
        ctx.save();
        ctx.setLineDash([6, 4]);
        ctx.strokeStyle = "#111";
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(e.from.x, e.from.y);
        ctx.lineTo(e.to.x, e.to.y);
        ctx.stroke();
        ctx.restore();
      }
    }
    this.drawNodes(lab, colours, sizes, acts);
    this.overlay?.(ctx, this);
  }

  drawNodes(lab, colours, sizes, acts) {
    const ctx = this.ctx;
    const side = lab.gridSide();
    const hiddenCols = sizes.length - 2;
    let unitIndex = 0;
    let offset = 0;
    const tile = this.unitTile;
    for (let c = 0; c < sizes.length; c++) {
      let max = 1e-9;
      if (acts) for (let i = 0; i < sizes[c]; i++) max = Math.max(max, Math.abs(acts[offset + i]));
      for (let i = 0; i < sizes[c]; i++) {
        const n = this.nodes[c][i];
        const isHidden = c >= 1 && c <= hiddenCols;
        ctx.save();
        ctx.beginPath();
        ctx.arc(n.x, n.y, n.r, 0, 2 * Math.PI);
        if (isHidden && side > 0) {
          tile.width = side;
          tile.height = side;
          const img = squareImage(lab.gridUnitRgba(unitIndex), side);
          tile.getContext("2d").putImageData(img, 0, 0);
          ctx.clip();
          ctx.drawImage(tile, n.x - n.r, n.y - n.r, 2 * n.r, 2 * n.r);
        } else {
          ctx.fillStyle = acts ? signedColour(colours, acts[offset + i] / max) : "#eee";
          ctx.fill();
        }
        ctx.restore();
        ctx.beginPath();
        ctx.arc(n.x, n.y, n.r, 0, 2 * Math.PI);
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = "#555";
        ctx.stroke();
        if (acts && n.r > 9 && !this.overlay) {
          ctx.fillStyle = "#111";
          ctx.font = `${Math.round(n.r * 0.55)}px sans-serif`;
          ctx.textAlign = "center";
          ctx.fillText(acts[offset + i].toFixed(2), n.x, n.y + n.r + n.r * 0.6);
        }
        if (isHidden) unitIndex++;
      }
      offset += sizes[c];
    }
    if (this.hover && side > 0) this.drawHover(lab, sizes);
  }

  drawHover(lab, sizes) {
    const { column, index } = this.hover;
    if (column < 1 || column > sizes.length - 2) return;
    const side = lab.gridSide();
    let unit = index;
    for (let c = 1; c < column; c++) unit += sizes[c];
    const n = this.nodes[column][index];
    const big = Math.min(this.canvas.height * 0.45, this.canvas.width * 0.3);
    const x = Math.min(this.canvas.width - big - 4, n.x + n.r + 6);
    const y = Math.max(4, Math.min(this.canvas.height - big - 4, n.y - big / 2));
    const tile = this.unitTile;
    const img = squareImage(lab.gridUnitRgba(unit), side);
    tile.getContext("2d").putImageData(img, 0, 0);
    this.ctx.drawImage(tile, x, y, big, big);
    this.ctx.strokeStyle = "#111";
    this.ctx.lineWidth = 2;
    this.ctx.strokeRect(x, y, big, big);
  }
}
