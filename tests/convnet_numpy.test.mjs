// A small convnet, and batch norm, through evaluate() against numpy written from the
// formulas (tests/convnet_numpy.py; cs231n's for batch norm), in both modes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync, evaluate } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });

/** Both are f64 throughout: only the order of the sums differs. */
const RTOL = 1e-9;

/** A seeded stream of numbers in [-1, 1) (a linear congruential generator). */
function stream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** Nested lists of `shape` drawn from `next`, scaled. */
function tensor(shape, next, scale = 1) {
  if (shape.length === 0) return scale * next();
  return Array.from({ length: shape[0] }, () => tensor(shape.slice(1), next, scale));
}

function assertClose(got, want, path) {
  if (Array.isArray(want)) {
    assert.equal(got.length, want.length, `${path}: length`);
    want.forEach((w, i) => assertClose(got[i], w, `${path}[${i}]`));
  } else if (typeof want === "object") {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${path}: keys`);
    for (const k of Object.keys(want)) assertClose(got[k], want[k], `${path}.${k}`);
  } else {
    const scale = Math.max(Math.abs(got), Math.abs(want));
    assert.ok(Math.abs(got - want) <= RTOL * scale || scale < 1e-14, `${path}: ${got} vs ${want}`);
  }
}

/** conv 4 filters 3x3 pad 1 on 2x6x6, [batch norm per channel], maxpool 2, flatten,
 * [batch norm per feature], dense 3. */
function convnet(next, withBatchNorm) {
  const layers = [{ kind: "conv2d", filters: 4, kernel: [3, 3], stride: 1, pad: 1, activation: "relu", weights: tensor([4, 2, 3, 3], next, 0.4), biases: tensor([4], next, 0.1) }];
  const bn = (n) => ({ kind: "batchnorm", gamma: tensor([n], next, 0.3).map((v) => 1 + v), beta: tensor([n], next, 0.2), running_mean: tensor([n], next, 0.2), running_var: tensor([n], next, 0.3).map((v) => 1 + v), momentum: 0.9, eps: 1e-5 });
  if (withBatchNorm) layers.push(bn(4));
  layers.push({ kind: "maxpool2d", size: 2, stride: 2 }, { kind: "flatten" });
  if (withBatchNorm) layers.push(bn(36));
  layers.push({ units: 3, activation: "identity", weights: tensor([3, 36], next, 0.2), biases: tensor([3], next, 0.1) });
  return { format: "backprop-lab.model", version: 1, input_dim: 72, input_shape: [2, 6, 6], layers, loss: "softmax_cross_entropy", reduction: "mean", l2: 0.01 };
}

function csv(next, rows) {
  const head = Array.from({ length: 72 }, (_, i) => `p${i}`).concat(["label"]);
  const lines = ["# image: 2x6x6", head.join(",")];
  for (let r = 0; r < rows; r++) lines.push(tensor([72], next).concat([r % 3]).join(","));
  return lines.join("\n") + "\n";
}

for (const [name, withBatchNorm, mode] of [
  ["conv, ReLU, maxpool, flatten, dense", false, "eval"],
  ["with batch norm per channel and per feature, evaluation mode", true, "eval"],
  ["with batch norm per channel and per feature, training mode", true, "train"],
]) {
  test(`evaluate matches numpy: ${name}`, () => {
    const next = stream(2026);
    const model = convnet(next, withBatchNorm);
    const data = csv(next, 5);
    const dir = mkdtempSync(join(tmpdir(), "convnet-"));
    writeFileSync(join(dir, "model.json"), JSON.stringify(model));
    writeFileSync(join(dir, "data.csv"), data);
    const out = execFileSync("python3", [here("convnet_numpy.py"), join(dir, "model.json"), join(dir, "data.csv"), mode], { encoding: "utf8" });
    const want = JSON.parse(out);
    const got = JSON.parse(evaluate(JSON.stringify(model), data, { mode }));
    for (const key of ["loss", "outputs", "gradients"]) assertClose(got[key], want[key], key);
  });
}
