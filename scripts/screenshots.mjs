// Takes the README's screenshots of the page and its views into docs/. Run after
// scripts/build: node scripts/screenshots.mjs (uses the browser-test harness).
import { start, ready } from "../tests/browser/harness.mjs";

const out = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
/** The page region from the top of `first` to the bottom of `last`, 10 px around. */
async function union(page, first, last) {
  const a = await page.locator(first).boundingBox();
  const b = await page.locator(last).boundingBox();
  const x = Math.min(a.x, b.x) - 10;
  const y = a.y - 10;
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) + 10 - x, height: b.y + b.height + 10 - y };
}
const h = await start();
try {
  let page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: out("page-rest.png") });
  // At the default pace, as a student first sees it: 2, 5 and 10 s after Play.
  await page.getByRole("button", { name: "Play" }).click();
  const t0 = Date.now();
  for (const s of [2, 5, 10]) {
    await page.waitForTimeout(t0 + s * 1000 - Date.now());
    await page.screenshot({ path: out(`page-after-${s}s.png`) });
  }
  await page.getByRole("button", { name: "Pause" }).click();
  await page.getByRole("slider", { name: "Timeline" }).fill("0");
  await page.waitForTimeout(300);
  await page.screenshot({ path: out("timeline-start.png") });

  page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${h.url}#lesson=cs231n-worked-example`);
  await ready(page);
  await page.waitForSelector("#view-ledger tr[data-name='dC/dW1']");
  for (let i = 0; i < 10; i++) await page.getByRole("button", { name: "Next step" }).click();
  await page.locator("#view-ledger").screenshot({ path: out("view-ledger.png") });

  await page.goto(`${h.url}#lesson=toy-1d-nudge`);
  await page.waitForSelector(".nudge-readout[data-backprop]");
  await page.waitForTimeout(300);
  await page.locator("#view-nudge").screenshot({ path: out("view-nudge.png") });
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  // The diagram draws (and places its weights) once it is on screen.
  await page.waitForFunction(() => window.backpropLab.weightPoint(2, 0, 0));
  const p = await page.evaluate(() => window.backpropLab.weightPoint(2, 0, 0));
  await page.mouse.move(p.x, p.y);
  await page.waitForSelector(".tooltip:not([hidden])");
  const a = await page.locator("#diagram").boundingBox();
  const b = await page.locator(".tooltip").boundingBox();
  const x = Math.min(a.x, b.x) - 10;
  const y = Math.min(a.y, b.y) - 10;
  const clip = { x, y, width: Math.max(a.x + a.width, b.x + b.width) + 10 - x, height: Math.max(a.y + a.height, b.y + b.height) + 10 - y };
  await page.screenshot({ path: out("view-chain-rule.png"), clip });

  // Phases mode, mid-backward: the cs231n example's deltas and dC/dW1 on the diagram.
  await page.mouse.move(0, 0);
  await page.goto(`${h.url}#lesson=cs231n-worked-example`);
  await page.waitForFunction(() => document.querySelector(".lesson-banner")?.dataset.lesson === "cs231n-worked-example");
  await page.getByRole("button", { name: /Phases/ }).click();
  for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector(".phases-values")?.dataset.shownPhase === "backward, layer 1");
  await page.locator("#diagram").scrollIntoViewIfNeeded();
  await page.waitForTimeout(200);
  await page.screenshot({ path: out("view-phases-backward.png"), clip: await union(page, "#diagram", "#phases") });
  await page.keyboard.press("Escape");

  await page.setViewportSize({ width: 1366, height: 1200 });
  await page.goto(`${h.url}#lesson=bias-trick`);
  await page.waitForFunction(() => document.querySelector(".lesson-banner")?.dataset.lesson === "bias-trick");
  await page.waitForSelector("#view-ledger .aug-layer");
  await page.locator("#view-lessons").evaluate((e) => e.scrollIntoView({ block: "start" }));
  await page.waitForTimeout(200);
  await page.screenshot({ path: out("lesson-bias-trick.png"), clip: await union(page, "#view-lessons", "#view-ledger .augmented") });
  // The initialisation lessons: a constant start keeps every unit a copy of the others;
  // the histograms of a deep tanh net saturate at std 1.0 and hold their spread with Xavier.
  page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${h.url}#lesson=zero-init&variant=constant`);
  await ready(page);
  await page.waitForFunction(() => document.querySelector(".lesson-figure")?.textContent.startsWith("Epoch 150 "), null, { timeout: 60000 });
  for (const b of await page.getByRole("button", { name: "Dismiss" }).all()) await b.click();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: out("lesson-zero-init.png") });
  for (const variant of ["std1", "xavier"]) {
    await page.goto(`${h.url}#lesson=why-xavier&variant=${variant}`);
    await page.waitForFunction((v) => document.querySelector(".lesson-banner")?.dataset.variant === v
      && document.querySelector(".lesson-figure")?.textContent.startsWith("Layer 6"), variant);
    await page.waitForTimeout(500);
    const a = await page.locator(".lesson-banner").boundingBox();
    const b = await page.locator("#view-activations").boundingBox();
    await page.screenshot({ path: out(`lesson-why-xavier-${variant}.png`), clip: { x: a.x - 8, y: a.y - 8, width: a.width + 16, height: b.y + b.height - a.y + 16 } });
  }

  page = await h.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(h.url);
  await ready(page);
  await page.screenshot({ path: out("page-phone.png") });

  // A large screen after a few seconds of training, and the weight editor on the
  // diagram (a weight clicked, the form open, the loss the edited network's).
  page = await h.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(h.url);
  await ready(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForTimeout(5000);
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForTimeout(600);
  await page.screenshot({ path: out("page-1920.png") });
  const w = await page.evaluate(() => window.backpropLab.weightPoint(0, 1, 0));
  await page.mouse.click(w.x, w.y);
  await page.getByLabel("Value of w1[2][1]").fill("4");
  await page.keyboard.press("Enter");
  const v = await page.evaluate(() => window.backpropLab.weightPoint(1, 0, 2));
  await page.mouse.click(v.x, v.y);
  await page.waitForTimeout(400);
  await page.screenshot({ path: out("view-weight-edit.png"), clip: await union(page, ".top", ".network") });
  // A wide layer drawn compactly, a unit's heatmap on hover.
  const link = await page.evaluate(async () => (await import("./www/engine.js")).encodeLink(JSON.stringify({
    features: { derived: ["x1^2", "x2^2", "x1*x2"] }, network: { hidden: [{ units: 48, activation: "relu" }, { units: 6, activation: "tanh" }] } })));
  await page.keyboard.press("Escape");
  await page.goto(`${h.url}#s=${link}`);
  await page.reload();
  await ready(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForTimeout(3000);
  await page.getByRole("button", { name: "Pause" }).click();
  const layout = await page.evaluate(() => window.backpropLab.diagramLayout());
  const box = await page.locator("#diagram").boundingBox();
  const dpr = await page.evaluate(() => window.devicePixelRatio);
  const unit = layout.nodes[2][2];
  await page.mouse.move(box.x + unit.x / dpr, box.y + unit.y / dpr);
  await page.waitForTimeout(400);
  await page.locator("#diagram").screenshot({ path: out("view-wide-layer.png") });
  console.log("screenshots written to docs/");
} finally {
  await h.close();
}
