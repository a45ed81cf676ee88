// The page's boot and frame loop. The engine's Lab (www/app.js holds it) is the one
// session; training runs in a worker (www/training-worker.js) on a Trainer grown from
// the Lab's seed, and each frame shows what it sent back and redraws what changed
// (www/pictures.js), at most 30 times a second while training.
import { wasm, trainingEngine, lastPanic, relaxedSimd } from "./engine.js";
import { app, $ } from "./app.js";
import { TrainingWorker } from "./training.js";
import { Timeline } from "./timeline.js";
import { bindControls } from "./controls.js";
import { onChange } from "./changes.js";
import { discardOk, buildWithData } from "./building.js";
import { restore } from "./restore.js";
import { setPlaying, onTrainerEvent, bindTransport, showPace } from "./transport.js";
import { bindFiles } from "./files.js";
import { bindLinks } from "./links.js";
import { bindKeys } from "./keys.js";
import { bindPointer } from "./pointer.js";
import { bindCanvasKeys } from "./canvas-keys.js";
import { render, diagram } from "./pictures.js";
import { message, errorText } from "./messages.js";
import { save, saveNow } from "./storage.js";
import { views } from "./views/index.js";

/** Milliseconds between saves while training. */
const SAVE_MS = 3000;

/** A trap in the engine (a panic) leaves it unusable: stop, say so, offer a reload. */
function engineCrashed(e) {
  if (app.crashed) return;
  app.crashed = true;
  app.playing = false;
  const why = lastPanic?.() ?? errorText(e);
  message(`The engine stopped (${why}). Reload it to go on: your session, saved a few seconds ago, is restored.`, {
    actions: [["Reload the engine", () => location.reload()]],
  });
}

window.addEventListener("error", (e) => {
  if (e.error instanceof WebAssembly.RuntimeError) engineCrashed(e.error);
});
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof WebAssembly.RuntimeError) engineCrashed(e.reason);
});

app.trainer = new TrainingWorker(trainingEngine, (e) => onTrainerEvent(e, engineCrashed));
app.timeline = new Timeline({ pause: () => app.playing && setPlaying(false), redraw: app.redraw });
app.controls = bindControls(() => app.state, onChange);

const readyHooks = [];
/** What the inspection views may read and do (www/views/index.js). */
const viewContext = {
  get lab() { return app.lab; },
  get state() { return app.state; },
  get playing() { return app.playing; },
  timeline: app.timeline,
  diagram,
  now: 0,
  selected: () => app.selectedWeight,
  select: (w) => { app.selectedWeight = w; app.dirty = true; },
  example: () => app.state.view.example,
  setExample: (r) => { app.state.view.example = r; app.dirty = true; save(); },
  redraw: app.redraw,
  highlight: (layer) => { app.highlightLayer = layer; app.dirty = true; },
  /** Loads a configuration (with optional CSV text and model file): a lesson. `ask`
   * false skips the question (another variant of the lesson already shown). */
  load: async (s, { ask = true, ...data } = {}) => {
    if (ask && !discardOk("Load this lesson?")) return false;
    setPlaying(false);
    return buildWithData(s, data);
  },
  play: () => setPlaying(true),
  pause: () => setPlaying(false),
  onReady: (fn) => readyHooks.push(fn),
};

const clock = { frames: 0, windowStart: performance.now(), steps: 0, epochs: 0, lastSave: 0 };

/** Frames, steps and epochs per second, over one-second windows. */
function count(now) {
  const { lab, stats } = app;
  clock.frames++;
  if (now - clock.windowStart < 1000) return;
  const seconds = (now - clock.windowStart) / 1000;
  stats.fps = Math.round(clock.frames / seconds);
  stats.stepsPerSecond = app.playing ? Math.max(0, lab.steps() - clock.steps) / seconds : 0;
  stats.epochsPerSecond = app.playing ? Math.max(0, lab.epoch() - clock.epochs) / seconds : 0;
  Object.assign(clock, { frames: 0, windowStart: now, steps: lab.steps(), epochs: lab.epoch() });
}

function frameBody(now) {
  if (!app.lab) return;
  if (app.trainer.show(app.lab)) app.dirty = true;
  app.timeline.tick(now);
  count(now);
  if (app.playing && now - clock.lastSave > SAVE_MS) {
    save();
    clock.lastSave = now;
  }
  if (app.playing || app.dirty) {
    render(now, views, viewContext);
    app.dirty = false;
  }
}

function frame(now) {
  if (app.crashed) return;
  requestAnimationFrame(frame);
  try {
    frameBody(now);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) engineCrashed(e);
    else throw e;
  }
}

bindTransport();
bindFiles();
bindLinks();
bindKeys();
bindPointer();
bindCanvasKeys();
window.addEventListener("resize", app.redraw);
window.addEventListener("pagehide", () => {
  if (!app.crashed) saveNow();
});

/** For the browser tests and the benchmark. */
window.backpropLab = {
  memory: wasm.memory,
  /** The engine build running here (www/simd.js). */
  simd: relaxedSimd ? "relaxed" : "simd128",
  /** Threads the training worker runs on (1: the single-threaded module). */
  threads: () => app.trainer.threads,
  stats: () => ({ ...app.stats, epoch: app.lab?.epoch() ?? 0, steps: app.lab?.steps() ?? 0 }),
  lab: () => app.lab,
  state: () => app.state,
  /** Viewport coordinates of the middle of weight W[layer][unit][input] in the diagram
   * (input -1: the bias's square). */
  weightPoint: (layer, unit, input) => {
    const p = diagram.paramPoint({ layer, unit, input });
    if (!p) return null;
    const rect = $("diagram").getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    return { x: rect.left + p.x / dpr, y: rect.top + p.y / dpr };
  },
  /** The diagram's layout as last drawn, in canvas pixels: nodes and value labels. */
  diagramLayout: () => ({ width: $("diagram").width, height: $("diagram").height, nodes: diagram.nodes, labels: diagram.labels, cursor: diagram.cursor, hover: diagram.hover }),
};

for (const v of views) v.mount($("inspect"), viewContext);
try {
  await app.trainer.ready;
  app.trainer.worker.onerror = (e) => engineCrashed(new Error(e.message));
} catch (e) {
  message(`Training cannot start in this browser: ${errorText(e)}`);
}
await restore();
showPace();
requestAnimationFrame(frame);
readyHooks.forEach((fn) => fn());
