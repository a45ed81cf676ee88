// Uploads and imports made while the page starts or rebuilds must win: a CSV chosen in
// the first second after load (a saved session present) is what the page shows and
// trains on, every time; weights imported while a rebuild is in flight are the ones
// kept. Each is tried many times, at delays spread over the start-up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, ready } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const TRIES = 20;
const tmp = mkdtempSync(join(tmpdir(), "backprop-race-"));
/** 37 rows of two features with named classes: unlike any preset. */
const upload = join(tmp, "race.csv");
writeFileSync(upload, ["a,b,label", ...Array.from({ length: 37 }, (_, i) => `${i / 37},${(i * 7) % 37 / 37},${i % 3 ? "yes" : "no"}`)].join("\n"));

const shown = (page) => page.evaluate(() => {
  const lab = window.backpropLab.lab();
  return { kind: window.backpropLab.state().data.kind, rows: lab.rows(), features: JSON.parse(lab.featureNames()), classes: JSON.parse(lab.classNames()) };
});

/** The browser storage of a page that chose moons: the saved session each try starts from. */
async function savedMoons() {
  const page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  await page.selectOption("#data-kind", "moons");
  await page.waitForFunction(() => (localStorage.getItem("backprop-lab") ?? "").includes('"moons"'));
  const state = await page.context().storageState();
  await page.context().close();
  return state;
}

test(`a CSV uploaded during start-up wins over the saved session, ${TRIES} tries`, async () => {
  const storageState = await savedMoons();
  for (let i = 0; i < TRIES; i++) {
    const page = await h.newPage({ storageState });
    const delay = (i * 1000) / TRIES;
    await page.goto(h.url, { waitUntil: "commit" });
    await page.waitForTimeout(delay);
    await page.setInputFiles("#upload-file", upload);
    await page.waitForFunction(() => /Loaded "race.csv"/.test(document.getElementById("messages")?.textContent ?? ""), null, { timeout: 20000 });
    await ready(page);
    // Long enough for any restore still pending to land.
    await page.waitForTimeout(1500);
    const got = await shown(page);
    assert.deepEqual(got, { kind: "csv", rows: 37, features: ["a", "b"], classes: ["no", "yes"] }, `try ${i + 1} (${delay} ms after load)`);
    const steps = await page.evaluate(() => window.backpropLab.lab().steps());
    await page.click("#step");
    await page.waitForFunction((n) => window.backpropLab.lab().steps() === n + 1, steps, { timeout: 10000 });
    assert.equal((await shown(page)).kind, "csv", `try ${i + 1}: the worker trains on the upload`);
    assert.deepEqual(page.errors, [], `try ${i + 1}`);
    await page.context().close();
  }
});

test("a CSV dropped on the page while the engine still compiles is kept and wins, 10 tries", async () => {
  const storageState = await savedMoons();
  const text = readFileSync(upload, "utf8");
  for (let i = 0; i < 10; i++) {
    const page = await h.newPage({ storageState });
    const delay = i * 100;
    await page.goto(h.url, { waitUntil: "domcontentloaded" });
    await page.waitForTimeout(delay);
    const dataTransfer = await page.evaluateHandle((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], "race.csv", { type: "text/csv" }));
      return dt;
    }, text);
    await page.dispatchEvent("body", "drop", { dataTransfer });
    await page.waitForFunction(() => /Loaded "race.csv"/.test(document.getElementById("messages")?.textContent ?? ""), null, { timeout: 20000 });
    await page.waitForTimeout(1500);
    assert.deepEqual(await shown(page), { kind: "csv", rows: 37, features: ["a", "b"], classes: ["no", "yes"] }, `try ${i + 1} (${delay} ms after the page was parsed)`);
    // The hash follows the settings; the page itself must still be the lab, not the file.
    assert.equal(page.url().split("#")[0], h.url, `try ${i + 1}: the browser did not open the file instead`);
    assert.deepEqual(page.errors, [], `try ${i + 1}`);
    await page.context().close();
  }
});

test("weights imported or a CSV uploaded while a rebuild waits for its data win over it", async () => {
  for (let i = 0; i < 5; i++) {
    const page = await h.newPage();
    // The digits file arrives late, so the rebuild that needs it is still in flight.
    await page.route("**/data/digits.bin", async (route) => {
      await new Promise((r) => setTimeout(r, 400 + 100 * i));
      await route.continue();
    });
    await page.goto(h.url);
    await ready(page);
    await page.click("#step");
    await page.waitForFunction(() => window.backpropLab.lab().steps() === 1);
    const model = await page.evaluate(() => window.backpropLab.lab().exportModel());
    const weights = join(tmp, `weights-${i}.json`);
    writeFileSync(weights, model);
    await page.selectOption("#data-kind", "digits");
    await page.setInputFiles("#import-file", weights);
    await page.waitForFunction(() => /Weights loaded|with its configuration/.test(document.getElementById("messages").textContent));
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.backpropLab.state().data.kind), "circles", `try ${i + 1}: the import stays`);
    const layers = (text) => JSON.parse(text).layers;
    assert.deepEqual(layers(await page.evaluate(() => window.backpropLab.lab().exportModel())), layers(model), `try ${i + 1}`);
    assert.equal(await page.inputValue("#data-kind"), "circles", `try ${i + 1}: the controls show the data kept`);

    await page.selectOption("#data-kind", "digits");
    await page.setInputFiles("#upload-file", upload);
    await page.waitForFunction(() => /Loaded "race.csv"/.test(document.getElementById("messages").textContent));
    await page.waitForTimeout(1500);
    assert.deepEqual(await shown(page), { kind: "csv", rows: 37, features: ["a", "b"], classes: ["no", "yes"] }, `try ${i + 1}: the upload stays`);
    assert.deepEqual(page.errors, [], `try ${i + 1}`);
    await page.context().close();
  }
});
