// What a TensorFlow Playground user reaches for (issue 12), in headless Chromium: the
// regression sets and their colouring, the plane's toggles, Regenerate, inputs as
// toggles and zero hidden layers, controls that do not apply, classroom links, and the
// address's hash following the settings. Every test insists on a console without errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, ready } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

async function open(hash = "", options) {
  const page = await h.newPage(options);
  await page.goto(`${h.url}${hash}`);
  await ready(page);
  return page;
}

const state = (page) => page.evaluate(() => window.backpropLab.state());
const dataset = (page) => page.getByRole("combobox", { name: "Dataset", exact: true });

/** Chooses a dataset by its menu label and waits for the Lab built from it. */
async function chooseDataset(page, label, kind) {
  await dataset(page).selectOption({ label });
  await page.waitForFunction((k) => window.backpropLab.lab() && window.backpropLab.state().data.kind === k && window.backpropLab.lab().rows() > 0, kind);
  await page.waitForTimeout(150);
}

/** The canvas pixel (RGB) at the centre of data row `r`, and the engine's numbers. */
function pointPixel(page, r) {
  return page.evaluate((row) => {
    const lab = window.backpropLab.lab();
    const canvas = document.getElementById("plane");
    const [x0, x1, y0, y1] = lab.gridBounds();
    const x = new Float32Array(window.backpropLab.memory.buffer, lab.dataPtr(), lab.rows() * 2);
    const px = Math.round(((x[2 * row] - x0) / (x1 - x0)) * canvas.width);
    const py = Math.round(((y1 - x[2 * row + 1]) / (y1 - y0)) * canvas.height);
    const d = canvas.getContext("2d").getImageData(px, py, 1, 1).data;
    return [d[0], d[1], d[2]];
  }, r);
}

/** Rows of the highest and the lowest target among the training rows. */
function extremeRows(page) {
  return page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const n = lab.rows();
    const t = new Float32Array(window.backpropLab.memory.buffer, lab.labelsPtr(), n);
    const train = new Uint8Array(window.backpropLab.memory.buffer, lab.trainMaskPtr(), n);
    let hi = -1;
    let lo = -1;
    for (let i = 0; i < n; i++) {
      if (!train[i]) continue;
      if (hi < 0 || t[i] > t[hi]) hi = i;
      if (lo < 0 || t[i] < t[lo]) lo = i;
    }
    return { hi, lo, high: t[hi], low: t[lo] };
  });
}

test("Plane (regression) colours a high-target and a low-target point with the two ends of the diverging scale, with a legend", async () => {
  const page = await open();
  await chooseDataset(page, "Plane (regression)", "plane_regression");
  assert.equal(await page.evaluate(() => window.backpropLab.lab().classNames()), "[]");
  const { hi, lo, high, low } = await extremeRows(page);
  assert.ok(high > 0.8 && low < -0.8, `targets ${low} to ${high}`);
  const [neg, pos] = await page.evaluate(() => {
    const Lab = window.backpropLab.lab().constructor;
    const r = Lab.signedRamp("standard", 2);
    return [Array.from(r.slice(0, 3)), Array.from(r.slice(3, 6))];
  });
  const near = (a, b) => a.every((v, i) => Math.abs(v - b[i]) <= 40);
  const top = await pointPixel(page, hi);
  const bottom = await pointPixel(page, lo);
  assert.ok(near(top, pos), `the highest target ${high} is drawn ${top}, the positive pole is ${pos}`);
  assert.ok(near(bottom, neg), `the lowest target ${low} is drawn ${bottom}, the negative pole is ${neg}`);
  assert.ok(!near(top, bottom));
  // The legend shows the scale's ends and centre.
  assert.equal(await page.isVisible("#value-legend"), true);
  assert.equal(await page.textContent("#value-low"), "-1");
  assert.equal(await page.textContent("#value-mid"), "0");
  assert.equal(await page.textContent("#value-high"), "1");
  // Regression trains with the squared error and an identity output.
  const model = JSON.parse(await page.evaluate(() => window.backpropLab.lab().exportModel()));
  assert.equal(model.loss, "mse");
  assert.equal(model.layers.at(-1).activation, "identity");
  assert.deepEqual(page.errors, []);
});

