// With shuffling off, mini-batches visit the training rows in their file order (the
// validation rows taken out, the order kept), so a notebook's in-order loop is
// reproduced step for step: checked against numpy (tests/in_order_sgd.py).
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
/** f32 training against numpy's f64 over 20 steps. */
const TOL = 1e-5;

/** 60 rows whose class is a noisy sign of x0 + x1, in a fixed, unsorted order. */
function csv() {
  const lines = ["x0,x1,label"];
  for (let i = 0; i < 60; i++) {
    const a = Math.sin(i * 1.7) * 2;
    const b = Math.cos(i * 2.3) * 1.5;
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${a + b + 0.3 * Math.sin(i * 5.1) > 0 ? 1 : 0}`);
  }
  return lines.join("\n") + "\n";
}

test("shuffling off: twenty in-order steps equal numpy's loop over the training rows in file order", () => {
  const text = csv();
  const config = {
    data: { kind: "csv", validation: 0.25, seed: 3 },
    network: { hidden: [{ units: 3, activation: "tanh" }], seed: 5 },
    training: { optimizer: "sgd", learning_rate: 0.5, batch_size: 7, shuffle: false },
  };
  const lab = new Lab(JSON.stringify(config), new TextEncoder().encode(text));
  const dir = mkdtempSync(join(tmpdir(), "order-"));
  writeFileSync(join(dir, "model.json"), lab.exportModel());
  writeFileSync(join(dir, "data.csv"), text);
  const mask = Array.from(new Uint8Array(wasm.memory.buffer, lab.trainMaskPtr(), lab.rows()));
  assert.equal(mask.filter((m) => m === 0).length, 15, "a quarter of the rows validate");
  assert.ok(mask.slice(0, 20).includes(0), "validation rows are spread through the file");
  writeFileSync(join(dir, "mask.txt"), mask.join(","));
  const steps = 20; // 45 training rows: batches of 7, 7, 7, 7, 7, 7, 3, then again
  lab.step(steps);
  const out = execFileSync("python3", [here("in_order_sgd.py"), join(dir, "model.json"), join(dir, "data.csv"), join(dir, "mask.txt"), "7", "0.5", String(steps)], { encoding: "utf8" });
  const want = out.trim().split("\n").map(Number);
  const got = JSON.parse(lab.exportModel()).layers.flatMap((l) => [...l.weights.flat(), ...l.biases]);
  assert.equal(got.length, want.length);
  let worst = 0;
  got.forEach((g, i) => { worst = Math.max(worst, Math.abs(g - want[i])); });
  assert.ok(worst < TOL, `largest difference ${worst}`);
  // The same loop over a shuffled order does not match: the test can tell orders apart.
  const shuffled = new Lab(JSON.stringify({ ...config, training: { ...config.training, shuffle: true } }), new TextEncoder().encode(text));
  shuffled.step(steps);
  const other = JSON.parse(shuffled.exportModel()).layers.flatMap((l) => [...l.weights.flat(), ...l.biases]);
  assert.ok(other.some((v, i) => Math.abs(v - want[i]) > 100 * TOL), "a shuffled run differs");
});
