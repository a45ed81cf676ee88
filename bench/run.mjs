// scripts/bench's driver: serves the repository on 127.0.0.1, opens bench/index.html in
// headless Chromium, runs every workload on every engine (interleaved), measures the
// app page's load, and prints and writes bench/results.md.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { serve } from "../scripts/serve.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const RUNS = Math.max(1, Math.floor(Number(process.env.BENCH_RUNS ?? 3)));
const WARM = Math.min(1, SECONDS / 2);
const LOAD_RUNS = Math.max(3, RUNS);
if (!(SECONDS > 0)) throw new Error(`BENCH_SECONDS must be a positive number, got ${process.env.BENCH_SECONDS}`);

const pkgVersion = (name) => JSON.parse(readFileSync(here(`node_modules/${name}/package.json`), "utf8")).version;
const PKG = Object.fromEntries(
  ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "convnetjs", "brain.js", "brain.js-1", "playwright-core"]
    .map((n) => [n, pkgVersion(n)]),
);

const LABELS = {
  "ours-f32-simd": "ours, f32, SIMD kernel",
  "ours-f32-simd128": "ours, f32, SIMD kernel, plain simd128 build",
  "ours-f32-threads-1": "ours, f32, SIMD kernel, threaded build, 1 thread",
  "ours-f32-threads-2": "ours, f32, SIMD kernel, threaded build, 2 threads",
  "ours-f32-scalar": "ours, f32, scalar kernel",
  "ours-f64": "ours, f64",
  "ours-f32-ndarray": "ours, f32, ndarray general_mat_mul",
  "tfjs-wasm": `TF.js ${PKG["@tensorflow/tfjs-backend-wasm"]} wasm (1 thread)`,
  "tfjs-wasm-2": `TF.js ${PKG["@tensorflow/tfjs-backend-wasm"]} wasm (2 threads)`,
  "tfjs-cpu": `TF.js ${PKG["@tensorflow/tfjs-backend-cpu"]} cpu (JavaScript)`,
  convnetjs: `ConvNetJS ${PKG.convnetjs}`,
  brainjs: `brain.js ${PKG["brain.js"]}`,
  "brainjs-1": `brain.js ${PKG["brain.js-1"]}`,
};
const OURS = ["ours-f32-simd", "ours-f32-simd128", "ours-f32-threads-1", "ours-f32-threads-2", "ours-f32-scalar", "ours-f64"];
const TRAIN_ENGINES = [...OURS, "tfjs-wasm", "tfjs-wasm-2", "tfjs-cpu", "convnetjs", "brainjs-1", "brainjs"];
const MATMUL_ENGINES = [...OURS, "ours-f32-ndarray", "tfjs-wasm", "tfjs-wasm-2", "tfjs-cpu"];
const PEERS = TRAIN_ENGINES.filter((e) => !OURS.includes(e));
// W4's peers: ConvNetJS's conv and pool layers, and TF.js on its cpu backend (its wasm
// backend has no Conv2DBackpropFilter kernel, so it cannot train a convolution).
const W4_PEERS = ["tfjs-cpu", "convnetjs"];
const ENGINES = { W1: TRAIN_ENGINES, W2: TRAIN_ENGINES, W4: [...OURS, ...W4_PEERS] };

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

/** Timed runs of `engines`, interleaved: a discarded warm-up round, then RUNS rounds,
 * each in a rotated order so drift and garbage collection hit every engine alike. */
