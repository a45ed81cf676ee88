// The inspection views and the lessons: each loads from its #lesson= link, draws, and
// shows the engine's numbers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, openLesson } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const lesson = (name) => openLesson(h, name);

const ledgerText = (page) => page.textContent("#view-ledger");

test("cs231n worked example: the ledger shows the notebook's numbers", async () => {
  const page = await lesson("cs231n-worked-example");
  await page.waitForFunction(() => document.querySelector("#view-ledger tr[data-name='dC/dW1']"));
  const text = await ledgerText(page);
  for (const want of ["1.05138", "-0.0909338", "0.0341002", "[0.4332, -0.228, 0.228]", "ReLU mask = [1, 0]", "0.429053"]) {
    assert.ok(text.includes(want), `the ledger shows ${want}`);
  }
  // The stepper walks the operations and highlights the layer.
  await page.getByRole("button", { name: "Next step" }).click();
  await page.getByRole("button", { name: "Next step" }).click();
  assert.match(await page.textContent("#view-ledger p[aria-live]"), /Step 2 of 12: a1 = relu\(z1\)/);
  assert.equal(await page.locator("#view-ledger tr.current").getAttribute("data-name"), "a1");
  const check = await page.locator("#view-ledger table.checks").textContent();
  assert.match(check, /weights/);
  assert.deepEqual(page.errors, []);
});

test("UDL toy chain: f_k, h_k and dl/df_k", async () => {
  const page = await lesson("udl-toy-chain");
  await page.waitForFunction(() => document.querySelector("#view-ledger tr[data-name='dC/dW1']"));
  const text = await ledgerText(page);
  // f0 = 1.23, f3 = 2.37226, loss 0.138581, dl/df0 = 2.2809, dl/df1 = -17.0605
  for (const want of ["[1.23]", "[2.37226]", "0.138581", "2.2809", "-17.0605", "[5.24607]"]) {
    assert.ok(text.includes(want), `the ledger shows ${want}`);
  }
  assert.deepEqual(page.errors, []);
});

test("UDL deep ReLU net: the finite-difference check passes for every tensor", async () => {
  const page = await lesson("udl-deep-net");
  await page.waitForFunction(() => document.querySelectorAll("#view-ledger table.checks tr").length === 13);
  const errors = await page.$$eval("#view-ledger table.checks tr td:last-child", (tds) => tds.map((td) => Number(td.textContent)));
  assert.equal(errors.length, 12);
  for (const e of errors) assert.ok(e < 1e-6, `relative error ${e}`);
  assert.deepEqual(page.errors, []);
});

test("the 1-D toy's nudge tangent has backprop's slope, and hovering a weight shows the chain rule", async () => {
  const page = await lesson("toy-1d-nudge");
  await page.waitForFunction(() => document.querySelector(".nudge-readout")?.dataset.backprop);
  const { backprop, numeric } = await page.$eval(".nudge-readout", (e) => ({ backprop: Number(e.dataset.backprop), numeric: Number(e.dataset.numeric) }));
  assert.ok(Math.abs(backprop - numeric) < 1e-6, `${backprop} vs ${numeric}`);
  assert.equal(await page.$eval("#nudge-param", (s) => s.value), "2/0/0");
  const engine = await page.evaluate(() => JSON.parse(window.backpropLab.lab().chain(2, 0, 0, 0)));
  assert.ok(Math.abs(engine.product - engine.backprop) < 1e-12);
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  const p = await page.evaluate(() => window.backpropLab.weightPoint(2, 0, 0));
  await page.mouse.move(p.x, p.y);
  await page.waitForFunction(() => !document.querySelector(".tooltip").hidden);
  assert.match(await page.textContent(".tooltip"), /dC\/dw3\[1\]\[1\] = dC\/da × da\/dz × dz\/dw/);
  assert.deepEqual(page.errors, []);
});

test("linear activations collapse to W* x + b*", async () => {
  const page = await lesson("linear-collapse");
  await page.waitForSelector(".collapse-diff");
  const diff = Number((await page.textContent(".collapse-diff")).split(": ").at(-1));
  assert.ok(diff < 1e-9, `difference ${diff}`);
  assert.match(await page.textContent(".collapse"), /W\* = \[/);
  assert.deepEqual(page.errors, []);
});

test("every other lesson loads, trains where it should, and opens its views", async () => {
  for (const [name, check] of [
    ["cmu-blobs", async (page) => {
      await page.waitForFunction(() => window.backpropLab.lab().epoch() > 20);
      assert.equal(await page.evaluate(() => window.backpropLab.lab().rows()), 40);
    }],
    ["circles-representation", async (page) => {
      assert.deepEqual(await page.evaluate(() => Array.from(window.backpropLab.lab().layerSizes())), [2, 3, 1]);
    }],
    ["digits-overfit", async (page) => {
      assert.deepEqual(await page.evaluate(() => Array.from(window.backpropLab.lab().imageShape())), [8, 8]);
      await page.waitForFunction(() => window.backpropLab.lab().last("train_accuracy") === 1, null, { timeout: 30000 });
    }],
  ]) {
    const page = await lesson(name);
    await check(page);
    assert.deepEqual(page.errors, [], name);
    await page.context().close();
  }
});
