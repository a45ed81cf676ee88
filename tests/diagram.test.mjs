// The network diagram in headless Chromium: editing a weight or bias by hand (the loss,
// the heatmap and the nudge view follow at once, and training goes on from the edit),
// the inputs' names and the value labels, wide layers, and the hover heatmap.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

async function open(url = h.url, options) {
  const page = await h.newPage(options);
  await page.goto(url);
  await ready(page);
  return page;
}

/** A page built from `config` (data, features, network, training) through a link. */
async function openConfig(config) {
  const page = await open();
  const link = await page.evaluate(async (c) => (await import("./www/engine.js")).encodeLink(JSON.stringify(c)), config);
  await page.goto(`${h.url}#s=${link}`);
  await page.reload();
  await ready(page);
  return page;
}

/** The plot's pixels, to see the heatmap change. */
const planePixels = (page) => page.evaluate(() => {
  const c = document.getElementById("plane");
  return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 97 === 0));
});

const lossShown = async (page) => Number((await page.textContent("#status")).match(/loss (-?[\d.]+)/)[1]);

async function stepEpochs(page, n) {
  const start = await page.evaluate(() => window.backpropLab.lab().epoch());
  for (let i = 0; i < n; i++) await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction((e) => window.backpropLab.lab().epoch() === e, start + n);
}

test("clicking a weight and typing a value updates the loss, the heatmap and the nudge view at once, and training goes on from it", async () => {
  const page = await open();
  await stepEpochs(page, 3);
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  const before = { loss: await lossShown(page), pixels: await planePixels(page) };
  await page.evaluate(() => { document.getElementById("view-nudge").closest("details").open = true; });
  const p = await page.evaluate(() => window.backpropLab.weightPoint(0, 1, 0));
  await page.mouse.move(p.x, p.y);
  await page.waitForSelector(".tooltip:not([hidden])");
  const shownValue = await page.evaluate(() => window.backpropLab.lab().parameter(0, 1, 0));
  const tip = await page.textContent(".tooltip");
  assert.match(tip, /^w1\[2\]\[1\] = -?[\d.]+ \(click to edit\)/);
  assert.ok(Math.abs(Number(tip.match(/= (-?[\d.e-]+)/)[1]) - shownValue) < 1e-5, `${tip} vs ${shownValue}`);
  await page.mouse.click(p.x, p.y);
  const field = page.getByLabel("Value of w1[2][1]");
  await field.waitFor();
  assert.ok(Math.abs(Number(await field.inputValue()) - shownValue) < 1e-5, "the form starts at the weight's value");
  await field.fill("");
  await field.press("Enter");
  assert.match(await page.textContent(".weight-edit"), /Type a number/);
  await field.fill("6.5");
  await field.press("Enter");
  await page.waitForSelector(".weight-edit", { state: "hidden" });
  await page.waitForFunction(() => /weights edited by hand/.test(document.getElementById("status").textContent));
  const lab = await page.evaluate(() => {
    const l = window.backpropLab.lab();
    return { w: l.parameter(0, 1, 0), loss: l.last("train_loss"), steps: l.steps() };
  });
  assert.equal(lab.w, 6.5);
  const after = await lossShown(page);
  assert.notEqual(after, before.loss, "the loss shown is the edited network's");
  assert.ok(Math.abs(after - lab.loss) < 1e-4, `status ${after} vs engine ${lab.loss}`);
  const changed = (await planePixels(page)).filter((v, i) => v !== before.pixels[i]).length;
  assert.ok(changed > 20, `the heatmap changed (${changed} samples)`);
  assert.equal(await page.$eval("#nudge-param", (s) => s.value), "0/1/0", "the nudge view follows the clicked weight");
  await page.waitForFunction(() => /At w = 6\.5/.test(document.querySelector(".nudge-readout").textContent));
  // The worker took the edit: one more step starts from 6.5, not from the old weight.
  await page.getByRole("button", { name: "Step", exact: true }).click();
  await page.waitForFunction((n) => window.backpropLab.lab().steps() === n + 1, lab.steps);
  const stepped = await page.evaluate(() => window.backpropLab.lab().parameter(0, 1, 0));
  assert.ok(Math.abs(stepped - 6.5) < 0.2 && stepped !== shownValue, `after a step the weight is ${stepped}`);
  assert.doesNotMatch(await page.textContent("#status"), /edited by hand/);
  assert.deepEqual(page.errors, []);
});

