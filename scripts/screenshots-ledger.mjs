// Takes the ledger's screenshots for the layers beyond dense (issue 16) into docs/: the
// two paths to a tied W (a tied net on the digits, trained a little) and a convolution
// pixel's sum (the cmu-conv lesson). Run after scripts/build:
// node scripts/screenshots-ledger.mjs (uses the browser-test harness).
import { start, ready, openLesson } from "../tests/browser/harness.mjs";

const out = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
const h = await start();
try {
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
  await page.getByRole("button", { name: "Step epoch" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 1);
  await page.locator("#view-ledger summary").click();
  await page.$eval("#ledger-example", (e) => { e.value = "3"; e.dispatchEvent(new Event("change")); });
  await page.$eval("#ledger-tied-unit", (e) => { e.value = "5"; e.dispatchEvent(new Event("change")); });
  await page.$eval("#ledger-tied-input", (e) => { e.value = "36"; e.dispatchEvent(new Event("change")); });
  await page.waitForFunction(() => document.querySelector("#ledger-tied .hint")?.textContent.includes("W1[5][36]"));
  await page.locator("#ledger-tied").screenshot({ path: out("ledger-two-paths.png") });

  const lesson = await openLesson(h, "cmu-conv");
  await lesson.waitForSelector("#ledger-conv .conv-sum");
  await lesson.locator("#ledger-conv").screenshot({ path: out("ledger-conv-sum.png") });
} finally {
  await h.close();
}
