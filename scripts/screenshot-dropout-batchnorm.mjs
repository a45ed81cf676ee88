// Takes docs/dropout-batchnorm.png: the dropout-batchnorm lesson's comparison, the four
// variants' curves overlaid. Run after scripts/build:
// node scripts/screenshot-dropout-batchnorm.mjs (uses the browser-test harness).
import { start, openLesson } from "../tests/browser/harness.mjs";

const out = new URL("../docs/dropout-batchnorm.png", import.meta.url).pathname;
const h = await start();
try {
  const page = await openLesson(h, "dropout-batchnorm");
  await page.waitForFunction(() => document.getElementById("compare-status").textContent.startsWith("Done"), null, { timeout: 240000 });
  await page.waitForTimeout(500);
  await page.locator("#view-compare").scrollIntoViewIfNeeded();
  await page.locator("#view-compare").screenshot({ path: out });
  if (page.errors.length) throw new Error(page.errors.join("\n"));
} finally {
  await h.close();
}
