// The hidden-representation and first-layer-filter views in headless Chromium: every
// data point is drawn, the picture moves while training, PCA and 3-D layers, the morph,
// the page's timeline (scrub to step 0, replay, a seekable video), and the filters for digits and for 2-D
// data. Every test insists on a console without errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { start, ready, maxPace } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

async function open() {
  const page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(h.url);
  await ready(page);
  await maxPace(page);
  await showRepresentation(page);
  return page;
}

/** Scrolls the representation view into sight and waits until it has drawn. */
async function showRepresentation(page) {
  await page.locator("#repr-canvas").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.getElementById("repr-canvas").dataset.points) > 0, null, { timeout: 10000 });
}

const attrs = (page, id = "repr-canvas") => page.evaluate((i) => ({ ...document.getElementById(i).dataset }), id);
const rows = (page) => page.evaluate(() => window.backpropLab.lab().rows());
const steps = (page) => page.evaluate(() => window.backpropLab.lab().steps());

/** The positions the view last drew, read from engine memory. */
const positions = (page) => page.evaluate(() => {
  const lab = window.backpropLab.lab();
  const n = lab.reprPointCount();
  return Array.from(new Float32Array(window.backpropLab.memory.buffer, lab.reprPointsPtr(), n * lab.reprDims()));
});

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Waits until the view has drawn the lab's current step (live). */
async function drawnCurrent(page) {
  await page.waitForFunction(() => {
    const d = document.getElementById("repr-canvas").dataset;
    const lab = window.backpropLab.lab();
    return lab.shownMoment() === -1 && Number(d.step) === lab.steps();
  }, null, { timeout: 10000 });
}

/** How many canvas pixels are near each class colour (0 and 1) and not white. */
const pixels = (page, id) => page.evaluate((i) => {
  const c = document.getElementById(i);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const near = (k, rgb) => Math.abs(d[k] - rgb[0]) + Math.abs(d[k + 1] - rgb[1]) + Math.abs(d[k + 2] - rgb[2]) < 40;
  const out = { orange: 0, blue: 0, ink: 0, grey: new Set() };
  for (let k = 0; k < d.length; k += 4) {
    if (near(k, [245, 147, 34])) out.orange++;
    if (near(k, [8, 119, 189])) out.blue++;
    if (d[k] < 250 || d[k + 1] < 250 || d[k + 2] < 250) out.ink++;
    if (d[k] === d[k + 1] && d[k + 1] === d[k + 2]) out.grey.add(d[k]);
  }
  return { orange: out.orange, blue: out.blue, ink: out.ink, greys: out.grey.size };
}, id);

async function train(page, ms) {
  await page.getByRole("button", { name: "Play", exact: true }).click();
  await page.waitForTimeout(ms);
  await page.getByRole("button", { name: "Pause", exact: true }).click();
}

test("the representation view draws every point of the default circles and moves while training", async () => {
  const page = await open();
  const a = await attrs(page);
  assert.equal(a.mode, "plane", "the default layer is the last hidden one, 2 units");
  assert.equal(Number(a.points), await rows(page));
  assert.equal(Number(a.points), 400);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().reprPointCount()), 400);
  const px = await pixels(page, "repr-canvas");
  assert.ok(px.orange > 200 && px.blue > 200, `both classes are drawn: ${JSON.stringify(px)}`);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().reprGridLines()), 22, "the warped grid");
  const before = await positions(page);
  await train(page, 1500);
  assert.ok(await steps(page) > 100);
  await showRepresentation(page);
  await drawnCurrent(page);
  const after = await positions(page);
  assert.equal(after.length, before.length);
  assert.ok(maxDiff(before, after) > 0.1, `positions move with training (max change ${maxDiff(before, after)})`);
  assert.equal(Number((await attrs(page)).points), 400);
  assert.deepEqual(page.errors, []);
});

test("the morph slider moves points from the input plane (t = 0) to the layer (t = 1)", async () => {
  const page = await open();
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() === 1);
  await showRepresentation(page);
  await drawnCurrent(page);
  const layer = await positions(page);
  await page.locator("#repr-morph").fill("0");
  const input = await positions(page);
  const raw = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    return Array.from(new Float32Array(window.backpropLab.memory.buffer, lab.dataPtr(), lab.rows() * 2));
  });
  assert.ok(maxDiff(input, raw) < 1e-6, "t = 0 shows the inputs");
  await page.locator("#repr-morph").fill("0.5");
  const mid = await positions(page);
  const want = raw.map((v, i) => (v + layer[i]) / 2);
  assert.ok(maxDiff(mid, want) < 1e-5, "t = 0.5 is half way");
  assert.equal(await page.textContent("#repr-morph-value"), "0.50");
  assert.deepEqual(page.errors, []);
});