test("a bias is a square on its unit: hovering shows its value, clicking edits it", async () => {
  const page = await open();
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  const p = await page.evaluate(() => window.backpropLab.weightPoint(1, 0, -1));
  await page.mouse.move(p.x, p.y);
  await page.waitForSelector(".tooltip:not([hidden])");
  assert.match(await page.textContent(".tooltip"), /^b2\[1\] = -?[\d.]+ \(click to edit\)\ndC\/db2\[1\] = dC\/da × da\/dz × dz\/db/);
  await page.mouse.click(p.x, p.y);
  await page.getByLabel("Value of b2[1]").fill("-2");
  await page.getByRole("button", { name: "Set", exact: true }).click();
  await page.waitForFunction(() => window.backpropLab.lab().parameter(1, 0, -1) === -2);
  assert.match(await page.textContent("#selection"), /Selected bias b2\[1\] .* = -2\.00000/);
  assert.deepEqual(page.errors, []);
});

test("the chain rule says the batch's gradient is a mean or a sum, as the loss reduces it", async () => {
  const page = await open();
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  const hoverTip = async () => {
    const p = await page.evaluate(() => window.backpropLab.weightPoint(0, 0, 0));
    await page.mouse.move(0, 0);
    await page.mouse.move(p.x, p.y);
    await page.waitForSelector(".tooltip:not([hidden])");
    return page.textContent(".tooltip");
  };
  assert.match(await hoverTip(), /mean over the batch: /);
  await page.selectOption("#network-reduction", "sum");
  await page.waitForFunction(() => window.backpropLab.state().network.reduction === "sum");
  await page.waitForTimeout(300);
  assert.match(await hoverTip(), /summed over the batch: /);
  assert.deepEqual(page.errors, []);
});

test("input nodes are named, value labels stay inside the diagram without overlapping, and the layer list says 1 unit", async () => {
  for (const hidden of [[{ units: 1, activation: "tanh" }], [{ units: 8, activation: "relu" }, { units: 8, activation: "tanh" }], [{ units: 16, activation: "tanh" }]]) {
    const page = await openConfig({ features: { derived: ["x1^2", "x2^2", "x1*x2"] }, network: { hidden } });
    await page.locator("#diagram").scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const d = await page.evaluate(() => window.backpropLab.diagramLayout());
    assert.equal(d.nodes[0].length, 5, "x1, x2, x1², x2², x1x2");
    const names = await page.evaluate(() => JSON.parse(window.backpropLab.lab().inputNames()));
    assert.deepEqual(names, ["x1", "x2", "x1^2", "x2^2", "x1*x2"]);
    assert.ok(d.labels.length >= 5, `${d.labels.length} value labels for ${JSON.stringify(hidden)}`);
    for (const [i, a] of d.labels.entries()) {
      assert.ok(a.x >= 0 && a.y >= 0 && a.x + a.w <= d.width + 0.5 && a.y + a.h <= d.height + 0.5, `label ${i} inside ${JSON.stringify(a)}`);
      for (const b of d.labels.slice(i + 1)) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `labels overlap: ${JSON.stringify([a, b])}`);
    }
    // The first column is drawn right of the inputs' names, inside the canvas.
    assert.ok(d.nodes[0][0].x - d.nodes[0][0].r > 30, "room for the names");
    if (hidden[0].units === 1) assert.equal(await page.textContent(".layer output"), "1 unit");
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test("a layer of 64 units is drawn compactly inside the diagram, and hovering a unit shows its heatmap without a weight tooltip", async () => {
  const page = await openConfig({ network: { hidden: [{ units: 64, activation: "relu" }, { units: 4, activation: "tanh" }] } });
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  const d = await page.evaluate(() => window.backpropLab.diagramLayout());
  const wide = d.nodes[1];
  assert.equal(wide.length, 64);
  assert.ok(wide.every((n) => n.y - n.r >= 0 && n.y + n.r <= d.height), "every unit inside the canvas");
  for (let i = 1; i < wide.length; i++) assert.ok(wide[i].y - wide[i - 1].y >= 2 * wide[i].r * 0.99, "units do not overlap");
  assert.ok(d.nodes[2][0].r > wide[0].r * 2, "the narrow layer keeps its large units");
  // Hover a unit of the narrow hidden layer: its heatmap, no tooltip.
  const rect = await page.locator("#diagram").boundingBox();
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  const n = d.nodes[2][1];
  await page.mouse.move(rect.x + n.x / dpr, rect.y + n.y / dpr);
  await page.waitForTimeout(200);
  assert.equal(await page.$eval(".tooltip", (t) => t.hidden), true, "no weight tooltip over the unit's heatmap");
  assert.deepEqual(page.errors, []);
});
