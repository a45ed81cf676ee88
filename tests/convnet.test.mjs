// A convnet built in the page's editor on the 8x8 digits: the engine's shapes shown as
// it is built, the diagram's stacks, the feature maps changing while training, a hovered
// pixel's receptive field and its sum, and the first convolution's kernels as filters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

/** Digits, the hidden layers replaced by conv 8 3x3 pad 1, max pool 2, flatten. */
async function convnetPage() {
  const page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  const built = () => page.evaluate(() => window.backpropLab.lab());
  await page.selectOption("#data-kind", "digits");
  await page.waitForFunction(() => window.backpropLab.lab().imageShape().length === 2, null, { timeout: 20000 });
  while (await page.locator("#layers button:has-text('Remove')").count()) {
    const n = await page.locator("#layers .layer").count();
    await page.locator("#layers button:has-text('Remove')").first().click();
    await page.waitForFunction((k) => document.querySelectorAll("#layers .layer").length === k - 1, n);
  }
  await built();
  for (const kind of ["conv2d", "maxpool2d", "flatten"]) {
    const n = await page.locator("#layers .layer").count();
    await page.selectOption("#add-kind", kind);
    await page.click("#add-layer");
    await page.waitForFunction((k) => document.querySelectorAll("#layers .layer").length === k + 1, n);
  }
  await page.waitForFunction(() => document.getElementById("layer-shapes").textContent.includes("128 → 10"));
  return page;
}

const canvasSum = (page, id) => page.$eval(id, (c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let s = 0;
  for (let i = 0; i < d.length; i += 4) s = (s * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1e9;
  return s;
});

test("the editor builds a convnet on the digits and shows the engine's shapes", async () => {
  const page = await convnetPage();
  assert.equal(await page.textContent("#layer-shapes"), "Shapes: 1×8×8 → 8×8×8 → 8×4×4 → 128 → 10");
  const spec = await page.evaluate(() => window.backpropLab.state().network.hidden[0]);
  assert.deepEqual(spec, { kind: "conv2d", filters: 8, kernel: [3, 3], stride: 1, pad: 1, activation: "tanh" });
  // A convolution after the flatten is refused, naming the layer; the network stays.
  await page.selectOption("#add-kind", "conv2d");
  await page.click("#add-layer");
  await page.waitForFunction(() => document.querySelector("#messages .message")?.textContent.includes("layer 4"), null, { timeout: 10000 });
  assert.match(await page.textContent("#messages .message"), /Could not build that: .*layer 4: conv2d needs an image input/);
  assert.equal(await page.locator("#layers .layer").count(), 3);
  assert.equal(await page.textContent("#layer-shapes"), "Shapes: 1×8×8 → 8×8×8 → 8×4×4 → 128 → 10");
  // The diagram draws stacks, not hundreds of unit circles.
  assert.equal(await page.evaluate(() => window.backpropLab.weightPoint(0, 0, 0)), null);
  assert.deepEqual(page.errors, []);
});

test("feature maps change while training, hover outlines the receptive field, the sum is the forward pass's", async () => {
  const page = await convnetPage();
  await page.locator("#view-featuremaps").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("featuremaps-canvas").dataset.boxes);
  const boxes = JSON.parse(await page.$eval("#featuremaps-canvas", (c) => c.dataset.boxes));
  // input 1 map, conv 8, pool 8.
  assert.deepEqual([0, 1, 2].map((s) => boxes.filter((b) => b[0] === s).length), [1, 8, 8]);
  const before = await canvasSum(page, "#featuremaps-canvas");
  await page.click("#play");
  await page.waitForFunction(() => window.backpropLab.stats().epoch >= 2, null, { timeout: 30000 });
  await page.click("#play");
  await page.waitForTimeout(300);
  const afterTraining = await canvasSum(page, "#featuremaps-canvas");
  assert.notEqual(afterTraining, before, "the maps were redrawn with the trained weights");
  // Hover pixel (2, 5) of conv map 3: its 3x3 receptive field is outlined on the input.
  await page.$eval("#featuremaps-canvas", (c) => c.scrollIntoView({ block: "center" }));
  await page.waitForTimeout(200);
  const rect = await page.$eval("#featuremaps-canvas", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top }; });
  const conv3 = boxes.find((b) => b[0] === 1 && b[1] === 3);
  const px = conv3[4] / 8;
  await page.mouse.move(rect.x + conv3[2] + 5.5 * px, rect.y + conv3[3] + 2.5 * px);
  await page.waitForFunction(() => document.getElementById("featuremaps-sum").dataset.z);
  const text = await page.textContent("#featuremaps-sum");
  assert.match(text, /Layer 1, map 3, pixel \(2, 5\): the 1×3×3 patch × kernel \+ b/);
  const z = Number(await page.$eval("#featuremaps-sum", (e) => e.dataset.z));
  const engine = await page.evaluate(() => {
    const s = window.backpropLab.state();
    return JSON.parse(window.backpropLab.lab().convPixelSum(s.view.example, 0, 3, 2, 5));
  });
  assert.ok(Math.abs(z - engine.z_forward) < 1e-9, `${z} vs the forward pass's ${engine.z_forward}`);
  assert.equal(engine.patch.length, 9);
  const field = JSON.parse(await page.evaluate(() => window.backpropLab.lab().receptiveField(0, 2, 5)));
  assert.deepEqual(field[0], { y0: 1, x0: 4, y1: 3, x1: 6 });
  const input = boxes.find((b) => b[0] === 0);
  const orange = await page.$eval("#featuremaps-canvas", (c, [bx, by, size]) => {
    const dpr = window.devicePixelRatio || 1;
    const p = size / 8;
    // The field's left edge, at input column 4, halfway down row 2.
    const d = c.getContext("2d").getImageData(Math.round((bx + 4 * p) * dpr), Math.round((by + 2.5 * p) * dpr), 1, 1).data;
    return [d[0], d[1], d[2]];
  }, [input[2], input[3], input[4]]);
  assert.ok(orange[0] > 200 && orange[1] > 100 && orange[1] < 200 && orange[2] < 80, `outline colour ${orange}`);
  assert.deepEqual(page.errors, []);
});

test("the filters view shows the first convolution's kernels, and they change while training", async () => {
  const page = await convnetPage();
  await page.locator("#view-filters").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("view-filters").dataset.kind === "images");
  const lab = () => page.evaluate(() => {
    const l = window.backpropLab.lab();
    return { w: l.filtersWidth(), h: l.filtersHeight(), rect: Array.from(l.filtersTileRect(7)) };
  });
  const f = await lab();
  assert.deepEqual(f.rect.slice(2), [3, 3], "each tile is a 3x3 kernel");
  const shown = await page.$eval("#filters-canvas", (c) => c.getBoundingClientRect().width);
  assert.ok(shown / f.w * 3 >= 30, `a kernel is drawn ${shown / f.w * 3} px wide`);
  const before = await canvasSum(page, "#filters-canvas");
  await page.click("#play");
  await page.waitForFunction(() => window.backpropLab.stats().epoch >= 2, null, { timeout: 30000 });
  await page.click("#play");
  await page.waitForTimeout(300);
  assert.notEqual(await canvasSum(page, "#filters-canvas"), before);
  assert.deepEqual(page.errors, []);
});