test("Gaussian bumps (regression) and an uploaded regression CSV are coloured on the scale, not as classes", async () => {
  const page = await open();
  await chooseDataset(page, "Gaussian bumps (regression)", "gauss_regression");
  const { hi, lo, high, low } = await extremeRows(page);
  assert.ok(high > 0.9 && low < -0.9, `${low} ${high}`);
  const top = await pointPixel(page, hi);
  const bottom = await pointPixel(page, lo);
  assert.ok(top[2] > top[0] + 80, `a positive bump is blue: ${top}`);
  assert.ok(bottom[0] > bottom[2] + 80, `a negative bump is orange: ${bottom}`);

  // A CSV with values: colours follow the target, never ten class colours.
  const rows = ["a,b,y"];
  for (let i = 0; i < 100; i++) rows.push(`${(i % 10) / 5 - 1},${Math.floor(i / 10) / 5 - 1},${(i % 10) * 10}`);
  await page.setInputFiles("#upload-file", { name: "values.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "csv");
  await page.waitForTimeout(150);
  const colours = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const c = new Uint8Array(window.backpropLab.memory.buffer, lab.pointColorsPtr("standard"), lab.rows() * 3);
    return Array.from(c);
  });
  const row = (k) => colours.slice(3 * k, 3 * k + 3);
  // Row 0 has y 0 (the low end), row 9 y 90 (the high end), row 5 y 50 (near the centre, white-ish).
  assert.ok(row(0)[0] > 200 && row(0)[2] < 100, `y 0 is the negative pole: ${row(0)}`);
  assert.ok(row(9)[2] > 150 && row(9)[0] < 100, `y 90 is the positive pole: ${row(9)}`);
  assert.ok(row(5).every((v) => v > 200), `y 50 is near white: ${row(5)}`);
  assert.equal(await page.textContent("#value-low"), "0");
  assert.equal(await page.textContent("#value-high"), "90");
  assert.deepEqual(page.errors, []);
});

test("shift-click removes a point from regression data too", async () => {
  const page = await open();
  await chooseDataset(page, "Plane (regression)", "plane_regression");
  const rows = await page.evaluate(() => window.backpropLab.lab().rows());
  await page.locator("#plane").click({ modifiers: ["Shift"] });
  await page.waitForFunction((n) => window.backpropLab.lab().rows() === n - 1, rows);
  assert.deepEqual((await state(page)).data.removed.length, 1);
  assert.equal(await page.textContent("#messages"), "");
  assert.deepEqual(page.errors, []);
});

test("Problem type reads a two-class set as values", async () => {
  const page = await open();
  await page.getByRole("combobox", { name: "Problem type", exact: true }).selectOption("regression");
  await page.waitForFunction(() => window.backpropLab.state().data.problem === "regression" && window.backpropLab.lab().classNames() === "[]");
  assert.equal(JSON.parse(await page.evaluate(() => window.backpropLab.lab().exportModel())).loss, "mse");
  assert.equal(await page.isVisible("#value-legend"), true);
  assert.deepEqual(page.errors, []);
});

test("Show validation points hides the rings; Discretise output gives the heatmap two colours", async () => {
  const page = await open();
  const show = page.getByRole("checkbox", { name: "Show validation points", exact: true });
  const discrete = page.getByRole("checkbox", { name: "Discretise output", exact: true });
  assert.equal(await show.isChecked(), true);
  assert.equal(await discrete.isChecked(), false);
  const valRow = await page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const train = new Uint8Array(window.backpropLab.memory.buffer, lab.trainMaskPtr(), lab.rows());
    return train.indexOf(0);
  });
  const before = await pointPixel(page, valRow);
  assert.ok(before.every((v) => v > 240), `a validation ring is white inside: ${before}`);
  await show.uncheck();
  await page.waitForFunction(() => window.backpropLab.state().view.show_validation === false);
  await page.waitForTimeout(100);
  const after = await pointPixel(page, valRow);
  assert.notDeepEqual(after, before, "the ring is gone, the heatmap shows through");

  const distinct = () => page.evaluate(() => {
    const lab = window.backpropLab.lab();
    const px = new Uint8Array(window.backpropLab.memory.buffer, lab.gridOutputPtr(), lab.gridSide() ** 2 * 4);
    const seen = new Set();
    for (let i = 0; i < px.length; i += 4) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
    return seen.size;
  });
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 1);
  assert.ok((await distinct()) > 2);
  await discrete.check();
  await page.waitForFunction(() => window.backpropLab.state().view.discretize === true);
  await page.waitForTimeout(100);
  assert.ok((await distinct()) <= 2, "two colours: one per side of the boundary");
  assert.deepEqual(page.errors, []);
});

