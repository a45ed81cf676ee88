// Lab.exportOnnx(): onnx.checker accepts the file and onnxruntime, fed the raw features
// exactly as Lab.dataPtr() holds them, reproduces Lab.predictionsPtr() to 1e-5, with
// derived features and standardisation inside the graph (tests/onnx_check.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initSync, Lab } from "../www/pkg/backprop_lab.js";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const wasm = initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });
const TOL = 1e-5;

const cases = [
  ["circles, x1², x2², x1·x2, sin x1, sin x2, standardised, tanh", { data: { kind: "circles" },
    features: { derived: ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], standardize: true } }],
  ["three spirals, softmax, relu and swish", { data: { kind: "spirals", classes: 3, points: 300 }, features: { derived: ["x1^2", "sin(x2)"] },
    network: { hidden: [{ units: 8, activation: "relu" }, { units: 6, activation: "swish" }] } }],
  ["every other activation, standardised", { data: { kind: "moons" }, features: { standardize: true },
    network: { hidden: [{ units: 5, activation: "leaky_relu" }, { units: 4, activation: "sigmoid" }, { units: 4, activation: "sin" }, { units: 3, activation: "cos" }, { units: 3, activation: "exp" }] } }],
  ["x1 switched off, x1² and sin x1 still read it", { data: { kind: "circles" },
    features: { x1: false, derived: ["x1^2", "sin(x1)"], standardize: true } }],
  ["toy1d regression, raw output", { data: { kind: "toy1d" }, features: { standardize: true } }],
  ["digits, 64 raw pixels, softmax over 10", { data: { kind: "digits" }, features: { standardize: true } }],
  ["a digits convnet: conv, batch norm (trained running statistics), max pool, flatten, dropout", { data: { kind: "digits" }, features: { standardize: true },
    network: { hidden: [{ kind: "conv2d", filters: 4, kernel: [3, 3], stride: 1, pad: 1, activation: "relu" }, { kind: "batchnorm", momentum: 0.9, eps: 1e-5 },
      { kind: "maxpool2d", size: 2, stride: 2 }, { kind: "flatten" }, { kind: "dropout", p: 0.25 }] } }],
];

for (const [name, config] of cases) {
  test(`onnxruntime reproduces the page: ${name}`, (t) => {
    const bytes = config.data.kind === "digits" ? new Uint8Array(readFileSync(here("../www/data/digits.bin"))) : undefined;
    const lab = new Lab(JSON.stringify(config), bytes);
    for (let i = 0; i < 20; i++) lab.runEpoch();
    const onnx = lab.exportOnnx();
    assert.ok(onnx instanceof Uint8Array && onnx.length > 100, "a Uint8Array");
    const n = lab.rows();
    const x = new Float32Array(wasm.memory.buffer, lab.dataPtr(), n * lab.features()).slice();
    const k = lab.layerSizes().at(-1);
    const page = new Float32Array(wasm.memory.buffer, lab.predictionsPtr(), n * k).slice();
    assert.ok(page.some((v) => v !== page[0]), "the predictions vary");
    const dir = mkdtempSync(join(tmpdir(), "onnx-"));
    writeFileSync(join(dir, "model.onnx"), onnx);
    writeFileSync(join(dir, "x.f32"), x);
    writeFileSync(join(dir, "p.f32"), page);
    const out = execFileSync("python3", [here("onnx_check.py"), join(dir, "model.onnx"), join(dir, "x.f32"), join(dir, "p.f32"), String(n)], { encoding: "utf8" });
    const worst = Number(out.trim());
    assert.ok(worst < TOL, `largest difference ${worst}`);
    t.diagnostic(`${n} rows x ${k} outputs, largest difference ${worst}`);
    lab.free();
  });
}

test("a changed weight changes onnxruntime's answer (the check bites)", () => {
  const lab = new Lab(JSON.stringify({ data: { kind: "circles" }, features: { standardize: true } }));
  for (let i = 0; i < 20; i++) lab.runEpoch();
  const n = lab.rows();
  const x = new Float32Array(wasm.memory.buffer, lab.dataPtr(), n * 2).slice();
  const k = lab.layerSizes().at(-1);
  const page = new Float32Array(wasm.memory.buffer, lab.predictionsPtr(), n * k).slice();
  const model = JSON.parse(lab.exportModel());
  model.layers[0].biases[0] += 0.5;
  lab.importWeights(JSON.stringify(model));
  const dir = mkdtempSync(join(tmpdir(), "onnx-"));
  writeFileSync(join(dir, "model.onnx"), lab.exportOnnx());
  writeFileSync(join(dir, "x.f32"), x);
  writeFileSync(join(dir, "p.f32"), page);
  const out = execFileSync("python3", [here("onnx_check.py"), join(dir, "model.onnx"), join(dir, "x.f32"), join(dir, "p.f32"), String(n)], { encoding: "utf8" });
  assert.ok(Number(out.trim()) > 1e-3, `difference ${out.trim()}`);
});

test("the page's Export ONNX button downloads the network the page shows", async () => {
  const { start, ready } = await import("./browser/harness.mjs");
  const h = await start();
  try {
    const page = await h.newPage();
    await page.goto(h.url);
    await ready(page);
    await page.selectOption("#data-kind", "spirals");
    await page.waitForFunction(() => window.backpropLab.state().data.kind === "spirals");
    for (let i = 0; i < 5; i++) await page.click("#step");
    await page.waitForFunction(() => window.backpropLab.lab().steps() === 5);
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export ONNX" }).click();
    const file = await (await download).path();
    assert.equal((await download).suggestedFilename(), "backprop-lab-model.onnx");
    const { x, p, n } = await page.evaluate(() => {
      const lab = window.backpropLab.lab();
      const mem = window.backpropLab.memory.buffer;
      const rows = lab.rows();
      const k = lab.layerSizes().at(-1);
      return {
        x: Array.from(new Float32Array(mem, lab.dataPtr(), rows * lab.features())),
        p: Array.from(new Float32Array(mem, lab.predictionsPtr(), rows * k)),
        n: rows,
      };
    });
    const dir = mkdtempSync(join(tmpdir(), "onnx-page-"));
    writeFileSync(join(dir, "x.f32"), new Float32Array(x));
    writeFileSync(join(dir, "p.f32"), new Float32Array(p));
    const out = execFileSync("python3", [here("onnx_check.py"), file, join(dir, "x.f32"), join(dir, "p.f32"), String(n)], { encoding: "utf8" });
    assert.ok(Number(out.trim()) < TOL, `largest difference ${out.trim()}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await h.close();
  }
});
