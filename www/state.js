// The page's one source of truth: every setting in one table, with pure parse and
// serialise functions. The engine receives `engineConfig(state)`; views read `state.view`.

/** Activation names the engine knows, in menu order. */
export const ACTIVATIONS = ["tanh", "relu", "sigmoid", "identity", "leaky_relu", "swish", "sin", "cos", "exp"];
/** Datasets in menu order, with their labels. */
export const DATASETS = {
  circles: "Circles", xor: "XOR", spirals: "Spirals", moons: "Moons", blobs: "Gaussian blobs (CMU)",
  toy1d: "1-D step toy", digits: "8x8 digits", csv: "Uploaded CSV",
};
/** The training paces the speed control offers, in steps per second; the last, null,
 * is "max" (as fast as the engine goes). The default, 200 steps/s, takes the default
 * circles network to validation accuracy 0.95 in about 12 s (epoch 120 of 20 steps),
 * slow enough to watch the boundary form. */
export const PACES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, null];

/** The readout of pace `i`: "200 steps/s", or "max". */
export function paceLabel(i) {
  const rate = PACES[i];
  if (rate === undefined) return "";
  return rate === null ? "max" : `${rate.toLocaleString("en")} step${rate === 1 ? "" : "s"}/s`;
}

/** Derived 2-D input features. */
export const DERIVED = ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];

/**
 * Every scalar setting: path, kind, default and range. Lists (hidden layers, derived
 * features, edited points) are checked by their own rules in `parse`.
 */
export const SETTINGS = [
  ["data.kind", "enum", "circles", Object.keys(DATASETS)],
  ["data.points", "int", 400, [10, 10000]],
  ["data.noise", "float", 0.1, [0, 2]],
  ["data.factor", "float", 0.5, [0.05, 0.95]],
  ["data.classes", "int", 3, [2, 8]],
  ["data.validation", "float", 0.5, [0, 0.9]],
  ["data.seed", "int", 1, [0, 2 ** 31]],
  ["data.limit", "int", 0, [0, 10000]],
  ["features.standardize", "bool", false],
  ["network.output", "enum", "auto", ["auto", ...ACTIVATIONS]],
  ["network.loss", "enum", "auto", ["auto", "mse", "sse", "softmax_cross_entropy", "sigmoid_cross_entropy"]],
  ["network.reduction", "enum", "mean", ["mean", "sum"]],
  ["network.init", "enum", "xavier", ["xavier", "gaussian", "he", "uniform01", "zeros", "constant"]],
  ["network.init_std", "float", 0.1, [1e-6, 10]],
  ["network.seed", "int", 1, [0, 2 ** 31]],
  ["training.optimizer", "enum", "sgd", ["sgd", "momentum", "adam"]],
  ["training.learning_rate", "float", 0.03, [0, 1000]],
  ["training.batch_size", "int", 10, [1, 10000]],
  ["training.l2", "float", 0, [0, 10]],
  ["training.lr_decay", "float", 1, [0.5, 1]],
  ["training.shuffle", "bool", true],
  ["view.pace", "int", 7, [0, PACES.length - 1]],
  ["view.palette", "enum", "standard", ["standard", "colorblind"]],
  ["view.log_scale", "bool", false],
  ["view.stop", "enum", "none", ["none", "val_accuracy", "val_loss", "epochs"]],
  ["view.stop_value", "float", 0.95, [0, 1e9]],
  ["view.example", "int", 0, [0, 10000]],
];

const DEFAULT_HIDDEN = [{ units: 4, activation: "tanh" }, { units: 2, activation: "tanh" }];
/** Limits the engine enforces too, repeated here only to clamp form input early. */
export const MAX_LAYERS = 8;
export const MAX_UNITS = 128;