test("Regenerate draws a new data seed, new points, and the same seed again from a link", async () => {
  const page = await open();
  const seed = (await state(page)).data.seed;
  const first = await page.evaluate(() => window.backpropLab.lab().dataPtr() && Array.from(new Float32Array(window.backpropLab.memory.buffer, window.backpropLab.lab().dataPtr(), 4)));
  await page.getByRole("button", { name: "Regenerate", exact: true }).click();
  await page.waitForFunction((s) => window.backpropLab.state().data.seed !== s, seed);
  const next = (await state(page)).data.seed;
  assert.equal(await page.getByRole("spinbutton", { name: "Data seed" }).inputValue(), String(next));
  const second = await page.evaluate(() => Array.from(new Float32Array(window.backpropLab.memory.buffer, window.backpropLab.lab().dataPtr(), 4)));
  assert.notDeepEqual(second, first);
  // The hash carries the seed: a new page at that address draws the same points.
  await page.waitForFunction(() => location.hash.startsWith("#s=v1."));
  const other = await open(await page.evaluate(() => location.hash));
  await other.waitForFunction((s) => window.backpropLab.state().data.seed === s, next);
  const again = await other.evaluate(() => Array.from(new Float32Array(window.backpropLab.memory.buffer, window.backpropLab.lab().dataPtr(), 4)));
  assert.deepEqual(again, second);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});

test("x1 and x2 switch off like the derived features, each with its heatmap; zero hidden layers train", async () => {
  const page = await open();
  const x1 = page.getByRole("checkbox", { name: "x1", exact: true });
  assert.equal(await x1.isChecked(), true);
  assert.equal(await page.locator(".feature-tile").count(), 7, "x1, x2 and the five derived features");
  const tileInk = await page.evaluate(() => {
    const c = document.querySelector("#features-x1 + .feature-tile");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    return [d[0], d[2], d[d.length - 4], d[d.length - 2]];
  });
  assert.ok(tileInk[0] > tileInk[1] && tileInk[3] > tileInk[2], `x1's tile runs from orange (left) to blue (right): ${tileInk}`);
  await x1.uncheck();
  await page.waitForFunction(() => window.backpropLab.state().features.x1 === false);
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes()[0] === 1);
  await page.getByRole("checkbox", { name: "x1^2", exact: true }).check();
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes()[0] === 2);
  while ((await state(page)).network.hidden.length > 0) {
    const n = (await state(page)).network.hidden.length;
    await page.getByRole("button", { name: `Remove hidden layer ${n}` }).click();
    await page.waitForFunction((k) => window.backpropLab.state().network.hidden.length === k - 1, n);
  }
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes().length === 2);
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 1);
  assert.ok(Number.isFinite(await page.evaluate(() => window.backpropLab.lab().last("train_loss"))));
  assert.deepEqual(page.errors, []);
});

test("Points and Noise say why they do not apply to blobs and digits; the limits say so; a trained network asks before it is reshaped", async () => {
  const page = await open();
  const points = page.getByRole("spinbutton", { name: "Points", exact: true });
  assert.equal(await points.isEnabled(), true);
  await chooseDataset(page, "Gaussian blobs (CMU)", "blobs");
  assert.equal(await points.isEnabled(), false);
  assert.equal(await page.getByRole("spinbutton", { name: "Noise", exact: true }).isEnabled(), false);
  assert.match(await page.textContent("#data-points-why"), /Points: not used by Gaussian blobs \(CMU\)/);
  assert.equal(await page.isVisible("#data-points-why"), true);
  await chooseDataset(page, "8x8 digits", "digits");
  assert.match(await page.textContent("#data-noise-why"), /Noise: not used by 8x8 digits/);
  assert.equal(await page.getByRole("spinbutton", { name: "Images (0 = all)" }).isEnabled(), true);
  await chooseDataset(page, "Circles", "circles");
  assert.equal(await points.isEnabled(), true);
  assert.equal(await page.isVisible("#data-points-why"), false);

  // The widest layer says it is at the limit.
  await page.evaluate(() => {
    const s = window.backpropLab.state();
    s.network.hidden[0].units = 127;
  });
  await page.getByRole("button", { name: "More units in hidden layer 1" }).click();
  await page.waitForFunction(() => window.backpropLab.state().network.hidden[0].units === 128);
  assert.equal(await page.getByRole("button", { name: "More units in hidden layer 1" }).isDisabled(), true);
  assert.match(await page.textContent("#layers-why"), /At most 128 units a layer/);

  // Trained, a change of architecture asks; declined, nothing changes.
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().steps() > 0);
  const asked = [];
  page.removeAllListeners("dialog");
  page.on("dialog", (d) => { asked.push(d.message()); d.dismiss(); });
  await page.getByRole("button", { name: "Fewer units in hidden layer 1" }).click();
  await page.waitForTimeout(200);
  assert.match(asked[0] ?? "", /Change the network\?/);
  assert.equal((await state(page)).network.hidden[0].units, 128);
  assert.ok(await page.evaluate(() => window.backpropLab.lab().steps() > 0), "the trained network is kept");
  assert.deepEqual(page.errors, []);
});

