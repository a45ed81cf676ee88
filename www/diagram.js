// The network diagram: units as nodes (for 2-D data each hidden unit shows its heatmap
// over the input plane), weights as lines whose thickness is |w| and colour its sign,
// each bias as a small square at its unit's lower left, the inputs named by the
// engine's feature names, and each unit's activation for the selected example. Layers
// over WIDE units are drawn compactly (small nodes, no labels; hovering one still shows
// its heatmap). Clicking a weight or bias selects it.
import { Lab, f32, squareImage } from "./engine.js";
import { fitCanvas } from "./plane.js";
import { imageShapes, drawStacks } from "./diagram-stacks.js";

/** Steps of the diverging scale the diagram colours weights and activations with. */
const RAMP_STEPS = 65;
/** Units above which a layer is drawn compactly. */
export const WIDE = 16;
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

/** A feature name as a reader writes it: x1^2 as x1², x1*x2 as x1·x2. */
export const prettyFeature = (name) => String(name).replace(/\^2/g, "²").replace(/\^3/g, "³").replace(/\*/g, "·");

/** A parameter's name: w2[1][3] or b2[1] (1-based, as in the views). */
export const paramName = ({ layer, unit, input }) => (input < 0 ? `b${layer + 1}[${unit + 1}]` : `w${layer + 1}[${unit + 1}][${input + 1}]`);

