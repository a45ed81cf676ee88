// What users supply is shown as text, never run: markup in file names, headers and
// class names; the page makes no network request after it loads; a corrupted saved
// session does not stop it from loading.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, ready } from "./browser/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.close(); });

const EVIL_CLASS = `<img src=x onerror="window.__xss='class'">`;
const EVIL_HEADER = `<script>window.__xss='header'</script>`;

test("markup in an uploaded CSV shows literally and nothing executes", async () => {
  const page = await h.newPage();
  const requests = [];
  await page.goto(h.url);
  await ready(page);
  page.on("request", (r) => requests.push(r.url()));
  const rows = [`"${EVIL_HEADER.replaceAll('"', '""')}",x2,label`];
  for (let i = 0; i < 40; i++) rows.push(`${i % 7},${i % 5},"${i % 2 ? EVIL_CLASS.replaceAll('"', '""') : "plain"}"`);
  const dir = mkdtempSync(join(tmpdir(), "xss-"));
  const path = join(dir, "evil.csv");
  writeFileSync(path, rows.join("\n"));
  await page.setInputFiles("#upload-file", path);
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "csv");
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__xss), undefined, "no script ran");
  const names = await page.evaluate(() => JSON.parse(window.backpropLab.lab().classNames()));
  assert.ok(names.includes(EVIL_CLASS));
  assert.ok((await page.textContent("#confusion")).includes(EVIL_CLASS), "the class name shows as text");
  assert.ok((await page.$$eval("#add-class option", (o) => o.map((x) => x.textContent))).includes(EVIL_CLASS));
  assert.equal(await page.locator("#confusion img, #messages img, #confusion script").count(), 0);
  assert.equal(await page.evaluate(() => window.backpropLab.lab().featureNames()), JSON.stringify([EVIL_HEADER, "x2"]));
  assert.deepEqual(requests.filter((u) => !u.startsWith(h.url) && !u.startsWith("blob:") && !u.startsWith("data:")), [], "no request leaves the page's origin");
  assert.deepEqual(page.errors, []);
});

test("a corrupted or old saved session is reported and the page still loads", async () => {
  for (const saved of ["{not json", JSON.stringify({ version: 99, state: {} }), JSON.stringify({ version: 1, state: { data: { kind: "nope", points: -5 } }, model: "{}" })]) {
    const page = await h.newPage();
    await page.addInitScript((s) => localStorage.setItem("backprop-lab", s), saved);
    await page.goto(h.url);
    await ready(page);
    assert.match(await page.textContent("#messages"), /saved|not valid|afresh|could not/i, saved);
    assert.match(await page.textContent("#status"), /Epoch 0/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});
