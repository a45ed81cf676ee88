// What the autoencoder's browser tests share (tests/autoencoder.test.mjs and the
// lesson's check in tests/lessons.test.mjs): the classes whose engine colour is on a
// canvas, and the ucla-autoencoder lesson's run to its banner's figure.
import assert from "node:assert/strict";

/** How many of the data's classes have their exact engine colour on canvas `id`, and
 * how many pixels each. */
export const classColoursOn = (page, id) => page.evaluate((sel) => {
  const lab = window.backpropLab.lab();
  const palette = window.backpropLab.state().view.palette;
  const classes = JSON.parse(lab.classNames()).length;
  const want = new Map();
  for (let k = 0; k < classes; k++) {
    const [r, g, b] = window.backpropLab.lab().constructor.classColor(palette, k);
    want.set((r << 16) | (g << 8) | b, k);
  }
  const c = document.querySelector(sel);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const counts = new Array(classes).fill(0);
  for (let i = 0; i < d.length; i += 4) {
    const k = want.get((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    if (k !== undefined) counts[k]++;
  }
  return counts;
}, id);

/** The number after `label` in the banner's live line. */
export async function figureNumber(page, label) {
  const text = await page.textContent(".lesson-figure");
  const m = text.match(new RegExp(`${label} (-?[0-9.]+)`));
  assert.ok(m, `"${label}" in "${text}"`);
  return Number(m[1]);
}

/** Plays the opened ucla-autoencoder lesson to its stop (40 epochs) and checks what
 * its banner promises: the validation reconstruction error falls from about 34 to
 * within 1% of PCA's with 2 components (26.91, measured natively in
 * crate/tests/autoencoder.rs), the bottleneck plane shows the ten classes' colours
 * and the reconstructions are drawn. */
export async function checkAutoencoderLesson(page) {
  const text = await page.textContent(".lesson-banner p");
  for (const want of ["26.92", "26.91", "dL/dW = W x g^T + W g x^T"]) assert.ok(text.includes(want), `the banner says ${want}`);
  const start = await page.evaluate(() => window.backpropLab.lab().epoch());
  assert.equal(start, 0);
  await page.click(".lesson-play");
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 2, null, { timeout: 30000 });
  const early = await page.evaluate(() => window.backpropLab.lab().last("val_loss"));
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 40 && !document.querySelector(".lesson-play")?.textContent.includes("Pause"), null, { timeout: 90000 });
  assert.equal(await page.evaluate(() => window.backpropLab.lab().epoch()), 40, "the lesson stops at epoch 40");
  await page.waitForFunction(() => document.querySelector(".lesson-figure").textContent.startsWith("Epoch 40 "));
  const val = await figureNumber(page, "validation reconstruction error");
  const pca = await figureNumber(page, "PCA with 2 components");
  assert.ok(Math.abs(pca - 26.91) < 0.01, `PCA's error ${pca}`);
  assert.ok(early > val + 0.2, `the error fell: ${early} at epoch 2, ${val} at 40`);
  assert.ok(Math.abs(val - pca) < 0.01 * pca, `within 1% of PCA: ${val} vs ${pca}`);
  // The bottleneck plane: layer 1 (2 units), every class in its colour; the legend.
  await page.locator("#view-representation").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("repr-canvas").dataset.mode === "plane");
  assert.equal(await page.inputValue("#repr-layer"), "0");
  const counts = await classColoursOn(page, "#repr-canvas");
  assert.ok(counts.filter((n) => n >= 20).length === 10, `all ten classes drawn: ${counts}`);
  assert.equal(await page.locator("#repr-legend li").count(), 10);
  await page.locator("#view-reconstructions").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.getElementById("recon-canvas").dataset.rows) >= 8);
  // The ledger: W1[0][36]'s two paths, encoder and decoder, separate, summing to backprop.
  await page.locator("#view-ledger").scrollIntoViewIfNeeded();
  await page.waitForSelector("#ledger-tied:not([hidden]) tr[data-kind='check']");
  const ledger = await page.textContent("#ledger-tied");
  for (const want of ["(encoder)", "(decoder, W1ᵀ)", "W1[0][36]"]) assert.ok(ledger.includes(want), `the ledger shows ${want}`);
  const part = (kind) => page.$eval(`#ledger-tied tr[data-kind='${kind}'] td.tied-value`, (td) => Number(td.dataset.value));
  const [enc, dec, backprop] = [await part("encoder"), await part("tied"), await part("backprop")];
  assert.ok(Math.abs(enc) > 1e-6 && Math.abs(dec) > 1e-6 && Math.abs(enc - dec) > 1e-6, `two separate paths: ${enc}, ${dec}`);
  assert.ok(Math.abs(enc + dec - backprop) <= 1e-9 * Math.abs(backprop), `${enc} + ${dec} = backprop ${backprop}`);
  assert.ok(await page.$eval("#ledger-tied .tied-verdict", (p) => Number(p.dataset.example)) < 1e-6, "the gradient check agrees");
}
