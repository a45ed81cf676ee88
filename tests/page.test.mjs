// The lab page in headless Chromium: training, upload, export/import, bad input,
// keyboard and layout. Every test insists on a console without errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, ready, maxPace } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const tmp = mkdtempSync(join(tmpdir(), "backprop-lab-"));
function file(name, text) {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function open(options) {
  const page = await h.newPage(options);
  await page.goto(h.url);
  await ready(page);
  return page;
}

const status = (page) => page.textContent("#status");
const messages = (page) => page.textContent("#messages");

/** Waits for a message matching `want`, failing with the messages shown. */
async function expectMessage(page, want) {
  try {
    await page.waitForFunction((w) => new RegExp(w).test(document.getElementById("messages").textContent), want.source, { timeout: 10000 });
  } catch {
    assert.fail(`no message matching ${want}; shown: ${await messages(page)}`);
  }
}

/** The page still trains: one step (in the worker) moves the page's step counter by one. */
async function stillWorks(page) {
  const before = await page.evaluate(() => window.backpropLab.lab().steps());
  await page.getByRole("button", { name: "Step", exact: true }).click();
  await page.waitForFunction((n) => window.backpropLab.lab().steps() >= n, before + 1);
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().steps()), before + 1, "Step trains one batch");
}

/** Clicks "Step epoch" `times` times and waits until the page shows the last of them. */
async function stepEpochs(page, times) {
  const start = await page.evaluate(() => window.backpropLab.lab().epoch());
  for (let i = 0; i < times; i++) await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction((n) => window.backpropLab.lab().epoch() === n, start + times);
}

test("at the default pace the circles network learns over seconds: validation accuracy 0.95 between 5 s and 30 s", async () => {
  const page = await open();
  assert.match(await status(page), /Epoch 0/);
  assert.equal(await page.textContent("#speed-readout"), "200 steps/s");
  const t0 = Date.now();
  await page.getByRole("button", { name: "Play" }).click();
  let acc = 0;
  let atTwo = null;
  while (Date.now() - t0 < 30000) {
    acc = await page.evaluate(() => window.backpropLab.lab().last("val_accuracy"));
    if (atTwo === null && Date.now() - t0 >= 2000) atTwo = acc;
    if (acc >= 0.95) break;
    await page.waitForTimeout(100);
  }
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(acc >= 0.95, `validation accuracy ${acc} after ${seconds} s`);
  assert.ok(seconds >= 5, `0.95 after only ${seconds} s: too fast to watch`);
  assert.ok(atTwo < 0.95, `already ${atTwo} after 2 s`);
  const stats = await page.evaluate(() => window.backpropLab.stats());
  console.log(`# circles at the default pace: validation accuracy ${acc.toFixed(3)} after ${seconds.toFixed(1)} s (${atTwo?.toFixed(3)} at 2 s); ${stats.fps} frames/s`);
  assert.match(await status(page), /validation accuracy 0\.9/);
  // The readout always names the rate the slider sits at.
  for (const [position, text] of [["0", "1 step/s"], ["9", "1,000 steps/s"], ["15", "max"]]) {
    await page.locator("#speed").fill(position);
    assert.equal(await page.textContent("#speed-readout"), text);
  }
  assert.deepEqual(page.errors, []);
});

test("training runs in a worker, stops exactly at a set epoch and the page mirrors its final state", async () => {
  const page = await open();
  await maxPace(page);
  await page.selectOption("#view-stop", "epochs");
  await page.fill("#view-stop_value", "300");
  await page.dispatchEvent("#view-stop_value", "change");
  await page.getByRole("button", { name: "Play" }).click();
  await expectMessage(page, /stop condition was reached at epoch 300/);
  assert.ok(page.workers().some((w) => w.url().endsWith("/www/training-worker.js")), "a training worker runs");
  await page.getByRole("button", { name: "Play" }).waitFor();
  const lab = () => page.evaluate(() => {
    const l = window.backpropLab.lab();
    return { epoch: l.epoch(), steps: l.steps(), losses: l.historyLen("train_loss", 0), last: l.last("train_loss") };
  });
  const mirrored = await lab();
  assert.equal(mirrored.epoch, 300);
  assert.equal(mirrored.steps, 300 * (await page.evaluate(() => window.backpropLab.lab().stepsPerEpoch())));
  assert.equal(mirrored.losses, 300, "the last snapshot carries the whole history");
  assert.ok(Number.isFinite(mirrored.last));
  await page.waitForTimeout(300);
  assert.deepEqual(await lab(), mirrored, "nothing trains once stopped");
  assert.deepEqual(page.errors, []);
});

test("keyboard shortcuts and accessible names", async () => {
  const page = await open();
  for (const name of ["Play", "Step", "Reset", "Export weights", "Import weights", "Upload dataset"]) {
    assert.equal(await page.getByRole("button", { name, exact: true }).count(), 1, name);
  }
  await page.keyboard.press("s");
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 1);
  await page.keyboard.press(" ");
  await page.getByRole("button", { name: "Pause" }).waitFor();
  await page.keyboard.press(" ");
  await page.getByRole("button", { name: "Play" }).waitFor();
  await page.keyboard.press("r");
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 0);
  assert.deepEqual(page.errors, []);
});

