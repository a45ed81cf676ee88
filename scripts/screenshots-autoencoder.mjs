// Takes the autoencoder's screenshots into docs/: the ucla-autoencoder lesson trained
// to its stop (40 epochs), then the bottleneck plane of the ten digit classes and the
// reconstructions beside their inputs. Run after scripts/build:
// node scripts/screenshots-autoencoder.mjs (uses the browser-test harness).
import { start, openLesson, maxPace } from "../tests/browser/harness.mjs";

const out = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
const h = await start();
try {
  const page = await openLesson(h, "ucla-autoencoder");
  await maxPace(page);
  await page.click(".lesson-play");
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 40, null, { timeout: 120000 });
  await page.waitForFunction(() => document.querySelector(".lesson-play")?.textContent === "Play");
  await page.locator("#view-representation").scrollIntoViewIfNeeded();
  // The plot eases its bounds towards the points: let it settle.
  await page.waitForTimeout(2500);
  await page.locator("#view-representation").screenshot({ path: out("autoencoder-bottleneck.png") });
  await page.locator("#view-reconstructions").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.getElementById("recon-canvas").dataset.rows === "9");
  await page.waitForTimeout(300);
  await page.locator("#view-reconstructions").screenshot({ path: out("autoencoder-reconstructions.png") });
  if (page.errors.length) throw new Error(page.errors.join("\n"));
} finally {
  await h.close();
}
