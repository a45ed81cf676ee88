// The ledger over the layers beyond dense (issue 16): a tied autoencoder-style net on
// the digits shows the two paths to W1's weight, their sum, backprop and the gradient
// check, matching the engine's evaluate() of the same model on the same row; and the
// cmu-conv lesson writes y_ref's three numbers and a pixel's sum into the ledger.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready, openLesson } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

/** Digits, 64 → 16 (identity) → tied to layer 1 (64, identity) → 10, through a link. */
async function tiedPage() {
  const page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(h.url);
  await ready(page);
  const config = {
    data: { kind: "digits" },
    features: { standardize: false },
    network: { hidden: [{ units: 16, activation: "identity" }, { kind: "tied", of: 0, activation: "identity" }], output: "identity", loss: "softmax_cross_entropy" },
  };
  const link = await page.evaluate(async (c) => (await import("./www/engine.js")).encodeLink(JSON.stringify(c)), config);
  await page.goto(`${h.url}#s=${link}`);
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => window.backpropLab.lab().tiedWeights() !== "[]", null, { timeout: 20000 });
  return page;
}

/** Sets a number input and fires its change, in one go (no frame between the two). */
const setNumber = (page, id, v) => page.$eval(id, (e, v) => { e.value = String(v); e.dispatchEvent(new Event("change")); }, v);

const value = (page, kind, column) => page.$eval(`#ledger-tied tr[data-kind='${kind}'] td.tied-value:nth-of-type(${column === "batch" ? 3 : 1})`, (td) => Number(td.dataset.value));

test("a tied W's two paths, their sum, backprop and the check are in the ledger, as evaluate() gives them", async () => {
  const page = await tiedPage();
  await page.locator("#view-ledger summary").click();
  await page.waitForSelector("#ledger-tied:not([hidden]) tr[data-kind='check']");
  // Pick W1[5][36] (a pixel in the middle of the digit) of example 3.
  await setNumber(page, "#ledger-example", 3);
  await setNumber(page, "#ledger-tied-unit", 5);
  await setNumber(page, "#ledger-tied-input", 36);
  await page.waitForFunction(() => document.querySelector("#ledger-tied .hint")?.textContent.includes("W1[5][36]"));
  const text = await page.textContent("#ledger-tied");
  for (const want of ["path 1: through layer 1's output (encoder)", "path 2: through the tied layer 2 (decoder, W1ᵀ)", "sum", "backprop", "gradient check", "example 3", "training batch"]) {
    assert.ok(text.includes(want), `the ledger shows "${want}"`);
  }
  const [enc, dec, sum, backprop, check] = await Promise.all(["encoder", "tied", "sum", "backprop", "check"].map((k) => value(page, k, "example")));
  // Two separate numbers, each far from the total: both paths matter.
  assert.ok(Math.abs(enc) > 1e-6 && Math.abs(dec) > 1e-6, `paths ${enc}, ${dec}`);
  assert.ok(Math.abs(enc - backprop) > 1e-6 * Math.abs(backprop) && Math.abs(dec - backprop) > 1e-6 * Math.abs(backprop));
  assert.ok(Math.abs(enc + dec - backprop) <= 1e-12 * Math.abs(backprop), `${enc} + ${dec} = backprop ${backprop}`);
  const rel = await page.$eval("#ledger-tied .tied-verdict", (p) => Number(p.dataset.example));
  assert.ok(rel < 1e-6, `gradient check relative difference ${rel}`);
  assert.ok(Math.abs(check - backprop) <= 1e-6 * Math.abs(backprop));
  // The engine's evaluate() of the exported model on that one row gives the same dC/dW1[5][36].
  const want = await page.evaluate(async () => {
    const { evaluate } = await import("./www/engine.js");
    const lab = window.backpropLab.lab();
    const { memory } = window.backpropLab;
    const f = lab.features();
    const raw = new Float32Array(memory.buffer, lab.dataPtr() + 3 * f * 4, f);
    const label = new Uint32Array(memory.buffer, lab.labelsPtr(), lab.rows())[3];
    const csv = `${[...JSON.parse(lab.featureNames()), "label"].join(",")}\n${[...raw, JSON.parse(lab.classNames())[label]].join(",")}\n`;
    return JSON.parse(evaluate(lab.exportModel(), csv)).gradients[0].weights[5][36];
  });
  assert.ok(Math.abs(backprop - want) <= 1e-9 * Math.abs(want), `ledger ${backprop} vs evaluate ${want}`);
  // The batch column is the training batch's: another number, its own sum and check.
  const [bEnc, bDec, bSum, bBackprop] = await Promise.all(["encoder", "tied", "sum", "backprop"].map((k) => value(page, k, "batch")));
  assert.notEqual(bSum, sum);
  assert.ok(Math.abs(bEnc + bDec - bSum) <= 1e-12 * Math.abs(bSum) && Math.abs(bSum - bBackprop) <= 1e-12 * Math.abs(bBackprop));
  assert.ok(await page.$eval("#ledger-tied .tied-verdict", (p) => Number(p.dataset.batch)) < 1e-6);
  // The ledger's own table lists the tied path that dC/dW1 adds.
  assert.ok(await page.locator("#view-ledger tr[data-name='tied path of layer 2']").count() === 1);
  assert.deepEqual(page.errors, []);
});

