// Takes the screenshots of the Playground features (issue 12) into docs/: the
// regression view after some training, and a classroom link's view. Run after
// scripts/build: node scripts/screenshots-playground.mjs (uses the browser-test harness).
import { start, ready, maxPace } from "../tests/browser/harness.mjs";

const out = (name) => new URL(`../docs/${name}`, import.meta.url).pathname;
const h = await start();
try {
  let page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  await page.getByRole("combobox", { name: "Dataset", exact: true }).selectOption({ label: "Gaussian bumps (regression)" });
  await page.waitForFunction(() => window.backpropLab.state().data.kind === "gauss_regression");
  const hidden = [{ units: 8, activation: "tanh" }, { units: 4, activation: "tanh" }];
  await page.evaluate((layers) => { window.backpropLab.state().network.hidden = layers; }, hidden);
  await page.getByRole("button", { name: "More units in hidden layer 1" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().layerSizes()[1] === 8);
  await maxPace(page);
  await page.getByRole("button", { name: "Play" }).click();
  await page.waitForFunction(() => window.backpropLab.lab().epoch() >= 300, null, { timeout: 60000 });
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: out("page-regression.png") });

  page = await h.newPage();
  await page.goto(h.url);
  await ready(page);
  const hash = await page.evaluate(async () => {
    const { encodeLink } = await import("./www/engine.js");
    const classroom = { note: "Lesson 3: with only x1² and x2² switched on, how few hidden units separate the circles?", hide: ["inspect", "io", "timeline", "training.kernel"], lock: true };
    const settings = { data: { kind: "circles" }, features: { x1: false, x2: false, derived: ["x1^2", "x2^2"] }, network: { hidden: [{ units: 2, activation: "tanh" }] } };
    return `#s=${encodeLink(JSON.stringify(settings), undefined, JSON.stringify(classroom))}`;
  });
  const classroom = await h.newPage();
  await classroom.goto(`${h.url}${hash}`);
  await ready(classroom);
  await classroom.waitForTimeout(400);
  await classroom.screenshot({ path: out("page-classroom.png") });
} finally {
  await h.close();
}
