// The engine's two builds (scripts/build): the relaxed-SIMD one where the browser
// validates relaxed SIMD, the plain simd128 one otherwise; both train the same runs,
// equal within f32 rounding (fused multiply-adds round once where the plain build rounds
// twice).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready } from "./browser/harness.mjs";

let h;
// Served without COOP/COEP: the page's own two builds, not the threaded module that an
// isolated page's training worker fetches beside them (tests/threads.test.mjs).
before(async () => { h = await start({ isolated: false }); });
after(async () => { await h?.close(); });

/** Opens the lab page, recording which engine file it fetched. */
async function open(init) {
  const page = await h.newPage();
  if (init) await page.addInitScript(init);
  const fetched = [];
  page.on("request", (r) => { if (r.url().endsWith(".wasm")) fetched.push(r.url().split("/").pop()); });
  await page.goto(h.url);
  await ready(page);
  return { page, fetched };
}

/** The page trains: one worker step moves the page's step counter by one. */
async function trainsOneStep(page) {
  const before = await page.evaluate(() => window.backpropLab.stats().steps);
  await page.keyboard.press("s");
  await page.waitForFunction((b) => window.backpropLab.stats().steps === b + 1, before, { timeout: 10000 });
}

test("Chromium runs the relaxed-SIMD build, and the page trains on it", async () => {
  const { page, fetched } = await open();
  assert.equal(await page.evaluate(() => window.backpropLab.simd), "relaxed");
  assert.deepEqual(fetched, ["backprop_lab_relaxed_bg.wasm"]);
  await trainsOneStep(page);
  assert.deepEqual(page.errors, []);
});

test("a browser that does not validate relaxed SIMD gets the plain simd128 build", async () => {
  // Such a browser rejects any module with a relaxed-SIMD instruction (0xfd, then
  // opcodes 0x100 to 0x113, encoded 0x80-0x93 0x02): the page's probe among them.
  const { page, fetched } = await open(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => {
      const b = new Uint8Array(bytes.buffer ?? bytes);
      for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] >= 0x80 && b[i + 1] <= 0x93 && b[i + 2] === 0x02) return false;
      return validate(bytes);
    };
  });
  assert.equal(await page.evaluate(() => window.backpropLab.simd), "simd128");
  assert.deepEqual(fetched, ["backprop_lab_bg.wasm"]);
  await trainsOneStep(page);
  assert.deepEqual(page.errors, []);
});

test("both builds train the same runs, within f32 rounding", async () => {
  const page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  const runs = await page.evaluate(async () => {
    const builds = {};
    for (const [name, file] of [["relaxed", "backprop_lab_relaxed_bg.wasm"], ["plain", "backprop_lab_bg.wasm"]]) {
      // A separate instance of the glue for each build (the query makes another module).
      const api = await import(`/www/pkg/backprop_lab.js?${name}`);
      await api.default({ module_or_path: `/www/pkg/${file}` });
      builds[name] = api;
    }
    const config = (hidden, activation) => JSON.stringify({
      data: { kind: "circles", points: 300, noise: 0.1, factor: 0.5, validation: 0, seed: 3 },
      features: { derived: [], standardize: false },
      network: { hidden: hidden.map((units) => ({ units, activation })), output: "tanh", loss: "mse", init: "xavier", seed: 2 },
      training: { optimizer: "sgd", learning_rate: 0.03, batch_size: 10, l2: 0, lr_decay: 1, shuffle: true },
    });
    // The panel step (narrow layers, tanh) and the wide kernels (layers of 64).
    const cases = { panels: config([8, 8], "tanh"), wide: config([64, 48], "relu") };
    const out = {};
    for (const [c, json] of Object.entries(cases)) {
      out[c] = {};
      for (const [name, api] of Object.entries(builds)) {
        const lab = new api.Lab(json);
        for (let e = 0; e < 5; e++) lab.runEpoch();
        const model = JSON.parse(lab.exportModel());
        out[c][name] = { loss: lab.last("train_loss"), weights: model.layers.flatMap((l) => [...l.weights.flat(), ...l.biases]) };
        lab.free();
      }
    }
    return out;
  });
  for (const [c, { relaxed, plain }] of Object.entries(runs)) {
    assert.ok(Number.isFinite(plain.loss) && plain.loss < 0.3, `${c}: the plain build learns (${plain.loss})`);
    assert.ok(Math.abs(relaxed.loss - plain.loss) <= 1e-4 * plain.loss, `${c}: loss ${relaxed.loss} vs ${plain.loss}`);
    assert.equal(relaxed.weights.length, plain.weights.length);
    let differ = 0;
    relaxed.weights.forEach((w, i) => {
      const p = plain.weights[i];
      assert.ok(Math.abs(w - p) <= 1e-4 * (1 + Math.abs(p)), `${c}: weight ${i}: ${w} vs ${p}`);
      if (w !== p) differ++;
    });
    // The relaxed build really fuses: some weights differ in their last bits.
    assert.ok(differ > 0, `${c}: the two builds gave bit-identical weights`);
  }
  assert.deepEqual(page.errors, []);
});