test("a 5-unit layer is shown by PCA with steady axes, and a 3-unit layer in 3-D", async () => {
  const page = await open();
  await page.getByRole("button", { name: "More units in hidden layer 1" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes()[1] === 5);
  await page.locator("#repr-layer").selectOption("0");
  await showRepresentation(page);
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "pca");
  assert.equal(Number((await attrs(page)).points), 400);
  assert.match(await page.textContent("#repr-caption"), /5 units: .*principal components/);
  let last = await positions(page);
  const mean = last.filter((_, i) => i % 2 === 0).reduce((s, v) => s + v, 0) / 400;
  assert.ok(Math.abs(mean) < 1e-4, `centred (mean ${mean})`);
  // Single steps barely move the points: no axis flips or swaps between frames.
  for (let i = 0; i < 8; i++) {
    await page.getByRole("button", { name: "Step", exact: true }).click();
    await showRepresentation(page);
    await drawnCurrent(page);
    const now = await positions(page);
    const size = Math.max(...now) - Math.min(...now);
    assert.ok(maxDiff(now, last) < 0.1 * size, `step ${i}: moved ${maxDiff(now, last)} of ${size}`);
    last = now;
  }
  for (let units = 5; units > 3; units--) {
    await page.getByRole("button", { name: "Fewer units in hidden layer 1" }).click();
    await page.waitForFunction((u) => window.backpropLab.lab().layerSizes()[1] === u, units - 1);
  }
  await showRepresentation(page);
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "space");
  assert.equal(await page.inputValue("#repr-layer"), "0", "the chosen layer survives a rebuild");
  assert.equal(await page.evaluate(() => window.backpropLab.lab().reprDims()), 3);
  assert.equal(Number((await attrs(page)).points), 400);
  assert.equal((await positions(page)).length, 1200);
  const px = await pixels(page, "repr-canvas");
  assert.ok(px.orange > 100 && px.blue > 100, `both classes are drawn in 3-D: ${JSON.stringify(px)}`);
  // Idle: it turns by itself.
  const yaw0 = Number((await attrs(page)).yaw);
  await page.waitForTimeout(800);
  const yaw1 = Number((await attrs(page)).yaw);
  assert.ok(yaw1 > yaw0, `auto-rotation (${yaw0} -> ${yaw1})`);
  // Dragging turns it by the drag.
  const box = await page.locator("#repr-canvas").boundingBox();
  await page.mouse.move(box.x + 100, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 250, box.y + 120, { steps: 5 });
  const dragged = Number((await attrs(page)).yaw);
  await page.mouse.up();
  assert.ok(Math.abs(dragged - yaw1 - 1.5) < 0.3, `a 150 px drag turns by about 1.5 rad (${yaw1} -> ${dragged})`);
  // The arrow keys turn it too.
  await page.locator("#repr-canvas").focus();
  await page.keyboard.press("ArrowLeft");
  assert.ok(Number((await attrs(page)).yaw) < dragged + 0.1, "ArrowLeft turns back");
  // A rebuild while it spins in sight (the old Lab is freed) goes unnoticed. The button
  // is clicked from script so that the page does not scroll the view away.
  await page.evaluate(() => document.querySelector("[aria-label='More units in hidden layer 1']").click());
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "pca");
  await page.waitForTimeout(300);
  assert.deepEqual(page.errors, []);
});