test("a CSV is uploaded and trained on, and the settings survive a reload", async () => {
  const page = await open();
  const rows = ["a,b,label"];
  for (let i = 0; i < 200; i++) {
    const x = (i % 20) / 10 - 1;
    const y = Math.floor(i / 20) / 5 - 1;
    rows.push(`${x},${y},${x + y > 0 ? "yes" : "no"}`);
  }
  await page.setInputFiles("#upload-file", file("plane.csv", rows.join("\n")));
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "csv");
  assert.match(await messages(page), /200 rows, 2 features/);
  await maxPace(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().last("val_accuracy") >= 0.9, null, { timeout: 15000 });
  await page.getByRole("button", { name: "Pause" }).click();
  await page.reload();
  await ready(page);
  assert.equal(await page.evaluate(() => window.backpropLab.state().data.kind), "csv");
  assert.equal(await page.evaluate(() => window.backpropLab.lab().rows()), 200);
  assert.deepEqual(page.errors, []);
});

test("exported weights, imported after a reload, give identical predictions", async () => {
  const page = await open();
  await stepEpochs(page, 31);
  const predictions = () => page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const ptr = lab.predictionsPtr();
    return Array.from(new Float32Array(window.backpropLab.memory.buffer, ptr, lab.rows()));
  });
  const before = await predictions();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export weights" }).click();
  const path = await (await download).path();
  const exported = readFileSync(path, "utf8");
  assert.match(exported, /"format":"backprop-lab.model"/);
  await page.reload();
  await ready(page);
  await page.getByRole("button", { name: "Reset" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 0);
  assert.notDeepEqual(await predictions(), before, "a fresh page has other weights");
  await page.setInputFiles("#import-file", path);
  await page.waitForFunction(() => document.getElementById("messages").textContent.includes("Weights loaded"));
  assert.deepEqual(await predictions(), before);
  assert.deepEqual(page.errors, []);
});

test("bad input shows a message and the page keeps working", async () => {
  const page = await open();
  const cases = [
    ["ragged.csv", "a,b,label\n1,2,0\n3,1\n", /line 3: 2 fields, but the header has 3/],
    ["nan.csv", "a,b,label\n1,NaN,0\n2,3,1\n", /line 2, column "b": NaN is not a finite number/],
    ["words.csv", "a,b,label\n1,two,0\n", /"two" is not a number/],
    ["empty.csv", "", /the CSV is empty/],
  ];
  for (const [name, text, want] of cases) {
    await page.setInputFiles("#upload-file", file(name, text));
    await expectMessage(page, want);
    assert.equal(await page.evaluate(() => window.backpropLab.state().data.kind), "circles", "the old data stays");
    await stillWorks(page);
  }
  await page.setInputFiles("#upload-file", { name: "huge.csv", mimeType: "text/csv", buffer: Buffer.alloc(33 * 1024 * 1024, 49) });
  await expectMessage(page, /the limit is 32 MB/);
  await page.setInputFiles("#import-file", file("broken.json", "{\"format\": "));
  await expectMessage(page, /not valid JSON/);
  const wrongInputs = JSON.stringify({ format: "backprop-lab.model", version: 1, input_dim: 3,
    layers: [{ units: 1, activation: "identity", weights: [[1, 2, 3]], biases: [0] }], loss: "mse" });
  await page.setInputFiles("#import-file", file("three-inputs.json", wrongInputs));
  await expectMessage(page, /takes 3 inputs but this data gives 2/);
  await stillWorks(page);
  // A learning rate that makes training diverge: paused, explained, reset offered.
  await page.selectOption("#data-kind", "toy1d");
  await page.waitForFunction(() => window.backpropLab.lab().features() === 1);
  await page.selectOption("select[aria-label='Activation of hidden layer 1']", "relu");
  await page.fill("#training-learning_rate", "900");
  await page.dispatchEvent("#training-learning_rate", "change");
  await page.getByRole("button", { name: "Play" }).click();
  await expectMessage(page, /training diverged/);
  await page.getByRole("button", { name: "Play" }).waitFor();
  const weightsFinite = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const n = lab.layerSizes()[1] * lab.layerSizes()[0];
    return new Float32Array(window.backpropLab.memory.buffer, lab.weightsPtr(0), n).every(Number.isFinite);
  });
  assert.ok(weightsFinite, "the weights stay finite");
  await page.locator("#messages .message", { hasText: "diverged" }).getByRole("button", { name: "Reset" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 0);
  assert.deepEqual(page.errors, []);
});

test("the layout reflows from phone width to a large screen", async () => {
  for (const [width, height] of [[390, 844], [1366, 768], [2560, 1440]]) {
    const page = await open({ viewport: { width, height } });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at ${width}px (overflow ${overflow})`);
    const plane = await page.locator("#plane").boundingBox();
    assert.ok(plane.width > 200 && plane.width <= width, `the plane fits at ${width}px`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});

test("a copied link restores the configuration and, with weights, the predictions", async () => {
  const page = await open({ permissions: ["clipboard-read", "clipboard-write"] });
  await page.selectOption("#data-kind", "moons");
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "moons");
  await stepEpochs(page, 5);
  const predictions = (p) => p.evaluate(() => {
    const lab = window.backpropLab.lab();
    return Array.from(new Float32Array(window.backpropLab.memory.buffer, lab.predictionsPtr(), lab.rows()));
  });
  const before = await predictions(page);
  await page.check("#link-weights");
  await page.getByRole("button", { name: "Copy link" }).click();
  await page.waitForFunction(() => /Link copied|Copy this link/.test(document.getElementById("messages").textContent));
  const text = await page.textContent("#messages");
  const link = text.includes("Copy this link: ")
    ? text.split("Copy this link: ")[1].replace(/Dismiss$/, "")
    : await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /#s=v1\./);
  const other = await h.newPage();
  await other.goto(link);
  await ready(other);
  assert.equal(await other.evaluate(() => window.backpropLab.state().data.kind), "moons");
  assert.deepEqual(await predictions(other), before);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});
