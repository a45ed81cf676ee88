// Autoencoder mode in the page: the problem type "autoencoder" on the digits trains a
// network to give back its input, the reconstruction error falls, the 2-unit
// bottleneck's plane shows every digit in its class's colour with a legend, the
// reconstructions are drawn beside their inputs, an impossible tied output is refused
// with its reason, and the ucla-autoencoder lesson reaches its banner's figure.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready, maxPace, openLesson } from "./browser/harness.mjs";
import { classColoursOn, checkAutoencoderLesson } from "./browser/autoencoder.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const lab = (page, f, arg) => page.evaluate(([body, a]) => new Function("lab", "a", `return (${body})(lab, a)`)(window.backpropLab.lab(), a), [f.toString(), arg]);

/** The digits as an autoencoder, through the page's own menus. */
async function digitsAutoencoder() {
  const page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(h.url);
  await ready(page);
  await page.selectOption("#data-kind", "digits");
  await page.waitForFunction(() => window.backpropLab.lab().imageShape().length === 2, null, { timeout: 20000 });
  // Classification first: the samples carry their predicted class, in class colours 2
  // (right) and 3 (wrong).
  await page.waitForTimeout(500);
  const labelled = await classColoursOn(page, "#plane");
  assert.ok(labelled[2] + labelled[3] > 0, `predicted classes written on the samples: ${labelled}`);
  // And the reconstructions view says why there is nothing to reconstruct.
  await page.locator("#view-reconstructions").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("recon-hint").textContent.startsWith("No reconstructions"));
  assert.match(await page.textContent("#recon-hint"), /choose the problem type autoencoder \(target = input\)/);
  assert.equal(await page.isHidden("#recon-canvas"), true);
  await page.selectOption("#data-problem", "autoencoder");
  await page.waitForFunction(() => window.backpropLab.lab().reconstructionsUnavailable() === undefined, null, { timeout: 20000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(500);
  const plain = await classColoursOn(page, "#plane");
  assert.equal(plain[2] + plain[3], 0, `an autoencoder predicts no class: ${plain}`);
  return page;
}

test("the problem type lists the autoencoder, and circles have no reconstructions view", async () => {
  const page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  const options = await page.$$eval("#data-problem option", (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options.at(-1), ["autoencoder", "autoencoder (target = input)"]);
  await page.waitForFunction(() => document.getElementById("view-reconstructions")?.hidden === true);
  assert.deepEqual(page.errors, []);
});

test("an autoencoder on the digits learns to give back its input, shown as a plane of classes and as reconstructions", async () => {
  const page = await digitsAutoencoder();
  const model = JSON.parse(await lab(page, (l) => l.exportModel()));
  assert.equal(model.loss, "mse", "mse by default");
  assert.equal(model.layers.at(-1).units, 64, "the output is the 64 pixels");
  assert.equal(model.class_names, undefined);
  assert.deepEqual(JSON.parse(await lab(page, (l) => l.classNames())).length, 10, "the labels stay for colouring");
  assert.equal(await lab(page, (l) => l.autoencoder()), true);
  // No confusion matrix: no classes are predicted.
  await page.waitForFunction(() => document.querySelector("#confusion table") === null, null, { timeout: 5000 });
  // The bottleneck (the last hidden layer, 2 tanh units) as a plane, with its legend.
  await page.locator("#view-representation").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "plane", null, { timeout: 10000 });
  assert.equal(await page.locator("#repr-legend li").count(), 10);
  assert.deepEqual(await page.$$eval("#repr-legend li", (ls) => ls.map((l) => l.textContent)), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  const swatch = await page.$eval("#repr-legend li:nth-child(4) .swatch", (s) => getComputedStyle(s).backgroundColor);
  const three = await page.evaluate(() => window.backpropLab.lab().constructor.classColor(window.backpropLab.state().view.palette, 3));
  assert.equal(swatch, `rgb(${three[0]}, ${three[1]}, ${three[2]})`, "the legend's colours are the engine's");
  // Reconstructions: 8 validation rows and the selected one (unless it is among them).
  await page.locator("#view-reconstructions").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("recon-canvas").dataset.rows, null, { timeout: 10000 });
  const shown = JSON.parse(await page.$eval("#recon-canvas", (c) => c.dataset.boxes)).map((b) => b[0]);
  const selected = await page.evaluate(() => window.backpropLab.state().view.example);
  assert.ok(shown.length >= 8 && shown.length <= 9 && shown.includes(selected), `rows shown: ${shown}, selected ${selected}`);
  const train = await page.evaluate((rows) => { const l = window.backpropLab.lab(); const m = new Uint8Array(window.backpropLab.memory.buffer, l.trainMaskPtr(), l.rows()); return rows.map((r) => m[r]); }, shown);
  assert.deepEqual(train.slice(0, 8), new Array(8).fill(0), "the first 8 are validation rows");
  const before = Number(await page.$eval("#recon-summary", (s) => s.dataset.meanError));
  const pca = Number(await page.$eval("#recon-summary", (s) => s.dataset.pcaError));
  assert.match(await page.textContent("#recon-summary"), /PCA with 2 components/);
  const stepBefore = await page.$eval("#recon-canvas", (c) => c.dataset.step);
  await maxPace(page);
  // Train 15 epochs: the stop condition pauses at an epoch's end, where the
  // validation loss is the one the view shows.
  await page.selectOption("#view-stop", "epochs");
  await page.fill("#view-stop_value", "15");
  await page.dispatchEvent("#view-stop_value", "change");
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => window.backpropLab.stats().epoch >= 15 && document.getElementById("play").textContent === "Play", null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => window.backpropLab.lab().epoch()), 15);
  const paused = await page.evaluate(() => window.backpropLab.lab().steps());
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().steps()), paused, "training paused");
  await page.locator("#view-reconstructions").scrollIntoViewIfNeeded();
  await page.waitForFunction((s) => document.getElementById("recon-canvas").dataset.step === s, String(paused));
  const after = Number(await page.$eval("#recon-summary", (s) => s.dataset.meanError));
  assert.ok(after < 0.85 * before, `the reconstruction error fell: ${before} -> ${after}`);
  assert.ok(after > 0.9 * pca, `and it is a 2-unit code's: ${after} against PCA's ${pca}`);
  const val = await lab(page, (l) => l.last("val_loss"));
  assert.ok(Math.abs(val - after) < 1e-3 * after, `the validation loss is this error: ${val} vs ${after}`);
  // The reconstructions differ from one another: a trained decoder, not one grey image.
  const pairs = await page.$eval("#recon-canvas", (c) => {
    const g = c.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    return JSON.parse(c.dataset.boxes).slice(0, 2).map(([, x, y, w, cell]) => {
      const right = g.getImageData(Math.round((x + w - cell / 2) * dpr), Math.round((y + 4) * dpr), 1, Math.round((cell - 8) * dpr)).data;
      return Array.from(right.filter((_, i) => i % 4 === 0));
    });
  });
  assert.notDeepEqual(pairs[0], pairs[1], "two digits get two reconstructions");
  // The plane after training: most classes' colours are on the canvas.
  await page.locator("#view-representation").scrollIntoViewIfNeeded();
  await page.waitForTimeout(400);
  const counts = await classColoursOn(page, "#repr-canvas");
  assert.ok(counts.filter((n) => n >= 20).length >= 8, `class colours on the plane: ${counts}`);
  assert.deepEqual(page.errors, []);
});

