// Loads the wasm module once and offers typed-array views over its memory. Views must
// be made afresh after any engine call that may allocate (memory growth detaches them).
import init, * as api from "./pkg/backprop_lab.js";
import { moduleFile, relaxedSimd, trainingFiles, trainingThreads } from "./simd.js";

export { relaxedSimd };

const compile = (file) => WebAssembly.compileStreaming(fetch(new URL(`./pkg/${file}`, import.meta.url)));
const [compiled, threaded] = await Promise.all([compile(moduleFile), trainingThreads ? compile(trainingFiles.wasm) : null]);

/** What the training worker runs: the threaded module, its glue and its pool's size
 * where the page is cross-origin isolated, else the page's own module, compiled once
 * for both. */
export const trainingEngine = {
  module: threaded ?? compiled,
  glue: new URL(`./pkg/${trainingFiles.glue}`, import.meta.url).href,
  threads: trainingThreads,
};
/** The page's engine (the relaxed-SIMD build where the browser has it, see simd.js),
 * compiled once for the page and the comparison's worker. */
export const module = compiled;
export const wasm = await init({ module_or_path: compiled });
export const { Lab, evaluate, gradientCheck, Overlay } = api;
export const encodeLink = api.encodeLink;
export const decodeLink = api.decodeLink;
export const { settingsTable, checkSettings, nextSeed } = api;
export const lastPanic = api.lastPanic;
export const webmWithDuration = api.webmWithDuration;

/** A Float32Array view of `len` values at `ptr`. */
export const f32 = (ptr, len) => new Float32Array(wasm.memory.buffer, ptr, len);
/** A Float64Array view. */
export const f64 = (ptr, len) => new Float64Array(wasm.memory.buffer, ptr, len);
/** A Uint32Array view. */
export const u32 = (ptr, len) => new Uint32Array(wasm.memory.buffer, ptr, len);
/** A Uint8Array view. */
export const u8 = (ptr, len) => new Uint8Array(wasm.memory.buffer, ptr, len);
/** A Uint8ClampedArray view (for ImageData). */
export const rgba = (ptr, len) => new Uint8ClampedArray(wasm.memory.buffer, ptr, len);
/** An ImageData of `side` x `side` over the same memory as `bytes`, an engine view of
 * RGBA pixels. */
export const squareImage = (bytes, side) => new ImageData(new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length), side, side);

let digits = null;
/** The digits file, fetched once (it is also the offline copy). */
export async function digitsBytes() {
  if (!digits) {
    const res = await fetch(new URL("./data/digits.bin", import.meta.url));
    if (!res.ok) throw new Error(`could not load the digits (${res.status})`);
    digits = new Uint8Array(await res.arrayBuffer());
  }
  return digits;
}

const colours = new Map();
/** "rgb(r, g, b)" of class k in a palette, from the engine's palette table. */
export function classColour(palette, k) {
  const key = `${palette}/${k}`;
  if (!colours.has(key)) {
    const [r, g, b] = Lab.classColor(palette, k);
    colours.set(key, `rgb(${r}, ${g}, ${b})`);
  }
  return colours.get(key);
}