export class Diagram {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.nodes = [];
    this.edges = [];
    /** Bias handles: { x, y, s, layer, unit }. */
    this.biases = [];
    /** Value labels drawn last time: { x, y, w, h } rectangles, for the tests. */
    this.labels = [];
    this.hover = null;
    /** The keyboard's cursor (www/diagram-keys.js), drawn while the canvas has focus. */
    this.cursor = null;
    this.focused = false;
    this.unitTile = document.createElement("canvas");
    /** Drawn over the diagram after every draw as overlay(context2d, diagram), e.g. by
     * the phases mode; while it is set, the units' own activation labels are left out
     * so that its numbers are the only ones near the units. */
    this.overlay = null;
    /** Most distance between units of a column, in unit radii (an overlay with labels
     * between the units asks for more). */
    this.spread = 2.8;
    this.names = { lab: null, list: [] };
  }

  /** The names of `lab`'s inputs (derived features included), read once per Lab. */
  featureNames(lab) {
    if (this.names.lab !== lab) this.names = { lab, list: JSON.parse(lab.inputNames()).map(prettyFeature) };
    return this.names.list;
  }

  /** Places the units: a column per layer between a left margin wide enough for the
   * inputs' names and a right one for the output's value, under a row of headers. */
  layout(sizes, names = []) {
    const { width: w, height: h } = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    this.font = Math.round(11 * dpr);
    ctx.font = `${this.font}px sans-serif`;
    const inputNames = sizes[0] <= WIDE ? names : [];
    const nameWidth = Math.max(0, ...inputNames.map((n) => ctx.measureText(n).width));
    this.top = Math.round(18 * dpr);
    const left = nameWidth + 10 * dpr;
    const right = 40 * dpr;
    const bottom = 4 * dpr;
    const cols = sizes.length;
    const regular = sizes.filter((n) => n <= WIDE);
    const maxUnits = Math.max(1, ...regular);
    const height = h - this.top - bottom;
    const width = w - left - right;
    const r = Math.max(2 * dpr, Math.min(height / (2.6 * maxUnits), width / (4 * cols), 24 * dpr));
    this.nodes = sizes.map((n, c) => {
      const x = left + r + (cols > 1 ? (c / (cols - 1)) * (width - 2 * r) : width / 2);
      const wide = n > WIDE;
      const gap = wide ? height / n : Math.min(height / n, r * this.spread);
      const rr = wide ? Math.max(1.2 * dpr, Math.min(r, gap * 0.42)) : r;
      const mid = this.top + height / 2;
      const top = mid - (gap * (n - 1)) / 2;
      return Array.from({ length: n }, (_, i) => ({ x, y: top + i * gap, r: rr, gap, wide }));
    });
  }

  /** The weight or bias under a canvas pixel: { layer, unit, input } (input -1 for a
   * bias) or null. */
  hit(px, py) {
    for (const b of this.biases) {
      if (Math.abs(px - b.x) <= b.s / 2 + 2 && Math.abs(py - b.y) <= b.s / 2 + 2) return { layer: b.layer, unit: b.unit, input: -1 };
    }
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

  /** The canvas pixel where a parameter is drawn (a weight's middle, a bias's square),
   * or null. */
  paramPoint({ layer, unit, input }) {
    if (input < 0) {
      const b = this.biases.find((q) => q.layer === layer && q.unit === unit);
      if (b) return { x: b.x, y: b.y };
      const n = this.nodes[layer + 1]?.[unit];
      return n ? { x: n.x, y: n.y } : null;
    }
    const e = this.edges.find((d) => d.layer === layer && d.unit === unit && d.input === input);
    return e ? { x: (e.from.x + e.to.x) / 2, y: (e.from.y + e.to.y) / 2 } : null;
  }

  /** The node under a canvas pixel: { column, index } or null. */
  nodeAt(px, py) {
    for (const [c, col] of this.nodes.entries()) {
      for (const [i, n] of col.entries()) if (Math.hypot(px - n.x, py - n.y) <= Math.max(n.r, n.wide ? n.gap / 2 : 0)) return { column: c, index: i };
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
    const names = this.featureNames(lab);
    this.layout(sizes, names);
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
    this.drawEdges(lab, colours, sizes);
    this.drawBiases(lab, colours, sizes);
    if (selected) this.mark(selected, "#111", [6, 4]);
    this.drawHeaders(sizes);
    this.drawNodes(lab, colours, sizes, acts, names);
    if (this.focused && this.cursor) this.drawCursor();
    if (this.hover && lab.gridSide() > 0) this.drawHover(lab, sizes);
    this.overlay?.(ctx, this);
  }

  drawEdges(lab, colours, sizes) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    this.edges = [];
    for (let l = 1; l < sizes.length; l++) {
      const fanIn = sizes[l - 1];
      const ptr = lab.weightsPtr(l - 1);
      if (ptr === 0) {
        this.drawPassThrough(l);
        continue;
      }
      const wts = f32(ptr, sizes[l] * fanIn);
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
          ctx.lineWidth = (dense ? 0.3 : 0.6) + ((dense ? 1.5 : 5) * Math.abs(v / max) * dpr) / 1.5;
          ctx.beginPath();
          ctx.moveTo(from.x, from.y);
          ctx.lineTo(to.x, to.y);
          ctx.stroke();
        }
      }
    }
  }

  /** A layer without weights (dropout, batch norm): unit i feeds unit i, drawn as a
   * thin grey link, with no edge to hover or edit. */
  drawPassThrough(l) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.strokeStyle = "#7d8696";
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash([5 * dpr, 4 * dpr]);
    for (let i = 0; i < Math.min(this.nodes[l - 1].length, this.nodes[l].length); i++) {
      const from = this.nodes[l - 1][i];
      const to = this.nodes[l][i];
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }

  /** A small square per unit of a layer drawn in full, coloured by its bias. */
  drawBiases(lab, colours, sizes) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    this.biases = [];
    for (let l = 1; l < sizes.length; l++) {
      const ptr = lab.biasesPtr(l - 1);
      if (sizes[l] > WIDE || ptr === 0) continue;
      const b = f32(ptr, sizes[l]);
      let max = 1e-9;
      for (const v of b) max = Math.max(max, Math.abs(v));
      for (let j = 0; j < sizes[l]; j++) {
        const n = this.nodes[l][j];
        const s = Math.max(5 * dpr, n.r * 0.4);
        const handle = { x: n.x - n.r * 0.8, y: n.y + n.r * 0.8, s, layer: l - 1, unit: j };
        this.biases.push(handle);
        ctx.fillStyle = signedColour(colours, b[j] / max);
        ctx.strokeStyle = "#555";
        ctx.lineWidth = dpr;
        ctx.fillRect(handle.x - s / 2, handle.y - s / 2, s, s);
        ctx.strokeRect(handle.x - s / 2, handle.y - s / 2, s, s);
      }
    }
  }

  /** Outlines a weight (its line) or a bias (its square). */
  mark(p, colour, dash) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.setLineDash(dash.map((v) => v * dpr));
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2.5 * dpr;
    if (p.input < 0) {
      const b = this.biases.find((q) => q.layer === p.layer && q.unit === p.unit);
      if (b) ctx.strokeRect(b.x - b.s / 2 - 3 * dpr, b.y - b.s / 2 - 3 * dpr, b.s + 6 * dpr, b.s + 6 * dpr);
    } else {
      const e = this.edges.find((d) => d.layer === p.layer && d.unit === p.unit && d.input === p.input);
      if (e) {
        ctx.beginPath();
        ctx.moveTo(e.from.x, e.from.y);
        ctx.lineTo(e.to.x, e.to.y);
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  /** "input", "layer 1", …, "output" over the columns, with the width of a wide one. */
  drawHeaders(sizes) {
    const ctx = this.ctx;
    ctx.fillStyle = "#5b6475";
    ctx.font = `${this.font}px sans-serif`;
    ctx.textBaseline = "middle";
    const last = sizes.length - 1;
    sizes.forEach((n, c) => {
      const name = c === 0 ? "input" : c === last ? "output" : `layer ${c}`;
      const text = n > WIDE ? `${name} · ${n} units` : name;
      const x = this.nodes[c][0].x;
      const width = ctx.measureText(text).width;
      ctx.textAlign = "left";
      ctx.fillText(text, Math.max(2, Math.min(this.canvas.width - width - 2, x - width / 2)), this.top / 2);
    });
  }

  drawNodes(lab, colours, sizes, acts, names) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const side = lab.gridSide();
    const hiddenCols = sizes.length - 2;
    let unitIndex = 0;
    let offset = 0;
    const tile = this.unitTile;
    this.labels = [];
    for (let c = 0; c < sizes.length; c++) {
      let max = 1e-9;
      if (acts) for (let i = 0; i < sizes[c]; i++) max = Math.max(max, Math.abs(acts[offset + i]));
      for (let i = 0; i < sizes[c]; i++) {
        const n = this.nodes[c][i];
        const isHidden = c >= 1 && c <= hiddenCols;
        ctx.save();
        ctx.beginPath();
        ctx.arc(n.x, n.y, n.r, 0, 2 * Math.PI);
        if (isHidden && side > 0 && n.r >= 6 * dpr) {
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
        ctx.lineWidth = n.wide ? dpr : 1.5 * dpr;
        ctx.strokeStyle = "#555";
        ctx.stroke();
        if (c === 0 && !n.wide && names[i]) this.inputName(n, names[i]);
        if (acts && !n.wide && !this.overlay) this.valueLabel(n, acts[offset + i].toFixed(2));
        if (isHidden) unitIndex++;
      }
      offset += sizes[c];
    }
  }

  /** An input's name, left of its node. */
  inputName(n, name) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.fillStyle = "#1d2330";
    ctx.font = `${this.font}px sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(name, n.x - n.r - 4 * dpr, n.y);
  }

  /** A unit's activation: below it when the column leaves room, else to its right,
   * on a white ground, always inside the canvas and never over another label. */
  valueLabel(n, text) {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const font = Math.round(Math.max(9 * dpr, Math.min(12 * dpr, n.r * 0.55)));
    ctx.font = `${font}px sans-serif`;
    const tw = ctx.measureText(text).width + 4 * dpr;
    const th = font * 1.2;
    const below = n.gap - 2 * n.r >= th + 2 * dpr;
    if (!below && n.gap < th + 2 * dpr) return;
    let x = below ? n.x - tw / 2 : n.x + n.r + 3 * dpr;
    let y = below ? n.y + n.r + dpr : n.y - th / 2;
    x = Math.max(0, Math.min(this.canvas.width - tw, x));
    y = Math.max(this.top, Math.min(this.canvas.height - th, y));
    const rect = { x, y, w: tw, h: th };
    if (this.labels.some((q) => x < q.x + q.w && q.x < x + tw && y < q.y + q.h && q.y < y + th)) return;
    this.labels.push(rect);
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
    ctx.fillRect(x, y, tw, th);
    ctx.fillStyle = "#111";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, x + tw / 2, y + th / 2);
  }

  /** The keyboard's cursor: a ring round its unit, or its weight or bias outlined. */
  drawCursor() {
    const c = this.cursor;
    const dpr = window.devicePixelRatio || 1;
    if (c.kind === "param") {
      this.mark(c, "#0b63a5", [2, 2]);
      return;
    }
    const n = this.nodes[c.column]?.[c.index];
    if (!n) return;
    const ctx = this.ctx;
    ctx.strokeStyle = "#0b63a5";
    ctx.lineWidth = 3 * dpr;
    ctx.beginPath();
    ctx.arc(n.x, n.y, Math.max(n.r, 3 * dpr) + 3 * dpr, 0, 2 * Math.PI);
    ctx.stroke();
  }

  /** The hovered (or keyboard-selected) hidden unit's heatmap, enlarged beside it. */
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
    tile.width = side;
    tile.height = side;
    const img = squareImage(lab.gridUnitRgba(unit), side);
    tile.getContext("2d").putImageData(img, 0, 0);
    this.ctx.drawImage(tile, x, y, big, big);
    this.ctx.strokeStyle = "#111";
    this.ctx.lineWidth = 2;
    this.ctx.strokeRect(x, y, big, big);
  }
}