test("a tied output that cannot be built is refused with its reason, and the network stays", async () => {
  const page = await digitsAutoencoder();
  const layers = await lab(page, (l) => Array.from(l.layerSizes()));
  await page.click("#network-tied_output");
  await page.waitForFunction(() => document.querySelector("#messages .message")?.textContent.includes("tied"), null, { timeout: 10000 });
  assert.match(await page.textContent("#messages .message"), /a layer tied to layer 0 takes its 4 outputs, but it gets 2/);
  assert.deepEqual(await lab(page, (l) => Array.from(l.layerSizes())), layers, "the old network stays");
  assert.equal(await page.isChecked("#network-tied_output"), false, "and so does the form");
  page.errors = page.errors.filter((e) => !e.includes("tied"));
  assert.deepEqual(page.errors, []);
});

test("lesson ucla-autoencoder: the tied linear autoencoder comes within 1% of PCA", async () => {
  const page = await openLesson(h, "ucla-autoencoder");
  const model = JSON.parse(await lab(page, (l) => l.exportModel()));
  assert.deepEqual(model.layers.map((l) => l.kind ?? "dense"), ["dense", "tied"]);
  assert.equal(model.layers[1].of, 0);
  // The diagram reads the tied layer's weights as W^T of layer 0.
  const [w0, w1, p] = await page.evaluate(() => {
    const l = window.backpropLab.lab();
    const m = window.backpropLab.memory.buffer;
    const a = Array.from(new Float32Array(m, l.weightsPtr(0), 2 * 64));
    const b = Array.from(new Float32Array(m, l.weightsPtr(1), 64 * 2));
    return [a, b, l.parameter(1, 5, 1)];
  });
  assert.ok(w0.some((v) => v !== 0));
  for (let j = 0; j < 64; j++) for (let i = 0; i < 2; i++) assert.equal(w1[j * 2 + i], w0[i * 64 + j], `W2[${j}][${i}] = W1[${i}][${j}]`);
  assert.equal(p, w0[64 + 5], "the tied weight (5, 1) is W1[1][5]");
  await checkAutoencoderLesson(page);
  assert.deepEqual(page.errors, []);
});
