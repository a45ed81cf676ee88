// The phases mode (one training step in slow motion on the network diagram, stepped
// with the keyboard) shows the engine's ledger numbers; the bias-trick lesson shows
// [W b] [x; 1] equal to z in every layer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { start, ready, openLesson } from "./browser/harness.mjs";

const reference = JSON.parse(readFileSync(new URL("../../shared/reference/seed-examples.json", import.meta.url)));
const cs231n = reference.examples.find((e) => e.name === "cs231n-worked-example").expect;

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const lesson = (name) => openLesson(h, name);

/** Waits until the readout and the diagram's labels are both of `phase`; returns the
 * labels drawn: [{column, unit} or {layer, unit, input}, parts: [{key, value}], text, rect}]. */
async function phase(page, want) {
  await page.waitForFunction((p) => document.querySelector(".phases-readout")?.dataset.phase === p
    && document.querySelector(".phases-values")?.dataset.shownPhase === p, want, { timeout: 5000 });
  assert.match(await page.textContent(".phases-readout"), new RegExp(`Phase \\d of \\d: ${want}$`));
  return JSON.parse(await page.$eval(".phases-values", (e) => e.dataset.shown));
}

/** The ledger's number for one drawn part, looked up by its key and indices. */
function fromLedger(led, label, { key }) {
  const step = (name) => led.steps.find((s) => s.name === name).values;
  const { column, layer, unit, input } = label;
  switch (key) {
    case "x": return led.input[unit];
    case "z": return step(`z${column}`)[unit];
    case "a": return step(`a${column}`)[unit];
    case "y": return led.target[unit];
    case "C": return led.cost;
    case "delta": return step(`delta${column}`).delta[unit];
    case "dw": return step(`dC/dW${layer}`)[unit][input];
    case "w": return led.update.layers[layer - 1].w[unit][input];
    case "w_after": return led.update.layers[layer - 1].w_after[unit][input];
    case "b": return led.update.layers[column - 1].b[unit];
    case "b_after": return led.update.layers[column - 1].b_after[unit];
    default: throw new Error(`unknown key ${key}`);
  }
}

/** Every drawn number is the ledger's, printed to 4 significant digits, and no two
 * labels overlap. */
function checkShown(led, shown) {
  for (const label of shown) {
    for (const part of label.parts) {
      const want = fromLedger(led, label, part);
      assert.equal(part.value, want, `${part.key} of ${JSON.stringify(label)}`);
      const printed = (label.text.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);
      assert.ok(printed.some((t) => Math.abs(t - want) <= 5e-4 * Math.abs(want)), `"${label.text}" shows ${want}`);
    }
  }
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) {
      const [a, b] = [shown[i].rect, shown[j].rect];
      const apart = a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1];
      assert.ok(apart, `labels "${shown[i].text}" and "${shown[j].text}" overlap`);
    }
  }
}

const close = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test("phases mode pauses training and closes when training plays again", async () => {
  const page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => window.backpropLab.stats().steps > 0);
  await page.getByRole("button", { name: /Phases/ }).click();
  assert.equal(await page.textContent("#play"), "Play");
  assert.equal(await page.getByRole("button", { name: /Phases/ }).getAttribute("aria-pressed"), "true");
  await page.waitForTimeout(300);
  const steps = await page.evaluate(() => window.backpropLab.stats().steps);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.backpropLab.stats().steps), steps, "training stays paused");
  await phase(page, "forward, layer 1");
  // Play again: the mode closes rather than show a step that is gone.
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => document.querySelector("#phases > button").getAttribute("aria-pressed") === "false");
  assert.match(await page.textContent("#phases"), /training is playing again/);
  assert.deepEqual(page.errors, []);
});

