// Which build of the engine this browser runs: scripts/build makes a plain simd128
// module and one with relaxed SIMD (fused multiply-adds, about 9% faster products).

/** The smallest module with one relaxed-SIMD instruction (f32x4.relaxed_madd of its
 * three v128 parameters): WebAssembly.validate accepts it only where the browser has
 * relaxed SIMD. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Whether this browser runs relaxed SIMD. */
export const relaxedSimd = WebAssembly.validate(RELAXED_PROBE);

/** The file name of the engine's module for this browser, in a pkg directory. */
export const moduleFile = relaxedSimd ? "backprop_lab_relaxed_bg.wasm" : "backprop_lab_bg.wasm";

/** Most threads the training worker's pool gets: the products it splits stop paying
 * beyond a few blocks. */
const MAX_THREADS = 4;

/** Threads for training: where the page is cross-origin isolated (shared memory is
 * allowed; scripts/serve.mjs sends COOP and COEP) and the browser has relaxed SIMD (the
 * threaded module is built with it), the training worker runs the threaded module on a
 * pool of this many Web Workers; 0 elsewhere, and it runs `moduleFile`. */
export const trainingThreads =
  globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === "function" && relaxedSimd
    ? Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 2))
    : 0;

/** The training worker's module and its JavaScript glue, in a pkg directory: the
 * threaded build has its own glue (it imports a shared memory and starts the pool). */
export const trainingFiles = trainingThreads
  ? { wasm: "threads/backprop_lab_bg.wasm", glue: "threads/backprop_lab.js" }
  : { wasm: moduleFile, glue: "backprop_lab.js" };
