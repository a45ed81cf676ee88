// The dropout-batchnorm lesson's check, shared by tests/lessons.test.mjs (every lesson)
// and tests/dropout_batchnorm.test.mjs: the comparison the lesson starts finishes and
// the figure line shows exactly the numbers the banner states.
import assert from "node:assert/strict";

/** The numbers of `text` in order (0.867, 1.000, ...), as written. */
const numbers = (text) => text.match(/\d\.\d{3}/g) ?? [];

export async function checkDropoutBatchnorm(page) {
  await page.waitForFunction(() => document.querySelector(".lesson-figure")?.textContent.startsWith("After epoch 3"), null, { timeout: 240000 });
  const banner = await page.textContent(".lesson-banner > p");
  const line = await page.textContent(".lesson-figure");
  // The banner: training accuracy after 3 epochs with batch norm (two variants) and
  // without (one figure for both), the final training accuracies (two), then the
  // validation losses and the validation accuracies of the four variants.
  const b = numbers(banner);
  assert.equal(b.length, 13, `the banner's figures: ${b}`);
  const [withBn1, withBn2, withoutBn] = b;
  const [valLoss, valAccuracy] = [b.slice(5, 9), b.slice(9, 13)];
  const l = numbers(line);
  assert.deepEqual(l, [withBn1, withBn2, withoutBn, withoutBn, ...valLoss, ...valAccuracy], `figure line "${line}" against the banner "${banner}"`);
  // The table beside the curves says the same, read from the same engine numbers.
  const rows = await page.$$eval("#compare-table tr", (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r[0]), ["as built", "without dropout", "without batch norm", "without either"]);
  assert.deepEqual(rows.map((r) => r[5]), valLoss);
  return { line, rows };
}
