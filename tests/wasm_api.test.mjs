// The JavaScript API, exercised in Node on the wasm module `scripts/build` produced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, evaluate, gradientCheck, Lab } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const wasm = initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const seeds = JSON.parse(readFileSync(here("../../shared/reference/seed-examples.json"), "utf8"));

/** Relative tolerance of the golden comparison. */
const RTOL = 1e-9;

function assertClose(got, want, path) {
  if (Array.isArray(want)) {
    assert.equal(got.length, want.length, `${path}: length`);
    want.forEach((w, i) => assertClose(got[i], w, `${path}[${i}]`));
  } else if (typeof want === "object") {
    for (const k of Object.keys(want)) assertClose(got[k], want[k], `${path}.${k}`);
  } else {
    const scale = Math.max(Math.abs(got), Math.abs(want));
    assert.ok(Math.abs(got - want) <= RTOL * scale || scale < 1e-15, `${path}: ${got} vs ${want}`);
  }
}

test("evaluate reproduces every seed example", () => {
  for (const ex of seeds.examples) {
    const got = JSON.parse(evaluate(JSON.stringify(ex.model), ex.csv));
    for (const key of ["loss", "outputs", "gradients"]) assertClose(got[key], ex.expect[key], `${ex.name}.${key}`);
  }
});

test("gradientCheck reports a relative error per tensor", () => {
  const ex = seeds.examples[0];
  const out = JSON.parse(gradientCheck(JSON.stringify(ex.model), ex.csv, 1e-5));
  assert.equal(out.tensors.length, 4);
  assert.ok(out.max_relative_error < 1e-8, `${out.max_relative_error}`);
});

test("bad input throws an Error with a clear message", () => {
  const model = JSON.stringify(seeds.examples[0].model);
  assert.throws(() => evaluate("{", "x0,x1,label\n1,2,0\n"), /not valid JSON/);
  assert.throws(() => evaluate(model, ""), /the CSV is empty/);
  assert.throws(() => evaluate(model, "x0,x1,label\n1,2\n"), /line 2: 2 fields, but the header has 3/);
  assert.throws(() => new Lab('{"training": {"batch_size": 0}}'), /batch size/);
  assert.throws(() => new Lab('{"data": {"kind": "csv"}}'), /CSV file has not been loaded/);
});

test("a Lab trains circles and exposes its arrays as views over wasm memory", () => {
  const lab = new Lab(JSON.stringify({ data: { kind: "circles", points: 400, noise: 0.05 } }));
  for (let i = 0; i < 100; i++) lab.runEpoch();
  assert.equal(lab.epoch(), 100);
  assert.ok(lab.last("val_accuracy") > 0.9, `val accuracy ${lab.last("val_accuracy")}`);
  lab.updateGrid(50, "standard");
  const side = lab.gridSide();
  const rgba = new Uint8Array(wasm.memory.buffer, lab.gridOutputPtr(), side * side * 4);
  assert.equal(side, 50);
  assert.ok(rgba.some((v, i) => i % 4 === 0 && v !== rgba[0]), "the heatmap varies");
  const n = lab.historyLen("train_loss", 0);
  const losses = new Float64Array(wasm.memory.buffer, lab.historyPtr("train_loss", 0), n);
  assert.equal(n, 100);
  assert.ok(losses[n - 1] < losses[0]);
  const bytesBefore = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 200; i++) lab.runEpoch();
  lab.updateGrid(50, "standard");
  assert.equal(wasm.memory.buffer.byteLength, bytesBefore, "training does not grow memory");
  const exported = lab.exportModel();
  const again = new Lab(JSON.stringify({ data: { kind: "circles", points: 400, noise: 0.05 } }));
  again.importWeights(exported);
  const k = lab.rows();
  const p1 = Float32Array.from(new Float32Array(wasm.memory.buffer, lab.predictionsPtr(), k));
  const p2 = new Float32Array(wasm.memory.buffer, again.predictionsPtr(), k);
  assert.deepEqual(Array.from(p2), Array.from(p1));
});

test("a diverging learning rate stops with a message and keeps finite weights", () => {
  const lab = new Lab(JSON.stringify({
    data: { kind: "toy1d", points: 200 },
    network: { hidden: [{ units: 8, activation: "relu" }], init: "gaussian", init_std: 3 },
    training: { learning_rate: 900, batch_size: 200 },
  }));
  assert.throws(() => { for (let i = 0; i < 1000; i++) lab.step(1); }, /training diverged/);
  const w = new Float32Array(wasm.memory.buffer, lab.weightsPtr(0), 8);
  assert.ok(w.every(Number.isFinite));
});

test("the SIMD training path (batch across lanes) trains as the scalar one does", () => {
  const nets = [
    { hidden: [{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }], output: "tanh", loss: "mse", batch: 10 },
    { hidden: [{ units: 6, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", batch: 37 },
    { hidden: [{ units: 5, activation: "sigmoid" }, { units: 3, activation: "swish" }], output: "identity", loss: "sigmoid_cross_entropy", batch: 3 },
    { hidden: [{ units: 7, activation: "leaky_relu" }], output: "tanh", loss: "sse", batch: 16 },
  ];
  for (const n of nets) {
    /** The mean batch cost of the first and fourth epochs, and the fourth's accuracy. */
    const train = (kernel) => {
      const lab = new Lab(JSON.stringify({
        data: { kind: "circles", points: 300, validation: 0, seed: 2 },
        network: { hidden: n.hidden, output: n.output, loss: n.loss, seed: 3 },
        training: { optimizer: "sgd", learning_rate: 0.05, batch_size: n.batch, shuffle: true, kernel },
      }));
      lab.runEpoch();
      const first = lab.last("train_loss");
      for (let e = 1; e < 4; e++) lab.runEpoch();
      const out = [first, lab.last("train_loss"), lab.last("train_accuracy")];
      lab.free();
      return out;
    };
    const [before, simd, accSimd] = train("simd");
    const [, scalar, accScalar] = train("scalar");
    assert.ok(simd < before, `${n.loss}: the cost fell (${before} to ${simd})`);
    assert.ok(Math.abs(simd - scalar) <= 1e-4 * Math.abs(scalar), `${n.loss}, batch ${n.batch}: ${simd} vs ${scalar}`);
    assert.ok(Math.abs(accSimd - accScalar) <= 0.01, `${n.loss}: accuracy ${accSimd} vs ${accScalar}`);
  }
});
