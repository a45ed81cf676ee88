// The ONNX export of the layers beyond dense (issue 14's bridge, issue 16's layers):
// a convnet on the 8x8 digits (conv 3x3 pad 1 ReLU, maxpool 2, flatten, batch norm with
// running statistics away from 0 and 1, dropout, dense 10 softmax, standardised pixels)
// and the tied autoencoder of /work/shared/reference/layer-examples.json. modelToOnnx
// writes the file; onnx.checker (full check) accepts it and onnxruntime, fed the flat
// pixel rows as Lab.dataPtr() holds them, reproduces the engine's f64 outputs (evaluate,
// evaluation mode) to 1e-5 (tests/onnx_check.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync, Lab, evaluate, modelToOnnx } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const wasm = initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const TOL = 1e-5;

/** A seeded stream of numbers in [-1, 1) (a linear congruential generator). */
function stream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Nested lists of `shape` drawn from `next`, scaled and shifted. */
function tensor(shape, next, scale = 1, shift = 0) {
  if (shape.length === 0) return shift + scale * next();
  return Array.from({ length: shape[0] }, () => tensor(shape.slice(1), next, scale, shift));
}

/** Largest |onnxruntime - want| over the rows of `x` (tests/onnx_check.py). */
function check(onnx, x, want, rows) {
  const dir = mkdtempSync(join(tmpdir(), "onnx-layers-"));
  writeFileSync(join(dir, "model.onnx"), onnx);
  writeFileSync(join(dir, "x.f32"), x);
  writeFileSync(join(dir, "p.f32"), want);
  const out = execFileSync("python3", [here("onnx_check.py"), join(dir, "model.onnx"), join(dir, "x.f32"), join(dir, "p.f32"), String(rows)], { encoding: "utf8" });
  return Number(out.trim());
}

function softmax(z) {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** 200 digits as the page holds them (raw pixels), their labels, and the page's
 * standardisation of the 64 pixels. */
function digits() {
  const bytes = new Uint8Array(readFileSync(here("../www/data/digits.bin")));
  const lab = new Lab(JSON.stringify({ data: { kind: "digits" }, features: { standardize: true } }), bytes);
  const rows = 200;
  assert.equal(lab.features(), 64);
  const x = new Float32Array(wasm.memory.buffer, lab.dataPtr(), rows * 64).slice();
  const labels = new Uint32Array(wasm.memory.buffer, lab.labelsPtr(), rows).slice();
  const transform = JSON.parse(lab.exportModel()).input_transform;
  lab.free();
  assert.equal(transform.mean.length, 64);
  return { x, labels, rows, transform };
}

function convnet(next, transform) {
  return {
    format: "backprop-lab.model", version: 1, input_dim: 64, input_shape: [1, 8, 8], loss: "softmax_cross_entropy", reduction: "mean", l2: 0,
    input_transform: transform,
    layers: [
      { kind: "conv2d", filters: 4, kernel: [3, 3], stride: 1, pad: 1, activation: "relu", weights: tensor([4, 1, 3, 3], next, 0.5), biases: tensor([4], next, 0.1) },
      { kind: "maxpool2d", size: 2, stride: 2 },
      { kind: "flatten" },
      { kind: "batchnorm", momentum: 0.9, eps: 1e-5, gamma: tensor([64], next, 0.3, 1), beta: tensor([64], next, 0.2), running_mean: tensor([64], next, 0.3, 0.6), running_var: tensor([64], next, 0.4, 0.8) },
      { kind: "dropout", p: 0.25 },
      { units: 10, activation: "identity", weights: tensor([10, 64], next, 0.3), biases: tensor([10], next, 0.1) },
    ],
  };
}

test("onnxruntime reproduces a convnet with batch norm and dropout on the 8x8 digits", (t) => {
  const { x, labels, rows, transform } = digits();
  const model = convnet(stream(14), transform);
  const csv = ["# image: 1x8x8", [...Array(64).keys()].map((i) => `p${i}`).concat(["label"]).join(",")];
  for (let r = 0; r < rows; r++) csv.push([...x.subarray(r * 64, r * 64 + 64)].concat([labels[r]]).join(","));
  const { outputs } = JSON.parse(evaluate(JSON.stringify(model), csv.join("\n") + "\n", { mode: "eval" }));
  const want = new Float32Array(outputs.flatMap(softmax));
  assert.ok(want.some((v) => Math.abs(v - want[0]) > 0.05), "the probabilities vary");
  const worst = check(modelToOnnx(JSON.stringify(model)), x, want, rows);
  assert.ok(worst < TOL, `largest difference ${worst}`);
  t.diagnostic(`${rows} digits x 10 probabilities, largest difference ${worst}`);
  // The running statistics are in the graph: other variances give other answers.
  model.layers[3].running_var = model.layers[3].running_var.map((v) => 2 * v);
  const off = check(modelToOnnx(JSON.stringify(model)), x, want, rows);
  assert.ok(off > 1e-3, `difference with doubled variances ${off}`);
});

test("onnxruntime reproduces the tied autoencoder, its W shared by both Gemms", (t) => {
  const examples = JSON.parse(readFileSync("/work/shared/reference/layer-examples.json", "utf8")).examples;
  const example = examples.find((e) => e.name === "seed002-tied-autoencoder");
  const x = new Float32Array(example.csv.trim().split("\n").slice(1).flatMap((line) => line.split(",").slice(0, 4).map(Number)));
  const rows = x.length / 4;
  const reference = check(modelToOnnx(JSON.stringify(example.model)), x, new Float32Array(example.expect.outputs.flat()), rows);
  assert.ok(reference < TOL, `against the reference outputs: ${reference}`);
  // With its own biases and a sigmoid the tied layer still matches the engine.
  const model = structuredClone(example.model);
  model.layers[0].biases = [0.3, -0.2];
  model.layers[1] = { ...model.layers[1], activation: "sigmoid", biases: [0.1, -0.4, 0.25, 0.5] };
  const { outputs } = JSON.parse(evaluate(JSON.stringify(model), example.csv));
  const worst = check(modelToOnnx(JSON.stringify(model)), x, new Float32Array(outputs.flat()), rows);
  assert.ok(worst < TOL, `largest difference ${worst}`);
  t.diagnostic(`reference ${reference}, with biases and sigmoid ${worst}`);
});
