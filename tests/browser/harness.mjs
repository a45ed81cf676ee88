// Starts the static server and headless Chromium for the browser tests, and records
// every console error and page error so a test can insist there are none.
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve.mjs";

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Starts a server and a browser; returns { url, browser, newPage, close }. The server
 * sends the cross-origin isolation headers unless `isolated` is false. */
export async function start({ isolated = true } = {}) {
  const server = await serve(0, { isolated });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  const pages = [];
  async function newPage(options = {}) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, ...options });
    const page = await context.newPage();
    page.errors = [];
    page.on("console", (m) => { if (m.type() === "error") page.errors.push(m.text()); });
    page.on("pageerror", (e) => page.errors.push(String(e)));
    page.on("dialog", (d) => d.accept());
    pages.push(page);
    return page;
  }
  return {
    url: server.url,
    browser,
    newPage,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Waits until the page's engine has built its lab. */
export async function ready(page) {
  await page.waitForFunction(() => window.backpropLab?.lab() != null, null, { timeout: 20000 });
}

/** Sets the speed control to its last position, "max": training as fast as it goes. */
export async function maxPace(page) {
  await page.evaluate(() => {
    const speed = document.getElementById("speed");
    speed.value = speed.max;
    speed.dispatchEvent(new Event("input"));
  });
}

/** Opens `#lesson=NAME` in a new page of `h` and waits until its banner shows. */
export async function openLesson(h, name) {
  const page = await h.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${h.url}#lesson=${name}`);
  await ready(page);
  await page.waitForFunction((n) => document.querySelector(".lesson-banner")?.dataset.lesson === n, name, { timeout: 15000 });
  return page;
}
