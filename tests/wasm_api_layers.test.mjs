// The layers beyond dense through the JavaScript API in Node: the two reference
// examples of issue 16 (the CMU conv_forward example and the tied autoencoder) and
// evaluate's mode option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, evaluate, gradientCheck, modelShapes } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const refs = JSON.parse(readFileSync(here("../../shared/reference/layer-examples.json"), "utf8"));

/** Relative tolerance of the golden comparison. */
const RTOL = 1e-9;

/** Compares every number of `want` (null leaves are left to the gradient check). */
function assertClose(got, want, path) {
  if (want === null) return;
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

test("evaluate reproduces both layer examples within 1e-9", () => {
  assert.equal(refs.examples.length, 2);
  for (const ex of refs.examples) {
    const got = JSON.parse(evaluate(JSON.stringify(ex.model), ex.csv));
    assert.equal(got.gradients.length, ex.model.layers.length, `${ex.name}: one entry per layer`);
    for (const key of ["loss", "outputs", "gradients"]) assertClose(got[key], ex.expect[key], `${ex.name}.${key}`);
    const check = JSON.parse(gradientCheck(JSON.stringify(ex.model), ex.csv, 1e-6));
    assert.ok(check.max_relative_error < 1e-7, `${ex.name}: ${check.max_relative_error}`);
  }
});

test("conv weights' gradient is nested F x C x KH x KW and the tied layer reports its biases", () => {
  const [conv, tied] = refs.examples;
  const g = JSON.parse(evaluate(JSON.stringify(conv.model), conv.csv)).gradients[0];
  assert.deepEqual([g.weights.length, g.weights[0].length, g.weights[0][0].length, g.weights[0][0][0].length], [3, 3, 4, 4]);
  assert.equal(g.biases.length, 3);
  const t = JSON.parse(evaluate(JSON.stringify(tied.model), tied.csv)).gradients;
  assert.deepEqual(Object.keys(t[1]), ["biases"]);
  assert.deepEqual(Object.keys(t[0]).sort(), ["biases", "weights"]);
});

/** A dense layer, batch norm per feature and a dropout before the output. */
function bnModel() {
  return JSON.stringify({
    format: "backprop-lab.model", version: 1, input_dim: 2, loss: "mse", reduction: "mean", l2: 0,
    layers: [
      { units: 3, activation: "tanh", weights: [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.8]], biases: [0, 0.1, -0.1] },
      { kind: "batchnorm", gamma: [1, 0.5, 2], beta: [0, 0.1, 0], running_mean: [0.1, 0, -0.2], running_var: [0.5, 1, 2], momentum: 0.9, eps: 1e-5 },
      { kind: "dropout", p: 0.5 },
      { units: 1, activation: "identity", weights: [[1, -1, 0.5]], biases: [0] },
    ],
  });
}
const CSV = "x0,x1,y\n1,2,0.5\n-1,0.5,-0.2\n0.3,-0.7,1\n";

test("evaluate runs in evaluation mode unless given {mode: 'train'}", () => {
  const model = bnModel();
  const plain = JSON.parse(evaluate(model, CSV));
  const asEval = JSON.parse(evaluate(model, CSV, { mode: "eval" }));
  const train = JSON.parse(evaluate(model, CSV, { mode: "train" }));
  const asText = JSON.parse(evaluate(model, CSV, '{"mode": "train"}'));
  assert.deepEqual(asEval, plain);
  assert.deepEqual(asText, train);
  assert.notEqual(train.loss, plain.loss, "batch statistics and dropout change the cost");
  assert.deepEqual(Object.keys(plain.gradients[1]).sort(), ["beta", "gamma"]);
  assert.deepEqual(plain.gradients[2], {});
  assert.throws(() => evaluate(model, CSV, { mode: "fast" }), /mode must be "train" or "eval", got "fast"/);
});

test("a bad layer is refused with the first problem named", () => {
  const ex = structuredClone(refs.examples[0].model);
  ex.layers[0].stride = 0;
  assert.throws(() => evaluate(JSON.stringify(ex), refs.examples[0].csv), /layer 1: stride must be a whole number from 1/);
  const ex2 = structuredClone(refs.examples[0].model);
  ex2.input_shape = [3, 4, 5];
  assert.throws(() => evaluate(JSON.stringify(ex2), refs.examples[0].csv), /input_shape 3x4x5 does not hold input_dim 48 values/);
});

test("modelShapes lists the shapes a model passes through, input first", () => {
  const conv = JSON.parse(modelShapes(JSON.stringify(refs.examples[0].model)));
  assert.deepEqual(conv.shapes, ["3×4×4", "3×2×2"]);
  assert.equal(conv.text, "3×4×4 → 3×2×2");
  assert.equal(JSON.parse(modelShapes(JSON.stringify(refs.examples[1].model))).text, "4 → 2 → 4");
  assert.throws(() => modelShapes("{}"), /format/);
});