test("phases mode steps one training step with the keyboard and draws the ledger's numbers", async () => {
  const page = await lesson("cs231n-worked-example");
  await page.getByRole("button", { name: /Phases/ }).click();
  const led = await page.evaluate(() => JSON.parse(window.backpropLab.lab().ledger(0)));
  assert.ok(close(led.cost, cs231n.loss, 1e-6));

  let shown = await phase(page, "forward, layer 1");
  checkShown(led, shown);
  const xs = shown.filter((l) => l.parts[0].key === "x").map((l) => l.parts[0].value);
  assert.deepEqual(xs, [16, -6]);
  assert.ok(shown.some((l) => l.parts.some((q) => q.key === "a" && q.value === led.steps[1].values[0])), "a1 is drawn");

  await page.keyboard.press("ArrowRight");
  shown = await phase(page, "forward, layer 2");
  checkShown(led, shown);
  const scores = shown.filter((l) => l.column === 2).map((l) => l.parts.find((q) => q.key === "a").value);
  assert.equal(scores.length, 3);
  scores.forEach((s, i) => assert.ok(close(s, cs231n.outputs[0][i], 1e-6), `score ${i}: ${s}`));

  await page.keyboard.press("n");
  shown = await phase(page, "loss");
  checkShown(led, shown);
  const loss = shown.find((l) => l.parts[0].key === "C");
  assert.ok(loss && loss.text === "C = 1.051", `loss label ${loss?.text}`);
  assert.match(await page.textContent(".phases-values"), /C = 1\.05138/);

  await page.keyboard.press("ArrowRight");
  shown = await phase(page, "backward, layer 2");
  checkShown(led, shown);
  const dw2 = shown.filter((l) => l.parts[0].key === "dw");
  assert.equal(dw2.length, 6, "every dC/dW2 link is labelled");
  for (const l of dw2) assert.ok(close(l.parts[0].value, cs231n.gradients[1].weights[l.unit][l.input], 1e-6));
  assert.equal(shown.filter((l) => l.parts[0].key === "delta").length, 3);

  await page.keyboard.press("n");
  shown = await phase(page, "backward, layer 1");
  checkShown(led, shown);
  const dw1 = shown.find((l) => l.layer === 1 && l.unit === 0 && l.input === 0);
  assert.ok(close(dw1.parts[0].value, -0.09093375673932373, 1e-6), "dW1[0][0] as in the notebook");
  assert.match(await page.textContent(".phases-values"), /ReLU mask = \[1, 0\]/);

  await page.keyboard.press("ArrowRight");
  shown = await phase(page, "update");
  checkShown(led, shown);
  const moved = shown.filter((l) => l.parts.length === 2 && l.parts[0].value !== l.parts[1].value);
  assert.ok(moved.length >= 6, `${moved.length} parameters drawn moving`);
  // w - lr dC/dw with the notebook's gradient at the lesson's learning rate 0.1.
  const w2 = shown.find((l) => l.layer === 2 && l.unit === 0 && l.input === 0);
  assert.ok(w2, "W2[0][0] is labelled");
  assert.ok(close(w2.parts[1].value, w2.parts[0].value - 0.1 * cs231n.gradients[1].weights[0][0], 1e-7));
  assert.match(await page.textContent("#phases"), /lr = 0\.1/);
  assert.match(await page.textContent("#phases"), /SGD/);
  await page.keyboard.press("ArrowRight");
  await phase(page, "update");
  assert.equal(await page.getByRole("button", { name: "Next phase" }).isDisabled(), true);

  // Back with p and the left arrow.
  await page.keyboard.press("p");
  await phase(page, "backward, layer 1");
  await page.keyboard.press("ArrowLeft");
  await phase(page, "backward, layer 2");

  // Taking the step: the next ledger starts from the update's values (f32 weights).
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await phase(page, "update");
  await page.keyboard.press("s");
  await page.waitForFunction(() => window.backpropLab.stats().steps === 1);
  const next = await page.evaluate(() => JSON.parse(window.backpropLab.lab().ledger(0)));
  for (const [k, u] of led.update.layers.entries()) {
    u.w_after.forEach((row, j) => row.forEach((w, i) => assert.ok(close(next.update.layers[k].w[j][i], w, 1e-6), `W${k + 1}[${j}][${i}]`)));
  }
  await phase(page, "update");

  // Another learning rate: the engine's update follows it; another optimiser: the note.
  await page.fill("#training-learning_rate", "0.05");
  await page.press("#training-learning_rate", "Enter");
  await page.waitForFunction(() => /lr = 0\.05/.test(document.querySelector("#phases").textContent));
  const slow = await page.evaluate(() => JSON.parse(window.backpropLab.lab().ledger(0)));
  assert.equal(slow.update.learning_rate, 0.05);
  shown = await phase(page, "update");
  checkShown(slow, shown);
  const w = shown.find((l) => l.layer === 2 && l.unit === 0 && l.input === 0);
  assert.ok(close(w.parts[1].value, w.parts[0].value - 0.05 * slow.update.layers[1].dw[0][0], 1e-12));
  await page.selectOption("#training-optimizer", "adam");
  await page.waitForFunction(() => /Training uses Adam/.test(document.querySelector("#phases").textContent));
  await page.selectOption("#training-optimizer", "momentum");
  await page.waitForFunction(() => /Training uses momentum/.test(document.querySelector("#phases").textContent));

  // Escape (away from the form fields, which keep their keys) leaves the mode.
  await page.keyboard.press("Escape");
  assert.equal(await page.getByRole("button", { name: /Phases/ }).getAttribute("aria-pressed"), "true");
  await page.getByRole("button", { name: "Previous phase" }).focus();
  await page.keyboard.press("Escape");
  assert.equal(await page.getByRole("button", { name: /Phases/ }).getAttribute("aria-pressed"), "false");
  assert.equal(await page.isVisible(".phases-readout"), false);
  assert.deepEqual(page.errors, []);
});