async function rounds(engines, call, what) {
  for (const e of engines) await call(e, WARM);
  const runs = Object.fromEntries(engines.map((e) => [e, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const e of rotate(engines, r)) {
      const v = await call(e, SECONDS);
      runs[e].push(v);
      console.log(`bench: ${what} run ${r + 1}/${RUNS} ${LABELS[e]}: ${fmt(v)}`);
    }
  }
  return runs;
}

/** Navigation start to the first status text "Epoch N" / "N epochs" with N > 0, in a fresh
 * context each time; also when the engine is ready (the status leaves "Loading"). */
async function pageLoad(browser, url, clickPlay) {
  const times = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const trained = (t) => {
        const m = /\bepoch\s+(\d+)/i.exec(t) || /(\d+)\s+epochs\b/i.exec(t);
        return m !== null && Number(m[1]) > 0;
      };
      const mark = { ready: null, trained: null, text: "" };
      window.__loadMarks = mark;
      const check = () => {
        // The visible status line: the page's live region (role=status) only announces
        // events, so it never counts epochs.
        const el = document.getElementById("status");
        if (!el) return;
        const t = el.textContent;
        mark.text = t;
        if (mark.ready === null && t.trim() && !/loading/i.test(t)) mark.ready = performance.now();
        if (mark.trained === null && trained(t)) mark.trained = performance.now();
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(url, { waitUntil: "load" });
    let clickedAt = null;
    if (clickPlay) {
      await page.waitForFunction(() => window.__loadMarks.ready !== null, null, { timeout: 10000 }).catch(() => {});
      const play = page.getByRole("button", { name: /^play$/i });
      if ((await play.count()) > 0) {
        clickedAt = await page.evaluate(() => performance.now());
        await play.first().click({ timeout: 2000 }).catch(() => {});
      }
    }
    await page.waitForFunction(() => window.__loadMarks.trained !== null, null, { timeout: 5000 }).catch(() => {});
    times.push({ ...(await page.evaluate(() => ({ ...window.__loadMarks }))), clickedAt });
    await context.close();
  }
  return times;
}

/** The default circles page with every view panel open, playing at full speed (the
 * speed control at max; with `max` false, at the page's default pace): frames
 * per second (requestAnimationFrame callbacks) and epochs per second of the page's Lab,
 * over RUNS windows of SECONDS each after a warm-up. With `scrolled`, the page is
 * scrolled to the representation view once playing, so that it and the filters view
 * (which draw only while on screen) are live too. */
async function inPage(browser, url, scrolled, max = true) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.backpropLab?.lab() != null, null, { timeout: 20000 });
    const views = await page.evaluate(() => {
      const panels = [...document.querySelectorAll("details.view")];
      panels.forEach((d) => { d.open = true; });
      window.__frames = 0;
      const count = () => { window.__frames++; requestAnimationFrame(count); };
      requestAnimationFrame(count);
      return panels.map((d) => d.querySelector("summary")?.textContent.trim() ?? d.id);
    });
    if (max) {
      await page.evaluate(() => {
        const speed = document.getElementById("speed");
        speed.value = speed.max;
        speed.dispatchEvent(new Event("input"));
      });
    }
    await page.getByRole("button", { name: "Play", exact: true }).click();
    if (scrolled) await page.evaluate(() => document.getElementById("repr-canvas").scrollIntoView({ block: "start" }));
    await page.waitForTimeout(WARM * 1000);
    const mark = () => page.evaluate(() => ({ t: performance.now(), frames: window.__frames, epoch: window.backpropLab.lab().epoch() }));
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const a = await mark();
      await page.waitForTimeout(SECONDS * 1000);
      const b = await mark();
      const seconds = (b.t - a.t) / 1000;
      runs.push({ fps: (b.frames - a.frames) / seconds, epochs: (b.epoch - a.epoch) / seconds });
      console.log(`bench: in-page${scrolled ? " (scrolled)" : ""}${max ? "" : " (default pace)"} run ${r + 1}/${RUNS}: ${runs[r].fps.toFixed(1)} frames/s, ${runs[r].epochs.toFixed(0)} epochs/s`);
    }
    const sizes = await page.evaluate(() => Array.from(window.backpropLab.lab().layerSizes()));
    const rows = await page.evaluate(() => window.backpropLab.lab().rows());
    return { runs, views, sizes, rows };
  } finally {
    await context.close();
  }
}

function targetLine(name, ok, detail, best = "") {
  return `| ${name} | ${ok === null ? "n/a" : ok ? "met" : "not met"} | ${detail} | ${best} |`;
}

