// The page's settings in one object, with pure parse and serialise functions. Every
// setting's path, kind, range, default and options come from the engine's settings
// table, read once at load; this file repeats none of them. The engine receives
// `engineConfig(state)`; views read `state.view`.
import { settingsTable, checkSettings } from "./engine.js";

const TABLE = JSON.parse(settingsTable());

/** Every setting, as the engine's table lists them: { path, label, kind, default,
 * min and max (numbers), options ([name, label] pairs of menus and lists) }. */
export const SETTINGS = TABLE.settings;

/** The training paces the speed control offers, in steps per second; the last, null,
 * is "max" (as fast as the engine goes). */
export const PACES = TABLE.paces;

/** The data settings only some datasets read, and which each dataset reads. */
export const SHAPING = TABLE.shaping;
export const READS = TABLE.reads;

/** The table's row of a setting. */
export const setting = (path) => SETTINGS.find((r) => r.path === path);

/** The readout of pace `i`: "200 steps/s", or "max". */
export function paceLabel(i) {
  const rate = PACES[i];
  if (rate === undefined) return "";
  return rate === null ? "max" : `${rate.toLocaleString("en")} step${rate === 1 ? "" : "s"}/s`;
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
  for (const r of SETTINGS) set(s, r.path, structuredClone(r.default));
  return s;
}

/**
 * Reads any object into a valid state, checked by the engine against its table: a
 * value it cannot take gets its default, and every replaced value and unknown key a
 * note naming it. Returns { state, notes }.
 */
export function parse(input) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { state: defaults(), notes: input === undefined ? [] : ["the saved settings were not an object; defaults used"] };
  }
  const { settings, notes } = JSON.parse(checkSettings(JSON.stringify(input)));
  return { state: settings, notes };
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