function get(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function set(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

/** The default state. */
export function defaults() {
  const s = {};
  for (const [path, , def] of SETTINGS) set(s, path, def);
  s.network.hidden = structuredClone(DEFAULT_HIDDEN);
  s.features.derived = [];
  s.data.added = [];
  s.data.removed = [];
  return s;
}

function check(kind, value, range) {
  switch (kind) {
    case "enum": return range.includes(value);
    case "bool": return typeof value === "boolean";
    case "int": return Number.isInteger(value) && value >= range[0] && value <= range[1];
    case "float": return typeof value === "number" && Number.isFinite(value) && value >= range[0] && value <= range[1];
    default: return false;
  }
}

/**
 * Reads any object into a valid state. Unknown keys are dropped; invalid values fall
 * back to their defaults. Returns { state, notes } with one note per replaced value.
 */
export function parse(input) {
  const state = defaults();
  const notes = [];
  if (input === null || typeof input !== "object") {
    return { state, notes: input === undefined ? [] : ["the saved settings were not an object; defaults used"] };
  }
  for (const [path, kind, def, range] of SETTINGS) {
    const v = get(input, path);
    if (v === undefined) continue;
    if (check(kind, v, range)) set(state, path, v);
    else notes.push(`${path}: ${JSON.stringify(v)} is not valid; using ${JSON.stringify(def)}`);
  }
  const hidden = get(input, "network.hidden");
  if (hidden !== undefined) {
    const ok = Array.isArray(hidden) && hidden.length <= MAX_LAYERS && hidden.every((l) =>
      l && Number.isInteger(l.units) && l.units >= 1 && l.units <= MAX_UNITS && ACTIVATIONS.includes(l.activation));
    if (ok) state.network.hidden = hidden.map((l) => ({ units: l.units, activation: l.activation }));
    else notes.push("network.hidden is not a valid list of layers; using the default network");
  }
  const derived = get(input, "features.derived");
  if (derived !== undefined) {
    if (Array.isArray(derived) && derived.every((d) => DERIVED.includes(d))) state.features.derived = [...new Set(derived)];
    else notes.push("features.derived has unknown features; none used");
  }
  const added = get(input, "data.added");
  if (added !== undefined) {
    const ok = Array.isArray(added) && added.length <= 10000 && added.every((p) =>
      Array.isArray(p) && p.length === 3 && p.every(Number.isFinite) && Number.isInteger(p[2]) && p[2] >= 0);
    if (ok) state.data.added = added.map((p) => [...p]);
    else notes.push("data.added is not a list of [x1, x2, class] points; dropped");
  }
  const removed = get(input, "data.removed");
  if (removed !== undefined) {
    if (Array.isArray(removed) && removed.length <= 10000 && removed.every((i) => Number.isInteger(i) && i >= 0)) {
      state.data.removed = [...removed];
    } else notes.push("data.removed is not a list of row numbers; dropped");
  }
  return { state, notes };
}

/** The part of the state the engine builds a Lab from, as JSON. */
export function engineConfig(state) {
  const { data, features, network, training } = state;
  return JSON.stringify({ data, features, network, training });
}

/** True when two states build different Labs (anything but training and view changed). */
export function needsRebuild(a, b) {
  const key = (s) => JSON.stringify({ d: s.data, f: s.features, n: s.network, b: s.training.batch_size });
  return key(a) !== key(b);
}

/** The saved-state envelope in browser storage. */
export const STORAGE_KEY = "backprop-lab";
export const STORAGE_VERSION = 1;
/** The saved run (counters, history, timeline) beside the envelope, and the most
 * numbers it may hold (1.2 MB; a longer timeline is thinned evenly to fit). */
export const RUN_STORAGE_KEY = `${STORAGE_KEY}.run`;
export const RUN_STORAGE_VALUES = 150000;

/**
 * Reads the saved envelope text: { state, model, notes }. A missing save gives the
 * defaults; an old, newer or corrupted one gives the defaults and a note, never throws.
 */
export function readSaved(text) {
  if (text == null) return { state: defaults(), model: null, notes: [] };
  let env;
  try {
    env = JSON.parse(text);
  } catch {
    return { state: defaults(), model: null, notes: ["the saved session was corrupted and could not be read; starting afresh"] };
  }
  if (!env || env.version !== STORAGE_VERSION) {
    return { state: defaults(), model: null, notes: [`the saved session has version ${JSON.stringify(env?.version)}; this page reads version ${STORAGE_VERSION}, so it starts afresh`] };
  }
  const { state, notes } = parse(env.state);
  const model = typeof env.model === "string" ? env.model : null;
  return { state, model, notes };
}

/** A run (a Lab's `exportRun`, f64 numbers) as text for browser storage: base64. */
export function writeRun(run) {
  const bytes = new Uint8Array(run.buffer, run.byteOffset, run.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The run saved by `writeRun`, or null when there is none or it is damaged (the Lab
 * checks what it holds). */
export function readRun(text) {
  if (typeof text !== "string") return null;
  try {
    const raw = atob(text);
    if (raw.length % 8 !== 0) return null;
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return new Float64Array(bytes.buffer);
  } catch {
    return null;
  }
}

/** The envelope text to save. */
export function writeSaved(state, model) {
  return JSON.stringify({ version: STORAGE_VERSION, state, model });
}
