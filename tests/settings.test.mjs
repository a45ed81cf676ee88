// The settings table is the engine's: the page's menus and ranges come from it, a saved
// session with values it cannot take loads with a note naming each, and the
// Regularisation setting (None, L1, L2) reaches the network and the training worker.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initSync, Lab, settingsTable, checkSettings } from "../www/pkg/backprop_lab.js";
import { start, ready } from "./browser/harness.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
initSync({ module: readFileSync(here("../www/pkg/backprop_lab_bg.wasm")) });

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

test("the engine's table and checker, through wasm", () => {
  const table = JSON.parse(settingsTable());
  const row = (p) => table.settings.find((r) => r.path === p);
  assert.deepEqual([row("data.validation").min, row("data.validation").max, row("data.validation").default], [0, 0.9, 0.5]);
  assert.deepEqual(row("training.regularization").options, [["none", "None"], ["l1", "L1"], ["l2", "L2"]]);
  assert.equal(table.paces.at(-1), null);
  const { settings, notes } = JSON.parse(checkSettings(JSON.stringify({ data: { validation: 1.5, ponits: 3 }, training: { l2: 0.02 } })));
  assert.equal(settings.data.validation, 0.5);
  assert.equal(settings.training.regularization, "l2");
  assert.equal(settings.training.regularization_rate, 0.02);
  assert.equal(settings.view.pace, row("view.pace").default);
  assert.equal(notes.length, 2, notes.join(" | "));
  assert.match(notes.join(" | "), /invalid value: number `1.5` for data.validation \(ratio of validation data\); allowed: a number from 0 to 0.9; the default 0.5 is used/);
  assert.match(notes.join(" | "), /data.ponits is not a setting this page knows; it is ignored/);
  assert.throws(() => new Lab(JSON.stringify({ data: { validation: 1 } })), /data.validation.*from 0 to 0.9/);
  assert.throws(() => new Lab(JSON.stringify({ training: { learning_rate: 1e300 } })), /`1e300`/);
  const lab = new Lab(JSON.stringify({ data: { points: 50, removed: [2, 70] }, colour: "red" }));
  assert.equal(lab.rows(), 49);
  const labNotes = JSON.parse(lab.notes());
  assert.equal(labNotes.length, 2, labNotes.join(" | "));
  assert.match(labNotes[0], /colour is not a setting/);
  assert.match(labNotes[1], /row 70 does not exist/);
  lab.free();
});

async function open(saved) {
  const page = await h.newPage();
  if (saved) await page.addInitScript((s) => localStorage.setItem("backprop-lab", s), saved);
  await page.goto(h.url);
  await ready(page);
  return page;
}

test("menus and ranges on the page come from the engine's table", async () => {
  const page = await open();
  const table = JSON.parse(settingsTable());
  const row = (p) => table.settings.find((r) => r.path === p);
  assert.equal(await page.getAttribute("#data-points", "max"), String(row("data.points").max));
  assert.equal(await page.getAttribute("#data-validation", "max"), String(row("data.validation").max));
  const kinds = await page.$$eval("#data-kind option", (o) => o.map((x) => [x.value, x.textContent]));
  assert.deepEqual(kinds, row("data.kind").options);
  const stops = await page.$$eval("#view-stop option", (o) => o.map((x) => x.value));
  assert.deepEqual(stops, row("view.stop").options.map(([v]) => v));
  assert.deepEqual(page.errors, []);
});

test("a saved session with values out of range loads with a note for each", async () => {
  const state = { data: { validation: 1.5, kind: "xor" }, training: { l2: 0.02, learnig_rate: 1 }, view: {} };
  const page = await open(JSON.stringify({ version: 1, state, model: null }));
  const messages = await page.textContent("#messages");
  assert.match(messages, /data\.validation/);
  assert.match(messages, /training\.learnig_rate is not a setting/);
  const s = await page.evaluate(() => window.backpropLab.state());
  assert.equal(s.data.kind, "xor", "the good values are kept");
  assert.equal(s.data.validation, 0.5);
  assert.deepEqual([s.training.regularization, s.training.regularization_rate], ["l2", 0.02], "an old l2 reads as L2");
  assert.equal(await page.getByRole("combobox", { name: "Regularisation", exact: true }).inputValue(), "l2");
  assert.deepEqual(page.errors, []);
});

/** Sum of |w| over the first layer's weights, as the page's Lab shows them. */
const firstLayerL1 = (page) => page.evaluate(() => {
  const lab = window.backpropLab.lab();
  const [inputs, units] = lab.layerSizes();
  const w = new Float32Array(window.backpropLab.memory.buffer, lab.weightsPtr(0), inputs * units);
  return w.reduce((s, v) => s + Math.abs(v), 0);
});

async function trainWith(regularisation) {
  const page = await open();
  const select = page.getByRole("combobox", { name: "Regularisation", exact: true });
  assert.deepEqual(await select.locator("option").allTextContents(), ["None", "L1", "L2"]);
  await select.selectOption({ label: regularisation });
  const rate = page.getByRole("spinbutton", { name: "Regularisation rate", exact: true });
  await rate.fill("0.05");
  await rate.dispatchEvent("change");
  const start = await firstLayerL1(page);
  for (let i = 0; i < 15; i++) await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() === 15, null, { timeout: 20000 });
  await page.waitForTimeout(300);
  const end = await firstLayerL1(page);
  const model = await page.evaluate(() => JSON.parse(window.backpropLab.lab().exportModel()));
  assert.deepEqual(page.errors, []);
  await page.context().close();
  return { start, end, model };
}

test("Regularisation L1 and L2 reach the network, the model file and the worker's training", async () => {
  const none = await trainWith("None");
  const l1 = await trainWith("L1");
  const l2 = await trainWith("L2");
  assert.equal(none.model.l1, undefined);
  assert.equal(none.model.l2, 0);
  assert.equal(l1.model.l1, 0.05);
  assert.equal(l1.model.l2, 0);
  assert.equal(l2.model.l2, 0.05);
  assert.equal(l2.model.l1, undefined);
  assert.equal(l1.model.training.training.regularization, "l1");
  assert.equal(none.start, l1.start, "the same initial weights");
  console.log(`# first layer's sum |w| after 15 epochs: none ${none.end.toFixed(3)}, L1 ${l1.end.toFixed(3)}, L2 ${l2.end.toFixed(3)} (from ${none.start.toFixed(3)})`);
  // The worker trains with the penalty: L1 pulls the weights' magnitudes down.
  assert.ok(l1.end < 0.8 * none.end, `sum |w|: L1 ${l1.end} vs none ${none.end}`);
  assert.ok(l2.end < none.end, `sum |w|: L2 ${l2.end} vs none ${none.end}`);
});
