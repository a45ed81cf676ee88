// The training worker. It trains a `Trainer` built from the seed the page's Lab (the one
// session) writes, so the page's frame loop only draws; the page's Lab shows what it
// sends back: snapshots (counters and weights as they change, the history every
// HISTORY_MS) and timeline updates, whose layouts only the engine reads.
// The engine's glue comes with the init message: the threaded module's (its training
// splits big products between a pool of Web Workers) or the page's own.
let Trainer = null;
let lastPanic = () => null;

/** Milliseconds of training before the worker yields to the page's messages. */
const SLICE_MS = 8;
/** Least milliseconds between snapshots (one per frame at 60 frames per second), and
 * between snapshots that carry the history (the curves). */
const SNAPSHOT_MS = 16;
const HISTORY_MS = 100;
/** Most steps in one engine call: keeps a slice close to SLICE_MS on big networks. */
const MAX_CHUNK = 4096;

let trainer = null;
/** The page's generation of the seed this trainer grew from; messages carry it. */
let gen = 0;
/** While playing: { rate: steps per second or null for as fast as possible, stop }. */
let run = null;
let owed = 0;
let lastTick = 0;
let lastHistory = 0;
let lastPost = 0;
/** The newest moment of the timeline sent to the page, and how many moments it had. */
let sent = { step: -1, count: 0 };

const tick = new MessageChannel();
tick.port1.onmessage = loop;

function post(withHistory) {
  const snapshot = trainer.snapshot(withHistory);
  lastPost = performance.now();
  if (withHistory) lastHistory = lastPost;
  postMessage({ type: "snapshot", gen, snapshot, withHistory }, [snapshot.buffer]);
  postTimeline();
}

/** Sends the page what its Lab needs to follow the timeline, when it has changed. */
function postTimeline() {
  const count = trainer.momentCount();
  const step = trainer.newestMoment();
  if (step === sent.step && count === sent.count) return;
  const update = trainer.timelineUpdate(sent.step);
  sent = { step, count };
  postMessage({ type: "timeline", gen, update }, [update.buffer]);
}

/** What the page's Lab already has of this timeline (the seed carried it). */
function synced() {
  sent = { step: trainer.newestMoment(), count: trainer.momentCount() };
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

/** Reports an error the page must show; a trap (a panic) leaves this engine unusable. */
function fail(e) {
  run = null;
  const crashed = e instanceof WebAssembly.RuntimeError;
  postMessage({ type: "failed", gen, text: (crashed && lastPanic()) || errorText(e), crashed });
}

/** After a training call throws: divergence (the weights are back to the last good
 * ones, shown by a snapshot) or a failure. */
function stopped(e) {
  run = null;
  if (e instanceof WebAssembly.RuntimeError) {
    fail(e);
    return;
  }
  post(true);
  postMessage({ type: "diverged", gen, text: errorText(e), checkpoint: trainer.checkpointEpoch() });
}

/** The stop condition the page set, checked where it can change: at epoch ends. */
function stopReached(stop) {
  if (!stop) return false;
  if (stop.kind === "val_accuracy") return trainer.last("val_accuracy") >= stop.value;
  if (stop.kind === "val_loss") return trainer.last("val_loss") <= stop.value;
  if (stop.kind === "epochs") return trainer.epoch() >= stop.value;
  return false;
}

/** Steps for up to `budgetMs`, at most `max` of them; with a stop condition, never past
 * the end of an epoch without checking it. Returns true when the condition is met. */
function trainFor(budgetMs, max, stop) {
  const start = performance.now();
  const perEpoch = trainer.stepsPerEpoch();
  let done = 0;
  let chunk = 1;
  while (done < max && performance.now() - start < budgetMs) {
    let n = Math.min(chunk, max - done);
    if (stop) n = Math.min(n, perEpoch - (trainer.steps() % perEpoch));
    trainer.step(n);
    done += n;
    chunk = Math.min(chunk * 2, MAX_CHUNK);
    if (stop && trainer.steps() % perEpoch === 0 && stopReached(stop)) return true;
  }
  return false;
}

function loop() {
  if (!run || !trainer) return;
  const now = performance.now();
  let max = Infinity;
  if (run.rate != null) {
    owed += (run.rate * Math.min(100, now - lastTick)) / 1000;
    max = Math.floor(owed);
    owed -= max;
  }
  lastTick = now;
  try {
    if (max > 0 && trainFor(SLICE_MS, max, run.stop)) {
      run = null;
      trainer.markMoment();
      post(true);
      postMessage({ type: "stopped", gen, epoch: trainer.epoch() });
      return;
    }
  } catch (e) {
    stopped(e);
    return;
  }
  const after = performance.now();
  if (max > 0 && after - lastPost >= SNAPSHOT_MS) post(after - lastHistory >= HISTORY_MS);
  if (run.rate != null && max === 0) setTimeout(loop, 1000 / 60);
  else tick.port2.postMessage(null);
}

/** One step or one epoch while paused: a snapshot with the history follows. */
function once(train) {
  try {
    train();
    post(true);
  } catch (e) {
    stopped(e);
  }
}

const handlers = {
  async init({ module, glue, threads }) {
    const api = await import(glue);
    await api.default({ module_or_path: module });
    if (threads > 0) await api.initThreadPool(threads);
    ({ Trainer, lastPanic } = api);
    postMessage({ type: "ready", threads: api.trainingThreads() });
  },
  seed({ seed, gen: g }) {
    run = null;
    const next = new Trainer(seed);
    trainer?.free();
    trainer = next;
    gen = g;
    synced();
  },
  training({ settings }) {
    trainer.setTraining(settings);
  },
  play({ rate, stop }) {
    const wasRunning = run != null;
    run = { rate, stop };
    if (!wasRunning) {
      owed = 0;
      lastTick = performance.now();
      tick.port2.postMessage(null);
    }
  },
  pause() {
    if (run) {
      run = null;
      trainer.markMoment();
      post(true);
    }
  },
  edit({ layer, unit, input, value }) {
    trainer.setParameter(layer, unit, input, value);
    post(true);
  },
  restore() {
    trainer.restoreCheckpoint();
    post(true);
  },
  step() {
    once(() => trainer.step(1));
  },
  epoch() {
    once(() => trainer.runEpoch());
  },
};

onmessage = async ({ data }) => {
  try {
    await handlers[data.type](data);
  } catch (e) {
    fail(e);
  }
};
