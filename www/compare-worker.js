// The comparison's worker: it trains the variants of a network (as built, without its
// dropout, without its batch norm, without both) from the seed the page's Lab writes
// (`comparisonSeed`), away from the page's thread and from the training worker, so the
// user's run goes on untouched. It posts the engine's curves as it goes; the page
// cancels by terminating it.
import init, { Comparison } from "./pkg/backprop_lab.js";

/** Milliseconds of training between progress messages (the page redraws on each). */
const SLICE_MS = 200;

const errorText = (e) => (e instanceof Error ? e.message : String(e));

function progress(type, id, comparison) {
  const curves = comparison.curves();
  postMessage({ type, id, done: comparison.done(), total: comparison.total(), curves }, [curves.buffer]);
}

function train(id, comparison) {
  try {
    const start = performance.now();
    let finished = false;
    while (!finished && performance.now() - start < SLICE_MS) finished = comparison.advance();
    if (finished) {
      progress("done", id, comparison);
      comparison.free();
      return;
    }
    progress("progress", id, comparison);
    setTimeout(() => train(id, comparison), 0);
  } catch (e) {
    comparison.free();
    postMessage({ type: "failed", id, text: errorText(e) });
  }
}

const handlers = {
  async init({ module }) {
    await init({ module_or_path: module });
    postMessage({ type: "ready" });
  },
  start({ id, seed, epochs }) {
    let comparison;
    try {
      comparison = new Comparison(seed, epochs);
    } catch (e) {
      postMessage({ type: "failed", id, text: errorText(e) });
      return;
    }
    progress("progress", id, comparison);
    train(id, comparison);
  },
};

onmessage = async ({ data }) => {
  try {
    await handlers[data.type](data);
  } catch (e) {
    postMessage({ type: "failed", id: data.id, text: errorText(e) });
  }
};
