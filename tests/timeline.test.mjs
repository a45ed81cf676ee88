// Watching a run: the timeline reaches back to step 0 after a stretch at max speed,
// the blow-up guard pauses, explains and restores, and a reload brings the run back
// (counters, curves, timeline), as a link with weights brings back the counters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready, maxPace } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

async function open(options) {
  const page = await h.newPage(options);
  await page.goto(h.url);
  await ready(page);
  return page;
}

const lab = (page, fn) => page.evaluate(fn);
const run = (page) => lab(page, () => {
  const l = window.backpropLab.lab();
  return { epoch: l.epoch(), steps: l.steps(), losses: l.historyLen("train_loss", 0), moments: l.momentCount(), loss: l.last("train_loss") };
});

/** Validation accuracy of the weights the page shows, from its confusion matrix. */
const shownAccuracy = (page) => lab(page, () => {
  const l = window.backpropLab.lab();
  const c = l.confusion();
  const k = Math.round(Math.sqrt(c.length));
  let right = 0;
  let all = 0;
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) { all += c[t * k + p]; if (t === p) right += c[t * k + p]; }
  return right / all;
});

/** The output heatmap's pixels, to tell two moments' pictures apart. */
const planePixels = (page) => lab(page, () => {
  const c = document.getElementById("plane");
  return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 16 === 0));
});

async function playFor(page, ms) {
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await page.waitForTimeout(ms);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await page.getByRole("button", { name: "Play", exact: true }).waitFor();
  await page.waitForTimeout(300);
}

test("after a stretch at max speed the timeline still reaches back to step 0 and the first 1% of the run", async () => {
  const page = await open();
  await maxPace(page);
  await playFor(page, 5000);
  const r = await run(page);
  assert.ok(r.steps > 20000, `${r.steps} steps at max speed`);
  const [first, second, last] = await lab(page, () => {
    const l = window.backpropLab.lab();
    return [l.momentStep(0), l.momentStep(1), l.momentStep(l.momentCount() - 1)];
  });
  assert.equal(first, 0);
  assert.ok(second <= 0.01 * r.steps, `the second moment, step ${second}, is within the first 1% of ${r.steps}`);
  assert.equal(last, r.steps, "the timeline ends where the run paused");
  assert.ok(r.moments >= 50 && r.moments <= 512, `${r.moments} moments`);
  const live = await planePixels(page);
  const slider = page.getByRole("slider", { name: "Timeline" });
  await slider.fill("0");
  await page.waitForFunction(() => document.getElementById("timeline-scrub").getAttribute("aria-valuetext") === "step 0");
  await page.waitForTimeout(200);
  assert.match(await page.textContent("#status"), /Rewound to step 0 \(epoch 0\)/);
  const start = await planePixels(page);
  assert.ok(start.some((v, i) => Math.abs(v - live[i]) > 30), "the heatmap shows the untrained network at step 0");
  assert.ok(await shownAccuracy(page) < 0.9, "step 0's weights are the untrained ones");
  // The keyboard walks the timeline too; Live returns to the end, and the run is intact.
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((want) => document.getElementById("timeline-scrub").getAttribute("aria-valuetext") === want, `step ${second}`);
  await page.getByRole("button", { name: "Live", exact: true }).click();
  await page.waitForTimeout(200);
  assert.ok(await shownAccuracy(page) > 0.9);
  assert.deepEqual(await run(page), r);
  // Changing a view setting keeps the recording; Reset starts a new one.
  await page.locator("#view-palette").selectOption("colorblind");
  assert.equal((await run(page)).moments, r.moments);
  await page.getByRole("button", { name: "Reset", exact: true }).click();
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 0);
  assert.equal((await run(page)).moments, 1);
  assert.deepEqual(page.errors, []);
});

test("a learning rate of 100 on the trained default network pauses with a message naming it, and the weights come back", async () => {
  const page = await open();
  await maxPace(page);
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await page.waitForFunction(() => window.backpropLab.lab().last("val_accuracy") >= 0.95, null, { timeout: 20000 });
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 300, null, { timeout: 20000 });
  await page.locator("#training-learning_rate").fill("100");
  await page.dispatchEvent("#training-learning_rate", "change");
  const message = page.locator("#messages .message", { hasText: "far above its lowest" });
  await message.waitFor({ timeout: 20000 });
  await page.getByRole("button", { name: "Play", exact: true }).waitFor();
  const text = await message.textContent();
  assert.match(text, /learning rate, 100: lower it/);
  assert.match(text, /Training is paused/);
  const steps = (await run(page)).steps;
  await page.waitForTimeout(400);
  assert.equal((await run(page)).steps, steps, "training has stopped");
  assert.ok(await shownAccuracy(page) < 0.9, `the blown-up weights: ${await shownAccuracy(page)}`);
  await message.getByRole("button", { name: /Restore the weights of epoch \d+/ }).click();
  await page.waitForFunction(() => {
    const l = window.backpropLab.lab();
    const c = l.confusion();
    return c[0] + c[3] >= 0.9 * (c[0] + c[1] + c[2] + c[3]);
  }, null, { timeout: 5000 });
  assert.ok(await shownAccuracy(page) >= 0.9);
  assert.deepEqual(page.errors, []);
});

test("a reload brings back the counters, the curves and the timeline; a link with weights the counters", async () => {
  const page = await open({ permissions: ["clipboard-read", "clipboard-write"] });
  await maxPace(page);
  await playFor(page, 1500);
  const before = await run(page);
  assert.ok(before.epoch > 10 && before.losses > 10);
  await page.reload();
  await ready(page);
  await page.waitForTimeout(300);
  const after = await run(page);
  assert.equal(after.epoch, before.epoch);
  assert.equal(after.steps, before.steps);
  assert.equal(after.losses, before.losses);
  assert.equal(after.loss, before.loss);
  assert.ok(after.moments >= before.moments, `${after.moments} of ${before.moments} moments`);
  assert.match(await page.textContent("#status"), new RegExp(`Epoch ${before.epoch} · loss \\d`));
  assert.equal(await lab(page, () => window.backpropLab.lab().momentStep(0)), 0, "the timeline still starts at step 0");
  // Training goes on from there.
  await page.getByRole("button", { name: "Step", exact: true }).click();
  await page.waitForFunction((n) => window.backpropLab.lab().steps() === n + 1, before.steps);

  await page.locator("#link-weights").check();
  await page.getByRole("button", { name: "Copy link" }).click();
  await page.waitForFunction(() => /Link copied|Copy this link/.test(document.getElementById("messages").textContent));
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /#s=/);
  const other = await open();
  await other.goto("about:blank");
  await other.goto(link);
  await ready(other);
  await other.waitForFunction((n) => window.backpropLab.lab().steps() === n + 1, before.steps);
  assert.equal((await run(other)).epoch, (await run(page)).epoch);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});
