// Soak benchmark: trains the default circles network for 100,000 steps with the
// page's per-frame calls (heatmaps, predictions, history, confusion) and prints wasm
// memory after warm-up and at the end. Run after scripts/build: node scripts/soak.mjs
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Lab } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const wasm = initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const STEPS = Number(process.env.SOAK_STEPS ?? 100000);
const PER_FRAME = 100;

const lab = new Lab(JSON.stringify({ data: { kind: "circles" } }));
function frame() {
  lab.step(PER_FRAME);
  lab.updateGrid(48, "standard");
  lab.predictionsPtr();
  lab.confusion();
  lab.historyLen("step_loss", 0);
  lab.pointActivationsPtr(0);
}
for (let i = 0; i < 20; i++) frame();
const warm = wasm.memory.buffer.byteLength;
const t0 = performance.now();
for (let done = 0; done < STEPS; done += PER_FRAME) frame();
const seconds = (performance.now() - t0) / 1000;
const end = wasm.memory.buffer.byteLength;
console.log(`soak: ${STEPS} steps (${lab.epoch()} epochs) in ${seconds.toFixed(1)} s with per-frame views every ${PER_FRAME} steps`);
console.log(`soak: wasm memory after warm-up ${warm} bytes, at the end ${end} bytes, growth ${end - warm} bytes`);
console.log(`soak: history kept ${lab.historyLen("step_loss", 0)} points of step loss (stride ${lab.historyStride("step_loss", 0)})`);
if (end !== warm) process.exitCode = 1;
