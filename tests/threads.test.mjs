// The threaded module (scripts/build's third, www/pkg/threads/): where the page is
// cross-origin isolated the training worker runs it on a pool of Web Workers (nested in
// the training worker); served without COOP/COEP the page falls back to its
// single-threaded module. Both train the same seeded run to the same weights: the
// threaded products split whole blocks of rows, so nothing is summed in another order.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready } from "./browser/harness.mjs";

let isolated;
let plain;
before(async () => {
  isolated = await start();
  plain = await start({ isolated: false });
});
after(async () => {
  await isolated?.close();
  await plain?.close();
});

/** Digits into 256 ReLU units, batches of 64: the layer's forward product and dW are
 * 2^20 multiply-adds each, big enough for the threaded module to split. */
const WIDE = {
  data: { kind: "digits", validation: 0.2, seed: 4 },
  features: { derived: [], standardize: true },
  network: { hidden: [{ units: 256, activation: "relu" }], output: "identity", loss: "softmax_cross_entropy", init: "he", seed: 7 },
  training: { optimizer: "sgd", learning_rate: 0.05, batch_size: 64, l2: 0, lr_decay: 1, shuffle: true },
};

/** Opens the page (at `hash`) on server `h`, recording the engine files it fetched,
 * and waits until the training worker is ready. */
async function open(h, hash = "") {
  const page = await h.newPage();
  const fetched = [];
  page.on("request", (r) => { if (r.url().endsWith(".wasm")) fetched.push(new URL(r.url()).pathname.replace("/www/pkg/", "")); });
  await page.goto(h.url + hash);
  await ready(page);
  await page.waitForFunction(() => window.backpropLab.threads() > 0, null, { timeout: 20000 });
  return { page, fetched };
}

/** The page trains: one worker step moves the page's step counter by one. */
async function trainsOneStep(page) {
  const before = await page.evaluate(() => window.backpropLab.stats().steps);
  await page.keyboard.press("s");
  await page.waitForFunction((b) => window.backpropLab.stats().steps === b + 1, before, { timeout: 10000 });
}

test("cross-origin isolated, the training worker runs the threaded module on a pool of workers", async () => {
  const { page, fetched } = await open(isolated);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.deepEqual(fetched.sort(), ["backprop_lab_relaxed_bg.wasm", "threads/backprop_lab_bg.wasm"]);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // rayon's pool, as the threaded module counts it, started inside the training worker.
  assert.equal(await page.evaluate(() => window.backpropLab.threads()), Math.min(4, Math.max(1, cores)));
  assert.ok(cores < 2 || (await page.evaluate(() => window.backpropLab.threads())) >= 2);
  await trainsOneStep(page);
  assert.deepEqual(page.errors, []);
});

test("not isolated, the page falls back to the single-threaded module and trains", async () => {
  const { page, fetched } = await open(plain);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  assert.deepEqual(fetched, ["backprop_lab_relaxed_bg.wasm"]);
  assert.equal(await page.evaluate(() => window.backpropLab.threads()), 1);
  await trainsOneStep(page);
  assert.deepEqual(page.errors, []);
});

/** The weights and loss after three epochs of WIDE, trained by the page's worker. */
async function wideRun(h, link) {
  const { page } = await open(h, `#s=${link}`);
  for (let e = 1; e <= 3; e++) {
    await page.click("#epoch-step");
    await page.waitForFunction((n) => window.backpropLab.stats().epoch === n, e, { timeout: 60000 });
  }
  const run = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const model = JSON.parse(lab.exportModel());
    return { loss: lab.last("train_loss"), units: model.layers[0].weights.length, weights: model.layers.flatMap((l) => [...l.weights.flat(), ...l.biases]) };
  });
  assert.deepEqual(page.errors, []);
  return run;
}

test("the same seeded run trains to the same weights on the threaded and the single-threaded module", async () => {
  const { page } = await open(plain);
  const link = await page.evaluate(async (config) => {
    const { encodeLink } = await import("/www/engine.js");
    return encodeLink(JSON.stringify(config));
  }, WIDE);
  const threaded = await wideRun(isolated, link);
  const single = await wideRun(plain, link);
  assert.equal(threaded.units, 256, "the link built the wide network");
  assert.ok(Number.isFinite(single.loss) && single.loss < 1, `the run learns (${single.loss})`);
  assert.equal(threaded.loss, single.loss);
  assert.equal(threaded.weights.length, single.weights.length);
  const differ = threaded.weights.filter((w, i) => w !== single.weights[i]).length;
  assert.equal(differ, 0, `${differ} of ${single.weights.length} weights differ`);
});