test("the page's timeline scrubs the representation back to step 0, replays, and exports a seekable video", async () => {
  const page = await open();
  await train(page, 1200);
  await showRepresentation(page);
  await drawnCurrent(page);
  const live = await positions(page);
  const liveStep = await steps(page);
  const timeline = page.getByRole("slider", { name: "Timeline" });
  await timeline.fill("0");
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.step === "0");
  assert.equal(await timeline.getAttribute("aria-valuetext"), "step 0");
  assert.equal(Number((await attrs(page)).points), 400);
  const start = await positions(page);
  assert.ok(maxDiff(start, live) > 0.05, "step 0 shows other positions");
  // Another layer, chosen after the fact, is computed from the same moment's weights.
  await page.locator("#repr-layer").selectOption("0");
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "pca");
  assert.equal((await attrs(page)).step, "0");
  await page.locator("#repr-layer").selectOption("1");
  await page.getByRole("button", { name: "Live", exact: true }).click();
  await drawnCurrent(page);
  assert.ok(maxDiff(await positions(page), live) < 1e-6, "live again shows step " + liveStep);
  // Replay walks the moments from the start, then returns to live.
  await page.getByRole("button", { name: "Rewatch", exact: true }).click();
  await page.waitForFunction(() => window.backpropLab.lab().shownMoment() >= 1);
  await page.waitForFunction(() => window.backpropLab.lab().shownMoment() === -1, null, { timeout: 30000 });
  // Export: a WebM download with its duration written in (or, without MediaRecorder, a
  // message saying so).
  const download = page.waitForEvent("download", { timeout: 40000 }).catch(() => null);
  await page.getByRole("button", { name: "Export video" }).click();
  const file = await download;
  if (file) {
    assert.match(file.suggestedFilename(), /\.webm$/);
    const bytes = readFileSync(await file.path());
    const at = bytes.indexOf(Buffer.from([0x44, 0x89, 0x88]));
    assert.ok(at > 0, "the WebM has a Duration element");
    const ms = bytes.readDoubleBE(at + 3);
    assert.ok(ms > 500 && ms < 60000, `duration ${ms} ms`);
    await page.waitForFunction(() => /Exported the replay/.test(document.getElementById("repr-note").textContent));
  } else {
    assert.match(await page.textContent("#repr-note"), /MediaRecorder|no video/);
  }
  assert.deepEqual(page.errors, []);
});

test("first-layer filters: 2-D data gets one line per unit, digits get 8x8 tiles, and all 1,797 digits are plotted", async () => {
  const page = await open();
  await page.locator("#filters-canvas").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("view-filters").dataset.kind === "lines");
  const lines = await attrs(page, "filters-canvas");
  assert.equal(Number(lines.units), 4);
  assert.ok(Number(lines.segments) > 20, `${lines.segments} segments of zero lines`);
  const found = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    return Array.from(new Float32Array(window.backpropLab.memory.buffer, lab.filtersArrowsPtr(), 4 * 5)).filter((_, i) => i % 5 === 0);
  });
  assert.ok(found.some((f) => f === 1), "at least one unit's line crosses the data");
  assert.ok((await pixels(page, "filters-canvas")).ink > 1000, "the lines view is drawn");

  await page.locator("#data-kind").selectOption("digits");
  await page.waitForFunction(() => window.backpropLab.lab().imageShape().length === 2, null, { timeout: 20000 });
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() === 1);
  await page.locator("#filters-canvas").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("filters-canvas").dataset.tileShape === "8x8");
  const tiles = await attrs(page, "filters-canvas");
  const units = await page.evaluate(() => window.backpropLab.lab().layerSizes()[1]);
  assert.equal(Number(tiles.tiles), units);
  const mosaic = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    return { w: lab.filtersWidth(), h: lab.filtersHeight(), gap: lab.constructor.filtersGap() };
  });
  const cols = Math.round((mosaic.w - mosaic.gap) / (8 + mosaic.gap));
  assert.equal(Math.ceil(units / cols) * (8 + mosaic.gap) + mosaic.gap, mosaic.h, "8x8 tiles with gaps");
  assert.ok((await pixels(page, "filters-canvas")).greys > 20, "tiles are drawn in many greys");
  // Hover the middle of the first tile (the mosaic's origin and scale are in device pixels).
  const box = await page.locator("#filters-canvas").boundingBox();
  const [ox, oy, s] = tiles.mosaic.split(",").map(Number);
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  await page.mouse.move(box.x + (ox + (mosaic.gap + 4) * s) / dpr, box.y + (oy + (mosaic.gap + 4) * s) / dpr);
  await page.waitForFunction(() => /^Unit 1 of layer 1/.test(document.getElementById("filters-info").textContent));
  assert.match(await page.textContent("#filters-info"), /Unit \d+ of layer 1: weights from -?\d.* to -?\d/);

  await showRepresentation(page);
  await page.waitForFunction(() => Number(document.getElementById("repr-canvas").dataset.points) === 1797);
  assert.equal(await rows(page), 1797);
  assert.deepEqual(page.errors, []);
});