test("the cmu-conv lesson shows y_ref's three numbers and a pixel's sum term by term in the ledger", async () => {
  const page = await openLesson(h, "cmu-conv");
  await page.waitForFunction(() => document.querySelector("#view-ledger")?.open);
  await page.waitForSelector("#ledger-conv-list button");
  const list = await page.textContent("#ledger-conv-list");
  for (const want of ["-0.08759809", "-0.10987781", "2.38247847"]) assert.ok(list.includes(want), `the ledger lists ${want}: ${list}`);
  // The first pixel's sum: 3×4×4 products, the top-left ones on padding, z = y_ref.
  await page.waitForSelector("#ledger-conv .conv-sum");
  assert.equal(await page.locator("#ledger-conv .conv-grid td").count(), 48);
  assert.equal(await page.locator("#ledger-conv .conv-grid td.conv-pad").count(), 3 * 7);
  // The page's weights are f32 (it trains in f32): y_ref to 1e-7, and to its 8 decimals.
  assert.match(await page.textContent("#ledger-conv .conv-sum"), /= -0\.087598086/);
  const z0 = await page.$eval("#ledger-conv .conv-sum", (p) => Number(p.dataset.z));
  assert.ok(Math.abs(z0 + 0.08759808612440192) < 1e-7 * 0.0876, `z ${z0}`);
  // Clicking the third shows image 1, map 2, pixel (1, 1): z = 2.38247847.
  await page.locator("#ledger-conv-list button", { hasText: "2.38247847" }).click();
  await page.waitForFunction(() => Math.abs(Number(document.querySelector("#ledger-conv .conv-sum")?.dataset.z) - 2.3824784688995218) < 1e-6);
  assert.equal(await page.inputValue("#ledger-example"), "1");
  assert.equal(await page.inputValue("#ledger-conv-filter"), "2");
  // Hovering a conv pixel in the feature maps shows its sum in the ledger too.
  await page.locator("#view-featuremaps").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("featuremaps-canvas").dataset.boxes);
  const boxes = JSON.parse(await page.$eval("#featuremaps-canvas", (c) => c.dataset.boxes));
  const map1 = boxes.find((b) => b[0] === 1 && b[1] === 1);
  const rect = await page.$eval("#featuremaps-canvas", (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top }; });
  await page.mouse.move(rect.x + map1[2] + map1[4] * 0.75, rect.y + map1[3] + map1[4] * 0.25);
  await page.waitForFunction(() => document.getElementById("ledger-conv-filter").value === "1" && document.getElementById("ledger-conv-x").value === "1" && document.getElementById("ledger-conv-y").value === "0");
  const z = await page.$eval("#ledger-conv .conv-sum", (p) => Number(p.dataset.z));
  const fm = await page.$eval("#featuremaps-sum", (p) => Number(p.dataset.z));
  assert.equal(z, fm);
  assert.deepEqual(page.errors, []);
});
