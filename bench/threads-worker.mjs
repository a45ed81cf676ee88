// A worker that runs the threaded build of the benchmark's module (bench/pkg/threads/) on
// a pool of `threads` Web Workers, for bench/threads.mjs: the threaded training blocks
// on Atomics.wait while the pool works, which the page's main thread may not do.
let api = null;

onmessage = async ({ data: { id, call, args } }) => {
  try {
    if (call === "init") {
      api = await import("./pkg/threads/backprop_lab.js");
      await api.default();
      await api.initThreadPool(args[0]);
      postMessage({ id, value: api.trainingThreads() });
    } else {
      postMessage({ id, value: api[call](...args) });
    }
  } catch (e) {
    postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
