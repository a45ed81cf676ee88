// Accessibility and layout in headless Chromium: the one polite live region and how
// often it speaks, the diagram and the plot from the keyboard, the long press on a
// touch screen, counters at rest, the messages' stack, and what shows without
// scrolling on a laptop and a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

test("one polite live region speaks when training starts and pauses, and at most every few seconds while it runs", async () => {
  const page = await open();
  assert.deepEqual(await page.$$eval("[role=status]", (es) => es.map((e) => e.id)), ["status-announce"], "one status region");
  assert.equal(await page.$eval("#status", (e) => e.getAttribute("aria-live") ?? e.getAttribute("role")), null);
  for (const aria of await page.$$eval("output", (os) => os.map((o) => o.getAttribute("aria-live")))) assert.equal(aria, "off", "an <output> is not a live region");
  await page.evaluate(() => {
    window.announced = [];
    window.otherLive = [];
    for (const region of document.querySelectorAll("[aria-live=polite], [aria-live=assertive], [role=status], [role=alert]")) {
      new MutationObserver(() => {
        if (region.id === "status-announce") window.announced.push(region.textContent);
        else window.otherLive.push(region.id || region.className);
      }).observe(region, { childList: true, characterData: true, subtree: true });
    }
    window.statusChanges = 0;
    new MutationObserver(() => window.statusChanges++).observe(document.getElementById("status"), { childList: true, characterData: true, subtree: true });
  });
  await maxPace(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForTimeout(7000);
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForTimeout(500);
  const { announced, statusChanges, otherLive } = await page.evaluate(() => ({ announced: window.announced, statusChanges: window.statusChanges, otherLive: window.otherLive }));
  assert.deepEqual(otherLive, [], "no other live region speaks while training runs");
  assert.ok(statusChanges > 50, `the status on screen follows training (${statusChanges} changes)`);
  assert.ok(announced.length >= 2 && announced.length <= 4, `announced ${announced.length} times in 7.5 s: ${JSON.stringify(announced)}`);
  assert.match(announced[0], /^Training started\. Epoch \d+/);
  assert.match(announced.at(-1), /^Training paused\. Epoch \d+ · loss/);
  assert.deepEqual(page.errors, []);
});

test("the diagram from the keyboard: arrows move between units, weights and biases; Enter edits a weight or shows a unit", async () => {
  const page = await open();
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.locator("#diagram").focus();
  const cursor = () => page.evaluate(() => window.backpropLab.diagramLayout().cursor);
  assert.deepEqual(await cursor(), { kind: "unit", column: 0, index: 0 });
  await page.keyboard.press("ArrowDown");
  assert.deepEqual(await cursor(), { kind: "unit", column: 0, index: 1 });
  assert.match(await page.getAttribute("#diagram", "aria-label"), /input x2/);
  await page.keyboard.press("ArrowRight");
  assert.deepEqual(await cursor(), { kind: "param", layer: 0, unit: 0, input: 1 });
  assert.match(await page.getAttribute("#diagram", "aria-label"), /w1\[1\]\[2\] = -?[\d.]+, weight from x2 into unit 1 of layer 1/);
  await page.waitForSelector(".tooltip:not([hidden])");
  await page.keyboard.press("ArrowDown");
  assert.deepEqual(await cursor(), { kind: "param", layer: 0, unit: 0, input: -1 }, "after a unit's weights comes its bias");
  await page.keyboard.press("ArrowDown");
  assert.deepEqual(await cursor(), { kind: "param", layer: 0, unit: 1, input: 0 }, "then the next unit's weights");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Enter");
  const field = page.getByLabel("Value of b1[1]");
  await field.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), "weight-edit-value");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("1.25");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.backpropLab.lab().parameter(0, 0, -1) === 1.25);
  assert.equal(await page.evaluate(() => document.activeElement.id), "diagram", "focus comes back to the diagram");
  await page.keyboard.press("ArrowRight");
  assert.deepEqual(await cursor(), { kind: "unit", column: 1, index: 0 });
  await page.keyboard.press("Enter");
  assert.deepEqual(await page.evaluate(() => window.backpropLab.diagramLayout().hover), { column: 1, index: 0 }, "Enter shows the unit's heatmap");
  assert.equal(await page.evaluate(() => window.backpropLab.stats().steps), 0, "Enter and Space on the diagram do not start training");
  assert.equal(await page.textContent("#play"), "Play");
  assert.deepEqual(page.errors, []);
});

test("the plot from the keyboard: arrows move between points, Enter selects one, Delete removes it", async () => {
  const page = await open();
  await page.locator("#plane").focus();
  const point = (r) => page.evaluate((i) => {
    const lab = window.backpropLab.lab();
    return Array.from(new Float32Array(window.backpropLab.memory.buffer, lab.dataPtr(), lab.rows() * 2).slice(2 * i, 2 * i + 2));
  }, r);
  const first = await page.evaluate(() => window.backpropLab.state().view.example);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Enter");
  const second = await page.evaluate(() => window.backpropLab.state().view.example);
  assert.notEqual(second, first);
  assert.ok((await point(second))[0] > (await point(first))[0], "right is to larger x1");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Enter");
  const third = await page.evaluate(() => window.backpropLab.state().view.example);
  assert.ok((await point(third))[1] > (await point(second))[1], "up is to larger x2");
  assert.match(await page.getAttribute("#plane", "aria-label"), new RegExp(`point ${third} at`));
  const rows = await page.evaluate(() => window.backpropLab.lab().rows());
  await page.keyboard.press("Delete");
  await page.waitForFunction((n) => window.backpropLab.lab().rows() === n - 1, rows);
  assert.deepEqual(page.errors, []);
});

