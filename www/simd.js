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