test("phases mode on a wide layer draws what fits and lists everything", async () => {
  const page = await lesson("cmu-blobs");
  await page.getByRole("button", { name: /Phases/ }).click();
  assert.equal(await page.textContent("#play"), "Play", "the lesson's Play is paused");
  // The worker's last snapshot may land just after the pause.
  await page.waitForTimeout(500);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowLeft");
  const led = await page.evaluate(() => JSON.parse(window.backpropLab.lab().ledger(0)));
  let shown = await phase(page, "forward, layer 1");
  checkShown(led, shown);
  for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
  shown = await phase(page, "backward, layer 1");
  checkShown(led, shown);
  // 25 deltas, 2 x 25 gradients, and dimmed: layer 2's 4 deltas and the 2 inputs.
  assert.ok(shown.length > 10 && shown.length < 81, `${shown.length} labels`);
  assert.match(await page.textContent("#phases"), new RegExp(`room for ${shown.length} of this phase's 81 numbers`));
  await page.keyboard.press("ArrowRight");
  shown = await phase(page, "update");
  checkShown(led, shown);
  assert.match(await page.textContent(".phases-values"), /W2 - 0\.001 dC\/dW2 =/);
  assert.deepEqual(page.errors, []);
});

test("bias-trick lesson: [W b] [x; 1] equals z in every layer", async () => {
  const page = await lesson("bias-trick");
  await page.waitForSelector("#view-ledger .aug-layer");
  assert.equal(await page.isChecked("#ledger-augmented"), true, "the lesson turns the bias trick on");
  const led = await page.evaluate(() => JSON.parse(window.backpropLab.lab().ledger(0)));
  const figures = await page.$$eval("#view-ledger .aug-layer", (fs) => fs.map((f) => ({
    layer: Number(f.dataset.layer),
    input: [...f.querySelectorAll(".aug-row > .aug-term:nth-of-type(2) td")].map((td) => Number(td.dataset.value)),
    product: [...f.querySelectorAll(".aug-product td")].map((td) => Number(td.dataset.value)),
    z: [...f.querySelectorAll(".aug-z td")].map((td) => Number(td.dataset.value)),
    bias: [...f.querySelectorAll(".aug-matrix td.aug-bias")].map((td) => td.textContent),
    caption: f.querySelector("figcaption").textContent,
  })));
  assert.equal(figures.length, 2);
  for (const f of figures) {
    const n = f.layer;
    const z = led.steps.find((s) => s.name === `z${n}`).values;
    assert.equal(f.product.length, z.length);
    f.product.forEach((p, j) => assert.ok(Math.abs(p - z[j]) <= 1e-12, `layer ${n}: product ${p}, z ${z[j]}`));
    assert.deepEqual(f.z, z);
    assert.equal(f.input.at(-1), 1, "the input ends in 1");
    const b = led.update.layers[n - 1].b;
    assert.deepEqual(f.bias, b.map((v) => String(Number(v.toPrecision(6)))));
    assert.ok(b.some((v) => Math.abs(v) > 0.05), "the lesson's biases matter");
    assert.match(f.caption, /largest difference from the forward pass's z\d: 0$/);
  }
  // The lesson's numbers: x = [2, -1, 0.5], z1 = [1.8, -1.45], z2 = [0.79, 1.16, -0.12].
  assert.deepEqual(figures[0].input, [2, -1, 0.5, 1]);
  [[1.8, -1.45], [0.79, 1.16, -0.12]].forEach((want, k) => want.forEach((v, j) => assert.ok(Math.abs(figures[k].product[j] - v) < 1e-6)));
  assert.match(await page.textContent(".lesson-banner"), /\[W b\] \[x; 1\]/);
  // Unticked, the figures go.
  await page.uncheck("#ledger-augmented");
  await page.waitForFunction(() => document.querySelector("#view-ledger .augmented").hidden);
  assert.deepEqual(page.errors, []);
});