test("a long press on the plot removes the point under the finger", async () => {
  const page = await open({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });
  const rows = await page.evaluate(() => window.backpropLab.lab().rows());
  const at = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const [x0, x1, y0, y1] = lab.gridBounds();
    const [x, y] = new Float32Array(window.backpropLab.memory.buffer, lab.dataPtr(), 2);
    const rect = document.getElementById("plane").getBoundingClientRect();
    return { x: rect.left + ((x - x0) / (x1 - x0)) * rect.width, y: rect.top + ((y1 - y) / (y1 - y0)) * rect.height };
  });
  const press = (ms) => page.evaluate(({ x, y, ms }) => new Promise((resolve) => {
    const c = document.getElementById("plane");
    const ev = (type) => new PointerEvent(type, { pointerType: "touch", clientX: x, clientY: y, bubbles: true, isPrimary: true });
    c.dispatchEvent(ev("pointerdown"));
    setTimeout(() => { c.dispatchEvent(ev("pointerup")); resolve(); }, ms);
  }), { ...at, ms });
  await press(150);
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().rows()), rows, "a tap removes nothing");
  await press(800);
  await page.waitForFunction((n) => window.backpropLab.lab().rows() === n - 1, rows);
  assert.deepEqual(page.errors, []);
});

test("paused, the counters read 0 per second; the confusion matrix names the training rows when there are no validation rows", async () => {
  const page = await open();
  await maxPace(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => / [1-9][\d,]* epochs\/s/.test(document.getElementById("counters").textContent));
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForTimeout(300);
  assert.match(await page.textContent("#counters"), / 0 epochs\/s · 0 examples\/s · 0 fps/);
  assert.match(await page.textContent("#confusion caption"), /\(validation rows\)/);
  await page.locator("#data-validation").fill("0");
  await page.locator("#data-validation").dispatchEvent("change");
  await page.waitForFunction(() => /\(training rows\)/.test(document.querySelector("#confusion caption")?.textContent));
  await page.getByRole("button", { name: "Reset" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().steps() === 0);
  await page.waitForTimeout(100);
  assert.match(await page.textContent("#counters"), /^step 0 · 0 epochs\/s · 0 examples\/s/);
  assert.deepEqual(page.errors, []);
});

test("messages stack at most two deep and notes fade", async () => {
  const page = await open();
  await page.evaluate(async () => {
    const { message } = await import("./www/messages.js");
    message("first note", { kind: "note" });
    message("an error");
    message("second note", { kind: "note" });
    message("third note", { kind: "note" });
  });
  const texts = () => page.$$eval("#messages .message p", (ps) => ps.map((p) => p.textContent));
  assert.deepEqual(await texts(), ["an error", "third note"], "the error stays, the older notes go");
  await page.waitForTimeout(10500);
  assert.deepEqual(await texts(), ["an error"], "the note faded, the error stays");
  assert.deepEqual(page.errors, []);
});

test("a model wider than the layer editor offers loads; one beyond the engine's limit says why once and keeps the network", async () => {
  const maker = await open();
  const link = await maker.evaluate(async () => (await import("./www/engine.js")).encodeLink(JSON.stringify({ network: { hidden: [{ units: 200, activation: "tanh" }] } })));
  await maker.goto(`${h.url}#s=${link}`);
  await maker.reload();
  await ready(maker);
  const model = JSON.parse(await maker.evaluate(() => window.backpropLab.lab().exportModel()));
  const dir = mkdtempSync(join(tmpdir(), "backprop-lab-a11y-"));
  writeFileSync(join(dir, "wide.json"), JSON.stringify(model));
  const n = 1100;
  model.layers[0] = { ...model.layers[0], units: n, weights: Array(n).fill([0.1, 0.2]), biases: Array(n).fill(0) };
  model.layers[1].weights = [Array(n).fill(0.01)];
  model.training.network.hidden[0].units = n;
  writeFileSync(join(dir, "too-wide.json"), JSON.stringify(model));
  const page = await open();
  await page.setInputFiles("#import-file", join(dir, "wide.json"));
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes()[1] === 200);
  assert.match(await page.textContent(".layer output"), /^200 units$/);
  await page.setInputFiles("#import-file", join(dir, "too-wide.json"));
  await page.waitForFunction(() => /Could not load these weights/.test(document.getElementById("messages").textContent));
  const shown = await page.$$eval("#messages .message p", (ps) => ps.map((p) => p.textContent));
  assert.equal(shown.filter((t) => /too-wide|Could not load/.test(t)).length, 1, `one message about the file: ${JSON.stringify(shown)}`);
  assert.match(shown.at(-1), /units must be a whole number from 1 to 1024, got 1100\. The network on screen is unchanged\./);
  assert.deepEqual(await page.evaluate(() => Array.from(window.backpropLab.lab().layerSizes())), [2, 200, 1], "the network on screen stays");
  assert.deepEqual(page.errors, []);
});

test("on a laptop the loss chart shows without scrolling; on a phone the plot comes before the data panel", async () => {
  const page = await open({ viewport: { width: 1366, height: 768 } });
  const chart = await page.locator("#chart-loss").boundingBox();
  assert.ok(chart.y + chart.height <= 768, `the loss chart ends at ${chart.y + chart.height}`);
  const phone = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const plane = await phone.locator("#plane").boundingBox();
  const data = await phone.locator("section.data").boundingBox();
  assert.ok(plane.y < data.y, "the plot is above the data panel");
  assert.ok(plane.y < 844, `the plot starts at ${plane.y}, on the first screen`);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(phone.errors, []);
});