async function main() {
  // The page loads one of two builds (www/simd.js); the larger is the one measured.
  const wasmBytes = ["backprop_lab_bg.wasm", "backprop_lab_relaxed_bg.wasm"]
    .map((f) => readFileSync(here(`../www/pkg/${f}`)))
    .reduce((a, b) => (b.length > a.length ? b : a));
  const wasmRaw = wasmBytes.length;
  const wasmGzip = gzipSync(wasmBytes, { level: 9 }).length;

  const server = await serve(0);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const date = new Date();
  const loadBefore = loadavg();
  try {
    // The app page first, while nothing else runs in the browser.
    console.log("bench: page load (index.html)");
    const passive = await pageLoad(browser, `${server.url}index.html`, false);
    const clicked = await pageLoad(browser, `${server.url}index.html`, true);
    console.log("bench: in-page training with every view open (index.html)");
    const live = await inPage(browser, `${server.url}index.html`, false);
    const scrolledLive = await inPage(browser, `${server.url}index.html`, true);
    const watchable = await inPage(browser, `${server.url}index.html`, true, false);

    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}bench/index.html`);
    await page.waitForFunction(() => window.benchReady === true || window.__benchFailed, null, { timeout: 60000 })
      .catch(() => { throw new Error(`the bench page did not start: ${errors.join("; ")}`); });
    const info = await page.evaluate(() => window.bench.info());
    // TF.js on two threads needs its own page: its wasm backend reads the thread count once.
    const tfPage = await browser.newPage();
    await tfPage.goto(`${server.url}bench/index.html?tfjs-threads=2`);
    await tfPage.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });
    const tfInfo = await tfPage.evaluate(() => window.bench.info());
    // The label gives the count the backend reports (getThreadsCount()), not the one asked for.
    const tfThreads = tfInfo.tfjs.wasm.threads;
    LABELS["tfjs-wasm-2"] = `TF.js ${PKG["@tensorflow/tfjs-backend-wasm"]} wasm, threaded build (${tfThreads} thread${tfThreads === 1 ? "" : "s"}, as getThreadsCount() reports; 2 asked for)`;
    /** The page and the engine name there: tfjs-wasm-2 is tfjs-wasm on tfPage. */
    const on = (e) => (e === "tfjs-wasm-2" ? [tfPage, "tfjs-wasm"] : [page, e]);

    const results = {};
    const learning = {};
    const workloads = {};
    for (const w of ["W1", "W2", "W4"]) {
      workloads[w] = await page.evaluate((w) => window.bench.prepare(w), w);
      await tfPage.evaluate((w) => window.bench.prepare(w), w);
      learning[w] = {};
      for (const e of ENGINES[w]) {
        learning[w][e] = await on(e)[0].evaluate(([w, e]) => window.bench.learn(w, e), [w, on(e)[1]]);
        const l = learning[w][e];
        console.log(`bench: ${w} learns ${LABELS[e]}: cost ${l.before.toFixed(4)} -> ${l.after.toFixed(4)} in ${l.epochs} epochs, accuracy ${l.accuracy.toFixed(3)}`);
      }
      results[w] = await rounds(ENGINES[w], (e, s) => on(e)[0].evaluate(([w, e, s]) => window.bench.run(w, e, s), [w, on(e)[1], s]), w);
    }
    for (const n of [64, 256]) {
      results[`W3-${n}`] = await rounds(MATMUL_ENGINES, (e, s) => on(e)[0].evaluate(([n, e, s]) => window.bench.matmul(n, e, s), [n, on(e)[1], s]), `W3 ${n}x${n}`);
    }
    await page.close();
    await tfPage.close();
    const chromiumVersion = browser.version();
    const loadAfter = loadavg();

    // ---- the table
    const med = (key, e) => median(results[key][e]);
    const best = (key, e) => Math.max(...results[key][e]);
    const bestRatio = (key, peer) => `${(best(key, "ours-f32-simd") / best(key, peer)).toFixed(2)}×`;
    const rows = [];
    const titles = {
      W1: "W1 circles 2-8-8-1 tanh, epochs/s",
      W2: "W2 digits 64-128-64-10, epochs/s",
      W4: "W4 digits convnet conv8 3x3, pool 2, dense 10, epochs/s",
      "W3-64": "W3 matmul 64x64 f32, GFLOP/s",
      "W3-256": "W3 matmul 256x256 f32, GFLOP/s",
    };
    for (const key of Object.keys(results)) {
      const ours = med(key, "ours-f32-simd");
      for (const e of Object.keys(results[key])) {
        const m = med(key, e);
        const ratio = e === "ours-f32-simd" ? "—" : `${(ours / m).toFixed(2)}×`;
        const runs = `${results[key][e].length}: ${results[key][e].map(fmt).join(", ")}`;
        rows.push(`| ${titles[key]} | ${LABELS[e]} | ${fmt(m)} | ${runs} | ${ratio} |`);
      }
    }
    const table = [
      "| workload | engine | median | runs | ratio (ours f32 SIMD / engine) |",
      "|---|---|---:|---|---:|",
      ...rows,
    ].join("\n");

    // ---- targets
    const w1Peer = PEERS.reduce((best, e) => (med("W1", e) > med("W1", best) ? e : best), PEERS[0]);
    const w1Ratio = med("W1", "ours-f32-simd") / med("W1", w1Peer);
    const w2Ratio = med("W2", "ours-f32-simd") / med("W2", "tfjs-wasm");
    const w3Ratio = med("W3-256", "ours-f32-simd") / med("W3-256", "tfjs-wasm");
    const w4Peer = W4_PEERS.reduce((best, e) => (med("W4", e) > med("W4", best) ? e : best), W4_PEERS[0]);
    const w4Ratio = med("W4", "ours-f32-simd") / med("W4", w4Peer);
    const w3Threads = med("W3-256", "ours-f32-threads-2") / med("W3-256", "tfjs-wasm-2");
    const readyMs = passive.every((m) => m.ready !== null) ? median(passive.map((m) => m.ready)) : null;
    const clickedMs = clicked && clicked.every((m) => m.trained !== null) ? median(clicked.map((m) => m.trained)) : null;
    const clickAtMs = clicked && clicked.every((m) => m.clickedAt !== null) ? median(clicked.map((m) => m.clickedAt)) : null;
    const liveFps = median(live.runs.map((r) => r.fps));
    const liveEpochs = median(live.runs.map((r) => r.epochs));
    const allFps = median(scrolledLive.runs.map((r) => r.fps));
    const allEpochs = median(scrolledLive.runs.map((r) => r.epochs));
    const paceFps = median(watchable.runs.map((r) => r.fps));
    const paceEpochs = median(watchable.runs.map((r) => r.epochs));
    const gap = (ratio, want) => (ratio >= want ? `${ratio.toFixed(2)}× (needs ${want}×)` : `${ratio.toFixed(2)}×, needs ${want}×: ${(want / ratio).toFixed(2)}× short`);
    const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
    const targets = [
      "| target (issue 15) | status (medians) | measured (medians) | ratio of the best runs |",
      "|---|---|---|---|",
      targetLine("W1 >= 20× the fastest peer", w1Ratio >= 20, `fastest peer ${LABELS[w1Peer]}; ${gap(w1Ratio, 20)}`, bestRatio("W1", w1Peer)),
      targetLine("W2 >= 10× TF.js wasm (one thread)", w2Ratio >= 10, gap(w2Ratio, 10), bestRatio("W2", "tfjs-wasm")),
      targetLine("W4 (issue 16) >= 20× the fastest peer", w4Ratio >= 20, `fastest peer ${LABELS[w4Peer]}; ${gap(w4Ratio, 20)}`, bestRatio("W4", w4Peer)),
      targetLine("W3 256x256 >= TF.js wasm single thread", w3Ratio >= 1, gap(w3Ratio, 1), bestRatio("W3-256", "tfjs-wasm")),
      targetLine(`W3 256x256 >= TF.js wasm two threads (ours: threaded build, 2 threads; TF.js reports ${tfThreads})`, w3Threads >= 1, gap(w3Threads, 1),
        `${(best("W3-256", "ours-f32-threads-2") / best("W3-256", "tfjs-wasm-2")).toFixed(2)}×`),
      targetLine("in-page >= 5,000 epochs/s of circles at >= 50 frames/s: the page's top in sight, every panel open", liveEpochs >= 5000 && liveFps >= 50,
        `${liveEpochs.toFixed(0)} epochs/s at ${liveFps.toFixed(1)} frames/s`,
        `${Math.max(...live.runs.map((r) => r.fps)).toFixed(1)} frames/s`),
      targetLine("the same, scrolled so that the representation and filter views draw too (every view live)", allEpochs >= 5000 && allFps >= 50,
        `${allEpochs.toFixed(0)} epochs/s at ${allFps.toFixed(1)} frames/s`,
        `${Math.max(...scrolledLive.runs.map((r) => r.fps)).toFixed(1)} frames/s`),
      targetLine("the same at the default (watchable) pace: 60 frames/s", paceFps >= 59,
        `${paceFps.toFixed(1)} frames/s (${paceEpochs.toFixed(1)} epochs/s)`,
        `${Math.max(...watchable.runs.map((r) => r.fps)).toFixed(1)} frames/s`),
      targetLine("wasm <= 400 KB", wasmRaw <= 400000, `${kb(wasmRaw)} (${wasmRaw} bytes)${wasmRaw > 400000 ? `, ${kb(wasmRaw - 400000)} over` : ""}`),
      targetLine("wasm gzip <= 150 KB", wasmGzip <= 150000, `${kb(wasmGzip)} (${wasmGzip} bytes, gzip -9)${wasmGzip > 150000 ? `, ${kb(wasmGzip - 150000)} over` : ""}`),
      targetLine("page usable within 1 s (engine ready, Play answers)", readyMs === null || clickedMs === null ? null : readyMs <= 1000,
        `engine ready, the status line showing the network's epoch, at ${readyMs === null ? "n/a" : `${readyMs.toFixed(0)} ms`}; `
          + `Play clicked then (at ${clickAtMs === null ? "n/a" : `${clickAtMs.toFixed(0)} ms`}) shows a trained epoch at ${clickedMs === null ? "n/a" : `${clickedMs.toFixed(0)} ms`}`),
    ].join("\n");

    // ---- learning check
    const learnRows = [];
    for (const w of Object.keys(learning)) {
      for (const e of ENGINES[w]) {
        const l = learning[w][e];
        const ok = l.after < l.before;
        learnRows.push(`| ${w} | ${LABELS[e]} | ${l.loss}${l.loss !== workloads[w].loss ? " (its own objective)" : ""} | ${l.before.toFixed(5)} | ${l.after.toFixed(5)} | ${l.accuracy.toFixed(3)} | ${ok ? "yes" : "NO"} |`);
      }
    }
    const learnTable = [
      "| workload | engine | cost | before | after | training accuracy after | learns |",
      "|---|---|---|---:|---:|---:|---|",
      ...learnRows,
    ].join("\n");
    const notLearning = Object.entries(learning).flatMap(([w, byE]) => Object.entries(byE).filter(([, l]) => !(l.after < l.before)).map(([e]) => `${w} ${LABELS[e]}`));

    const cpu = cpus()[0]?.model ?? "unknown";
    const commit = sh("git", ["-C", here(".."), "rev-parse", "--short", "HEAD"]);
    const dirty = sh("git", ["-C", here(".."), "status", "--porcelain"]) !== "";
    const bindgen = sh("wasm-bindgen", ["--version"]);
    const rustc = sh("/usr/bin/rustc", ["--version"]);
    const readyLine = (list) => list.map((m) => (m.ready === null ? "n/a" : `${m.ready.toFixed(0)} ms`)).join(", ");
    const loadLine = (label, list) => `${label}: ${list.map((m) => (m.trained === null ? "n/a" : `${m.trained.toFixed(0)} ms`)).join(", ")}`;

    const md = `# Benchmark results

Written by \`scripts/bench\` on ${date.toISOString().slice(0, 10)} (${date.toISOString()}).

## Setup

- Machine: ${cpu}, ${cpus().length} logical cores visible to Node; Chromium reports ${info.hardwareConcurrency}. The machine is
  shared: load average (1, 5, 15 min) ${loadBefore.map((v) => v.toFixed(2)).join(", ")} at the start and ${loadAfter.map((v) => v.toFixed(2)).join(", ")}
  at the end, so single runs are noisy; compare medians, and the spread of the runs.
- Browser: Chromium ${chromiumVersion} (\`/usr/bin/chromium\`, headless, launched by playwright-core ${PKG["playwright-core"]}),
  page cross-origin isolated: ${info.crossOriginIsolated}. User agent: \`${info.userAgent}\`.
- Node ${process.version}; ${rustc}; ${bindgen}.
- Ours: backprop-lab commit ${commit}${dirty ? " with uncommitted changes in the work tree" : ""}, the engine workloads from \`bench/pkg\` (\`FEATURES=bench scripts/build\`: the page's engine plus the timed entry points), the page and its size from \`www/pkg\` built by \`scripts/build\` (release), which carries no bench code. Each is built twice, \`+simd128\` and \`+simd128,+relaxed-simd\` (fused multiply-adds); the page and the bench load the relaxed build where \`WebAssembly.validate\` accepts relaxed SIMD (\`www/simd.js\`; here: ${info.relaxedSimd}), and the bench times the plain simd128 build beside it ("plain simd128 build"). The size given is the larger of the two.
- Peers (npm, exact versions from \`bench/package-lock.json\`, loaded as the packages' own browser scripts from \`bench/node_modules\`, no bundler):
  @tensorflow/tfjs-core ${PKG["@tensorflow/tfjs-core"]} and @tensorflow/tfjs-backend-cpu ${PKG["@tensorflow/tfjs-backend-cpu"]}, as bundled in
  @tensorflow/tfjs ${PKG["@tensorflow/tfjs"]}'s \`dist/tf.min.js\` (the page reports tfjs-core ${info.tfjs.versions["tfjs-core"]}, tfjs-backend-cpu ${info.tfjs.versions["tfjs-backend-cpu"]}; see below why),
  @tensorflow/tfjs-backend-wasm ${PKG["@tensorflow/tfjs-backend-wasm"]} (its .wasm files served from node_modules through \`setWasmPaths\`;
  runtime: SIMD ${info.tfjs.wasm.simd}, multithreading ${info.tfjs.wasm.multithread}, threads ${info.tfjs.wasm.threads}; on the second page
  (\`?tfjs-threads=2\`): SIMD ${tfInfo.tfjs.wasm.simd}, multithreading ${tfInfo.tfjs.wasm.multithread}, threads ${tfThreads}; \`tf.enableProdMode()\`),
  convnetjs ${PKG.convnetjs}, brain.js ${PKG["brain.js-1"]} (npm's \`latest\`, the last stable release, installed as the alias \`brain.js-1\`)
  and brain.js ${PKG["brain.js"]} (the 2.0 beta, installed with \`legacy-peer-deps\`, see below). Each target is measured against the
  fastest of the peers it names, each in its fastest configuration below.

## Method

- All engines run in one page of one browser session, on the same data: our engine generates it once
  (\`new Lab(config)\`: circles with 1000 points, noise 0.1, factor 0.5, seed 1; the 1,797 digits of
  \`www/data/digits.bin\` scaled to [0, 1]) and every peer receives the same rows, targets and the same
  initial weights (our \`exportModel()\` of that Lab).
- Each timed run trains whole epochs until at least ${SECONDS} s of wall time have passed and reports
  epochs per second (matrix products: repeated products, 2n³ FLOP each, GFLOP/s). Model building is not timed.
- Per workload, one discarded warm-up run of ${WARM} s per engine, then ${RUNS} rounds; each round runs every
  engine once, in an order rotated by one each round (interleaved, so noise and drift hit all engines alike).
  The table gives the median of the ${RUNS} runs and every run.
- Ours runs \`benchEpochs(config, precision, seconds, data)\` (crate/src/web/bench.rs): the trainer the Lab builds
  from the same configuration (the page's worker trains the same one), with \`training.kernel\` = "simd" or
  "scalar" (plain loops, libm tanh). With "simd", a network whose inputs and layers are at most 32 wide (W1)
  takes the panel step (crate/src/engine/ops/panel.rs, the dense fast path of the one step in crate/src/engine/step.rs): up to 16 examples of a mini-batch across the lanes of four
  f32x4 registers per unit, the bias and activation applied in registers, dW reduced four weights at a time;
  wider networks (W2) take the kernels in crate/src/engine/number/ (gemm_rows.rs, gemm_abt.rs, tanh.rs) in simd128: the row kernel \`gemm_rows\` for layers of 4
  or more units, its accumulators started from the bias and 4, 8 or 16 lanes wide, weight gradients as sums of
  outer products, the blocked 4x4 \`gemm_abt\` for narrower layers and fan-ins of 128 or more, and a vectorised
  rational tanh. The f64 variant rebuilds the same data, network (same seed) and hyper-parameters over f64 (f64 takes the
  general step in scalar loops, and the exact tanh). Matrix products:
  \`benchMatmul(n, variant, seconds)\` times the engine's layer kernel \`gemm_abt\` (C = A Bᵀ, the shape every
  layer product is put in; 2n³ FLOP like A B) with "f32-simd", "f32-scalar", "f64", and ndarray's
  \`general_mat_mul\` ("f32") for reference.
- Page load: ${LOAD_RUNS} loads of \`index.html\`, each in a fresh browser context; time from navigation start
  (\`performance.now()\` origin) to the first time the status line (\`#status\`) leaves "Loading" (the engine is ready, every
  control answers) and to the first time it reads "Epoch N" with N > 0 (a MutationObserver installed before the page's
  scripts). The page starts paused, so without input it only becomes ready: ${readyLine(passive)}. With Play clicked as soon as
  it is ready: ready ${readyLine(clicked)}; ${loadLine("first trained epoch", clicked)}.
- In-page: \`index.html\` as a user first sees it (circles, ${live.rows} points, layers ${live.sizes.join("-")}, tanh,
  batch 10), every view panel opened (${live.views.map((v) => `"${v}"`).join(", ")}) besides the decision and per-unit heatmaps,
  the diagram and the curves, then Play at full speed (while training, the page redraws the heatmaps, the diagram and
  the views and the text beside them, status, counters and timeline, at most 30 times a second). After a ${WARM} s warm-up, ${RUNS} windows of ${SECONDS} s: frames per second
  counted with \`requestAnimationFrame\` in the page, epochs per second from the page's Lab (the mirror of the training
  worker's). Runs: ${live.runs.map((r) => `${r.epochs.toFixed(0)} epochs/s at ${r.fps.toFixed(1)} frames/s`).join("; ")}.
  The representation and filter views draw only while on screen, and at the page's top they are not; a second
  measurement scrolls to the representation view once playing (the heatmaps, diagram and other panels keep drawing
  off screen): ${scrolledLive.runs.map((r) => `${r.epochs.toFixed(0)} epochs/s at ${r.fps.toFixed(1)} frames/s`).join("; ")}.
  A third, scrolled the same way, leaves the speed control at the page's default, watchable pace:
  ${watchable.runs.map((r) => `${r.epochs.toFixed(1)} epochs/s at ${r.fps.toFixed(1)} frames/s`).join("; ")}.
- W1: 2-8-8-1, tanh on every layer, cost 1/2 (a - y)² per example averaged over the batch (targets 0/1), SGD,
  batch 10, learning rate 0.03, reshuffled every epoch, 1000 examples per epoch.
- W2: 64-128-64-10, ReLU, identity output, softmax cross-entropy averaged over the batch, He-normal initial
  weights, SGD, batch 32, learning rate 0.05, reshuffled every epoch, 1,797 examples per epoch.
- W4 (issue 16): the same 1,797 digits as 1×8×8 images; conv2d 8 filters 3×3, stride 1, pad 1, ReLU;
  max pool 2×2, stride 2; flatten (128); dense 10, identity; softmax cross-entropy averaged over the batch;
  He-normal initial weights; SGD, batch 32, learning rate 0.05, reshuffled every epoch. Peers: ConvNetJS
  and TF.js on its cpu backend only (below).

## Results

${table}

## Targets

${targets}

KB = 1,000 bytes. Ratios are medians of ours (f32, SIMD kernel) over medians of the peer. The last column
divides the fastest run of each (the least disturbed by other work on a shared machine); when it and the
median ratio fall on different sides of a target, the measurement cannot settle that target on this machine.

## Every engine learns

Each engine trains from the shared initial weights (${workloads.W1.learnEpochs} epochs of W1, ${workloads.W2.learnEpochs} of W2, ${workloads.W4.learnEpochs} of W4) with
the code that is timed; cost and accuracy over all training rows are computed from its outputs with our
definitions (ours by the engine itself). Equal costs before training show the engines compute the same function.

${learnTable}
${notLearning.length ? `\n**Not learning: ${notLearning.join(", ")}.**\n` : ""}
## Differences between the engines

- **W1's network is tiny** (layers of 8 units, batches of 10): a step is about 2,600 multiply-adds, so calls,
  loops and bookkeeping weigh as much as the arithmetic. The SIMD path gains about 5× over our scalar loops
  there: the panel step puts the batch, not the 8 units, across the lanes, so every register is full and a
  step makes no call per product.
- **TF.js packaging**: tfjs-core's own browser script (\`tf-core.min.js\`) does not register the gradient
  functions (\`tf.train.sgd\` then fails with "gradient function not found for Multiply"); the union package
  registers them, and its ES modules cannot be loaded without a bundler (extensionless imports). So the page
  loads \`@tensorflow/tfjs/dist/tf.min.js\`, which bundles tfjs-core and tfjs-backend-cpu of the same version
  (plus layers, converter, data and WebGL, unused; the WebGL backend is removed before any backend starts),
  then \`@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js\`.
- **TF.js** (both backends): the model is written with tfjs-core ops (\`matMul\`, \`add\`, \`tanh\`/\`relu\`,
  \`losses.softmaxCrossEntropy\`), trained with \`tf.train.sgd\`, one \`optimizer.minimize\` per mini-batch, in
  production mode (\`tf.enableProdMode()\`; tfjs-layers is not part of the comparison). The mini-batch tensors are
  built once before timing (the rows cut into batches by one shuffle; each epoch visits the batches in a fresh
  order), so a step allocates nothing but what \`minimize\` itself does; our engine and ConvNetJS reshuffle the
  rows every epoch. The wasm backend keeps SIMD and runs in two pages. In the bench page it is held to one thread
  (\`WASM_HAS_MULTITHREAD_SUPPORT\` = false: its single-threaded SIMD build). A second page (\`?tfjs-threads=2\`,
  "TF.js wasm, threaded build") sets that flag true and calls \`tf.wasm.setThreadsCount(2)\` before
  \`tf.setBackend("wasm")\` (the backend reads the count once, when it starts), so it loads
  \`tfjs-backend-wasm-threaded-simd.wasm\` (the page is cross-origin isolated: the server sends COOP and COEP; the
  pthread worker script is built into the backend's bundle, not fetched through \`setWasmPaths\`). Asked for two
  threads, TF.js ${PKG["@tensorflow/tfjs-backend-wasm"]} still starts one on this machine: its module caps the count
  at half of \`navigator.hardwareConcurrency\` (it assumes two hardware threads per core; ${info.hardwareConcurrency} here), read when the
  module starts. That page therefore reports \`navigator.hardwareConcurrency\` as 4 (twice the count asked for) before
  the backend starts, so the cap is 2; the table's label gives what \`tf.wasm.getThreadsCount()\` then reports
  (${tfThreads}). On a shared 2-core machine a second thread only helps when the other core is free (load average above).
- **Published figures**: neither TF.js nor brain.js publishes epochs per second for small dense networks like W1
  and W2 (TF.js's published benchmarks are inference times of large models), so there is no published figure
  for these workloads to compare with. Issue 15 quotes an independent harness on this kind of machine: brain.js
  1.6.1 700–850 epochs/s on W1, TF.js 4.22 wasm 14.6 epochs/s on W2 and 26–30 GFLOP/s on W3-256 (one thread);
  the table above is the measurement that counts, side by side with ours.
- **ConvNetJS**: computes in f64 (\`Float64Array\`). Its Trainer backpropagates one example at a time and
  applies the summed gradient divided by \`batch_size\` every \`batch_size\` examples, counting across epoch
  ends: in W1 (1000 / 10) that is exactly our schedule; in W2 it makes 56.2 updates per epoch of 32 examples
  each, where we make 57 (the last of 5 examples). Its regression layer is linear, so W1 uses an explicit
  tanh layer before it (gradient a - y, our 1/2 squared error). Momentum and weight decay set to 0.
- **brain.js** (both releases): its \`NeuralNetwork.train()\` loop is timed as it is (\`timeout\` = the run's time); it has no
  mini-batches (one update per example: 10× and 32× more updates than the others), does not shuffle, uses one
  activation on every layer (W2: ReLU on the output too) and squared error, so **W2 on brain.js is not the same
  task** (no softmax cross-entropy; its learning check reports its own squared error). It rejects momentum 0
  and an error threshold of 0 (it checks 0 < value < 1). Momentum is 1e-20, not the smallest positive double: brain.js
  multiplies it by every weight's last change at every update, and a subnormal factor (\`Number.MIN_VALUE\`, used in
  earlier runs) sends each product down the CPU's slow path, which cut brain.js to about a quarter of its speed on W1.
  1e-20 times the last change is lost when the new change is rounded into brain.js's \`Float32Array\` (unless the new
  one is some 10¹² times smaller), so the updates are momentum 0's to within rounding. The error threshold, only
  compared, is the smallest positive double, so training runs to the time limit. The rest is brain.js's documented
  fastest path: plain arrays of numbers (converted once per \`train()\` call to \`Float32Array\`s, outside the
  per-epoch loop), \`log\` false and no \`callback\`; the training error it computes each iteration (1.6.1 has no option
  to skip it; 2.0's \`NeuralNetwork\` neither) comes out of the same training pass at the cost of one squared error per example.
  brain.js 2 declares gpu.js (which pulls the native \`gl\` module) as a peer dependency; \`bench/.npmrc\`
  sets \`legacy-peer-deps\` and \`scripts/bench\` installs with \`--ignore-scripts\`, and the page loads brain.js's
  self-contained \`dist/browser.js\`, so no GPU module is installed or used.
- **W4, the convnet**: TF.js 4.22's wasm backend cannot train it: it has no \`Conv2DBackpropFilter\` kernel
  (the gradient of \`tf.conv2d\` with respect to the filters), so TF.js runs W4 on its cpu backend (plain
  JavaScript) with \`tf.conv2d\` (NHWC), \`tf.relu\`, \`tf.maxPool\`, \`tf.matMul\` and
  \`tf.losses.softmaxCrossEntropy\`, \`tf.train.sgd\`, one \`optimizer.minimize\` per mini-batch, the batches
  built once before timing, as in W1 and W2. On a machine with a GPU a user would pick TF.js's WebGL backend,
  which this headless, GPU-less bench does not time. ConvNetJS runs its own \`ConvLayer\`, \`ReluLayer\`,
  \`PoolLayer\`, \`FullyConnLayer\` and \`SoftmaxLayer\` with its Trainer (one example at a time, f64).
  Both receive our initial weights, permuted to their layouts (NHWC for TF.js; ConvNetJS's volumes keep the
  channel fastest), so all three compute the same function (the equal costs before training show it).
  Our f32 SIMD path puts a whole mini-batch through one product per step (\`crate/src/engine/ops/conv_batch.rs\`:
  im2col of the 32 images onto the lane kernels, forward, dW and, when a layer sits below, dX); the scalar
  kernel and f64 take the per-example reference in \`conv.rs\`.
- **W3**: ConvNetJS and brain.js have no matrix-product API and are not in W3. TF.js is called once per product
  (\`tf.matMul\` then \`dispose\`; the cpu and wasm backends compute synchronously); the last product is checked
  against a JavaScript dot product.
`;
    writeFileSync(here("results.md"), `${md}\n${readFileSync(here("gaps.md"), "utf8")}`);
    console.log(`\n${table}\n\n${targets}\n\n${learnTable}\n`);
    if (errors.length) console.log(`bench: page errors: ${errors.join("; ")}`);
    console.log("bench: wrote bench/results.md");
    if (notLearning.length) {
      console.error(`bench: these engines did not learn: ${notLearning.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
