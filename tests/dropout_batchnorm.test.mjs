// Dropout and batch norm in the page: the comparison's button (disabled with its reason
// without either layer), its overlaid curves in the variants' colours, the
// dropout-batchnorm lesson reaching its banner's figures, and batch norm's running
// statistics reaching the page's Lab from the training worker.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready, openLesson } from "./browser/harness.mjs";
import { checkDropoutBatchnorm } from "./browser/dropbn-lesson.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const VIEWPORT = { width: 1366, height: 900 };

/** Pixels of `canvas` within 12 of each RGB in `colours`: how many of each. */
const colourCounts = (page, id, colours) => page.$eval(id, (c, cs) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  const counts = cs.map(() => 0);
  for (let i = 0; i < d.length; i += 4) {
    cs.forEach(([r, g, b], k) => {
      if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 12) counts[k]++;
    });
  }
  return counts;
}, colours);

async function openCompare(page) {
  await page.evaluate(() => { document.getElementById("view-compare").open = true; });
  await page.locator("#view-compare").scrollIntoViewIfNeeded();
}

test("without dropout or batch norm the button is disabled and says why", async () => {
  const page = await h.newPage({ viewport: VIEWPORT });
  await page.goto(h.url);
  await ready(page);
  await openCompare(page);
  await page.waitForFunction(() => document.getElementById("compare-reason").textContent.length > 0);
  assert.equal(await page.isDisabled("#compare-run"), true);
  assert.match(await page.textContent("#compare-reason"), /no dropout or batch-norm layer: add one/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("on 2-D data the editor adds dropout and batch norm between dense layers, and the image kinds say why they cannot", async () => {
  const page = await h.newPage({ viewport: VIEWPORT });
  await page.goto(h.url);
  await ready(page);
  const options = await page.$$eval("#add-kind option", (os) => os.map((o) => [o.value, o.disabled, o.textContent]));
  assert.deepEqual(options.filter(([, off]) => off).map(([v]) => v), ["conv2d", "maxpool2d", "flatten"]);
  assert.ok(options.every(([v, off, text]) => !off || text.endsWith("(image data only)")), JSON.stringify(options));
  for (const kind of ["batchnorm", "dropout"]) {
    await page.selectOption("#add-kind", kind);
    await page.click("#add-layer");
    await page.waitForFunction((k) => window.backpropLab.state().network.hidden.some((l) => l.kind === k), kind);
  }
  await page.waitForFunction(() => document.getElementById("layer-shapes").textContent === "Shapes: 2 → 4 → 2 → 2 → 2 → 1");
  // The batch norm and dropout layers have no weights: the diagram draws one-to-one links, not edges.
  assert.deepEqual(await page.evaluate(() => [2, 3].map((l) => [window.backpropLab.lab().weightsPtr(l), window.backpropLab.lab().biasesPtr(l)])), [[0, 0], [0, 0]]);
  assert.notEqual(await page.evaluate(() => window.backpropLab.lab().weightsPtr(1)), 0);
  await openCompare(page);
  await page.waitForFunction(() => !document.getElementById("compare-run").disabled);
  assert.match(await page.textContent("#compare-reason"), /Variants: as built, without dropout, without batch norm, without either\./);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the comparison overlays the variants' curves in their colours and keeps the user's run", async () => {
  const page = await h.newPage({ viewport: VIEWPORT });
  await page.goto(h.url);
  await ready(page);
  await page.selectOption("#data-kind", "digits");
  await page.waitForFunction(() => window.backpropLab.lab().imageShape().length === 2, null, { timeout: 20000 });
  // Add a dropout layer in the editor: the network now has one to compare without.
  await page.selectOption("#add-kind", "dropout");
  await page.click("#add-layer");
  await page.waitForFunction(() => window.backpropLab.state().network.hidden.some((l) => l.kind === "dropout"));
  await openCompare(page);
  await page.waitForFunction(() => !document.getElementById("compare-run").disabled);
  assert.match(await page.textContent("#compare-reason"), /Variants: as built, without dropout\./);
  await page.click("#epoch-step");
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 1);
  const before = await page.evaluate(() => ({ epoch: window.backpropLab.lab().epoch(), steps: window.backpropLab.lab().steps() }));
  await page.fill("#compare-epochs", "8");
  await page.click("#compare-run");
  await page.waitForFunction(() => document.getElementById("compare-status").textContent.startsWith("Done"), null, { timeout: 60000 });
  assert.equal(await page.textContent("#compare-status"), "Done: 8 epochs of each variant.");
  const rows = await page.$$eval("#compare-table tr", (trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => [r[0], r[1]]), [["as built", "8"], ["without dropout", "8"]]);
  // The user's run is as it was.
  assert.deepEqual(await page.evaluate(() => ({ epoch: window.backpropLab.lab().epoch(), steps: window.backpropLab.lab().steps() })), before);
  // Both variants' colours are on both charts, and the overlay's values are the engine's.
  await page.waitForTimeout(200);
  const colours = await page.$$eval("#compare-table .compare-swatch", (sw) => sw.map((s) => s.style.background.match(/\d+/g).map(Number)));
  assert.equal(colours.length, 2);
  assert.notDeepEqual(colours[0], colours[1]);
  for (const id of ["#compare-loss", "#compare-accuracy"]) {
    const counts = await colourCounts(page, id, colours);
    assert.ok(counts.every((n) => n > 150), `${id}: pixels of each variant's colour ${counts}`);
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the comparison trains off the page's thread; cancel stops it and keeps the curves so far", async () => {
  const page = await openLesson(h, "dropout-batchnorm");
  await page.waitForFunction(() => document.getElementById("compare-progress").value >= 8, null, { timeout: 60000 });
  // The training is off the page's thread: with that thread held busy for 1.5 s, the
  // worker goes on, and its progress arrives as soon as the page is free.
  const [held, after] = await page.evaluate(async () => {
    const value = () => document.getElementById("compare-progress").value;
    const start = value();
    const t0 = performance.now();
    while (performance.now() - t0 < 1500);
    await new Promise((r) => setTimeout(r, 300));
    return [start, value()];
  });
  assert.ok(after > held, `the worker trained while the page was busy: ${held} then ${after}`);
  assert.match(await page.textContent("#compare-status"), /^Training the variants/);
  // Cancel must stop the worker itself, not only stop listening to it.
  await page.evaluate(() => {
    const terminate = Worker.prototype.terminate;
    window.terminatedWorkers = 0;
    Worker.prototype.terminate = function () {
      window.terminatedWorkers++;
      return terminate.call(this);
    };
  });
  await page.click("#compare-cancel");
  assert.equal(await page.evaluate(() => window.terminatedWorkers), 1, "the comparison's worker is terminated");
  const done = await page.evaluate(() => document.getElementById("compare-progress").value);
  await page.waitForTimeout(1000);
  assert.match(await page.textContent("#compare-status"), /Cancelled/);
  assert.equal(await page.isHidden("#compare-cancel"), true);
  assert.equal(await page.isDisabled("#compare-run"), false);
  const epochs = await page.$$eval("#compare-table tr", (trs) => trs.slice(1).map((tr) => Number(tr.children[1].textContent)));
  assert.equal(epochs.reduce((a, b) => a + b, 0) >= done - 1, true, `${epochs} after ${done}`);
  assert.ok(epochs.every((e) => e < 60), `stopped before the end: ${epochs}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the lesson reaches its banner's figures", async () => {
  const page = await openLesson(h, "dropout-batchnorm");
  await checkDropoutBatchnorm(page);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("batch norm's running statistics reach the page from the worker", async () => {
  const page = await openLesson(h, "dropout-batchnorm");
  await page.click("#compare-cancel");
  for (let i = 0; i < 2; i++) {
    await page.click("#epoch-step");
    await page.waitForFunction((e) => window.backpropLab.lab().epoch() === e, i + 1);
  }
  // The worker trained the user's run; the page's Lab shows it. The same training
  // replayed on a Lab of the page's own thread gives the running mean the worker has.
  const got = await page.evaluate(async () => {
    const { Lab, digitsBytes } = await import("/www/engine.js");
    const { engineConfig } = await import("/www/state.js");
    const shown = window.backpropLab.lab();
    const replay = new Lab(engineConfig(window.backpropLab.state()), await digitsBytes());
    replay.step(shown.steps());
    const bn = (lab) => JSON.parse(lab.exportModel()).layers.find((l) => l.kind === "batchnorm");
    const fresh = new Lab(engineConfig(window.backpropLab.state()), await digitsBytes());
    const out = { page: bn(shown), worker: bn(replay), initial: bn(fresh), steps: shown.steps() };
    replay.free();
    fresh.free();
    return out;
  });
  assert.equal(got.steps, 2 * 9);
  assert.notDeepEqual(got.worker.running_mean, got.initial.running_mean, "training moved the running mean");
  assert.deepEqual(got.page.running_mean, got.worker.running_mean);
  assert.deepEqual(got.page.running_var, got.worker.running_var);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
