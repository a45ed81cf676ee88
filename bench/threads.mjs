// The threaded build of our engine for bench/page.mjs: benchEpochs, benchLearning and
// benchMatmul of a module running in its own worker on a pool of n threads (scripts/build
// makes it; the page must be cross-origin isolated, as scripts/serve.mjs serves it).

/** The bench entry points of a threaded module on `threads` threads, each returning a
 * promise; `ready` resolves to the pool's size as rayon counts it. */
export function threadedEngine(threads) {
  if (!crossOriginIsolated) throw new Error("the threaded build needs a cross-origin isolated page (COOP and COEP)");
  const worker = new Worker(new URL("./threads-worker.mjs", import.meta.url), { type: "module" });
  const waiting = new Map();
  let next = 0;
  worker.onmessage = ({ data: { id, value, error } }) => {
    const { resolve, reject } = waiting.get(id);
    waiting.delete(id);
    if (error) reject(new Error(error));
    else resolve(value);
  };
  const call = (name, ...args) => new Promise((resolve, reject) => {
    waiting.set(++next, { resolve, reject });
    worker.postMessage({ id: next, call: name, args });
  });
  return {
    ready: call("init", threads),
    benchEpochs: (...args) => call("benchEpochs", ...args),
    benchLearning: (...args) => call("benchLearning", ...args),
    benchMatmul: (...args) => call("benchMatmul", ...args),
  };
}
