// The Python example in docs/ loads an exported model with numpy and reproduces the
// page's predictions.
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
/** f32 training against numpy's f64 forward pass. */
const TOL = 1e-5;

for (const [name, config] of [
  ["circles with derived features and standardisation", { data: { kind: "circles" }, features: { derived: ["x1^2", "x1*x2"], standardize: true } }],
  ["three spirals, softmax", { data: { kind: "spirals", classes: 3, points: 300 }, network: { hidden: [{ units: 8, activation: "relu" }, { units: 6, activation: "swish" }] } }],
]) {
  test(`docs/predict.py reproduces the page: ${name}`, () => {
    const lab = new Lab(JSON.stringify(config));
    for (let i = 0; i < 30; i++) lab.runEpoch();
    const dir = mkdtempSync(join(tmpdir(), "predict-"));
    writeFileSync(join(dir, "model.json"), lab.exportModel());
    const n = lab.rows();
    const x = new Float32Array(wasm.memory.buffer, lab.dataPtr(), n * 2);
    const lines = ["x1,x2"];
    for (let r = 0; r < n; r++) lines.push(`${x[2 * r]},${x[2 * r + 1]}`);
    writeFileSync(join(dir, "data.csv"), lines.join("\n"));
    const out = execFileSync("python3", [here("../docs/predict.py"), join(dir, "model.json"), join(dir, "data.csv")], { encoding: "utf8" });
    const rows = out.trim().split("\n").map((l) => l.split(" ").map(Number));
    const k = rows[0].length;
    const page = new Float32Array(wasm.memory.buffer, lab.predictionsPtr(), n * k);
    assert.equal(rows.length, n);
    let worst = 0;
    rows.forEach((row, r) => row.forEach((v, c) => { worst = Math.max(worst, Math.abs(v - page[r * k + c])); }));
    assert.ok(worst < TOL, `largest difference ${worst}`);
  });
}