test("the adds-a-point menu shows whole class names, and is off for regression", async () => {
  const page = await open();
  const menu = page.getByRole("combobox", { name: "Class of added points" });
  const fits = await menu.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().width > 40);
  assert.ok(fits, "the menu is not cut short");
  await chooseDataset(page, "Plane (regression)", "plane_regression");
  assert.equal(await page.getByRole("radio", { name: /adds a point/ }).isDisabled(), true);
  assert.equal(await page.isVisible("#add-why"), true);
  assert.deepEqual(page.errors, []);
});

test("the address's hash follows the settings, view ones included", async () => {
  const page = await open();
  const decoded = () => page.evaluate(async () => {
    const { decodeLink } = await import("./www/engine.js");
    return JSON.parse(decodeLink(location.hash.slice(3)));
  });
  await page.waitForFunction(() => location.hash.startsWith("#s=v1."));
  await dataset(page).selectOption({ label: "XOR" });
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "xor");
  await page.waitForFunction(() => location.hash.length > 10);
  assert.equal((await decoded()).config.data.kind, "xor");
  await page.getByRole("spinbutton", { name: "Learning rate" }).fill("0.1");
  await page.getByRole("spinbutton", { name: "Learning rate" }).press("Enter");
  await page.waitForFunction(() => window.backpropLab.state().training.learning_rate === 0.1);
  assert.equal((await decoded()).config.training.learning_rate, 0.1);
  await page.getByRole("checkbox", { name: "Discretise output" }).check();
  await page.waitForFunction(() => window.backpropLab.state().view.discretize);
  assert.equal((await decoded()).view.discretize, true);
  // The address opens what was on screen.
  const other = await open(await page.evaluate(() => location.hash));
  await other.waitForFunction(() => window.backpropLab.state().data.kind === "xor");
  const s = await state(other);
  assert.equal(s.training.learning_rate, 0.1);
  assert.equal(s.view.discretize, true);
  assert.equal(await other.getByRole("checkbox", { name: "Discretise output" }).isChecked(), true);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(other.errors, []);
});

/** A classroom link made by the engine. */
async function classroomLink(page, classroom, settings = {}) {
  return page.evaluate(async ([c, s]) => {
    const { encodeLink } = await import("./www/engine.js");
    return `#s=${encodeLink(JSON.stringify(s), undefined, JSON.stringify(c))}`;
  }, [classroom, settings]);
}

test("a classroom link hides what it names, shows the teacher's note, locks the layers, and keeps all that in the hash", async () => {
  const maker = await open();
  const note = "Find the smallest network that separates the circles.";
  const hash = await classroomLink(maker, { note, hide: ["inspect", "io", "training.learning_rate"], lock: true }, { data: { kind: "circles" } });
  const page = await open(hash);
  await page.waitForFunction(() => !document.getElementById("teacher-note").hidden);
  assert.equal(await page.textContent("#teacher-note"), note);
  assert.equal(await page.isVisible("#inspect"), false);
  assert.equal(await page.isVisible(".io"), false);
  assert.equal(await page.getByRole("button", { name: "Copy link" }).isVisible(), false);
  assert.equal(await page.getByRole("spinbutton", { name: "Learning rate" }).isVisible(), false);
  assert.equal(await page.getByRole("spinbutton", { name: "Batch size" }).isVisible(), true, "only what it names");
  assert.equal(await page.getByRole("button", { name: "Add layer" }).isDisabled(), true);
  assert.equal(await page.getByRole("button", { name: "Remove hidden layer 1" }).isDisabled(), true);
  assert.match(await page.textContent("#layers-why"), /teacher's link fixes the hidden layers/);
  // A change of settings keeps the classroom options in the address.
  await page.getByRole("checkbox", { name: "Show validation points" }).uncheck();
  await page.waitForFunction(() => window.backpropLab.state().view.show_validation === false);
  const link = await page.evaluate(async () => {
    const { decodeLink } = await import("./www/engine.js");
    return JSON.parse(decodeLink(location.hash.slice(3)));
  });
  assert.equal(link.classroom.note, note);
  assert.equal(link.classroom.lock, true);
  assert.equal(link.view.show_validation, false);
  assert.deepEqual(maker.errors, []);
  assert.deepEqual(page.errors, []);
});

test("an embed link drops the page chrome for an iframe", async () => {
  const maker = await open();
  const hash = await classroomLink(maker, { embed: true, hide: ["network"] });
  const page = await open(hash);
  await page.waitForFunction(() => document.body.classList.contains("embed"));
  assert.equal(await page.isVisible("h1"), false);
  assert.equal(await page.isVisible(".panel.network"), false);
  assert.equal(await page.isVisible("#plane"), true);
  assert.equal(await page.getByRole("button", { name: "Play" }).isVisible(), true);
  assert.deepEqual(page.errors, []);
});
