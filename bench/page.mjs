// The bench page's side of scripts/bench: every engine behind one small interface, on
// data and initial weights that our engine generates once. bench/run.mjs drives it
// through `window.bench`, one timed run per call, so it can interleave the engines.
/* global tf, convnetjs, brain, brain1 */
import init, { Lab, benchEpochs, benchLearning, benchMatmul } from "./pkg/backprop_lab.js";
// The same glue a second time (another module instance, through the query) for the plain
// simd128 build, so both builds are timed side by side where relaxed SIMD runs.
import initPlain, * as plain from "./pkg/backprop_lab.js?plain";
import { moduleFile, relaxedSimd } from "../www/simd.js";
import { convnetConvModel, readConvnet, tfConvModel } from "./conv.mjs";
import { threadedEngine } from "./threads.mjs";

const wasm = await init({ module_or_path: new URL(`./pkg/${moduleFile}`, import.meta.url) });
await initPlain({ module_or_path: new URL("./pkg/backprop_lab_bg.wasm", import.meta.url) });
const OUR_API = { benchEpochs, benchLearning, benchMatmul };
// The threaded build (relaxed SIMD, like the page's) on pools of one and two threads.
const threaded = [threadedEngine(1), threadedEngine(2)];
const poolSizes = await Promise.all(threaded.map((t) => t.ready));
if (poolSizes.join() !== "1,2") throw new Error(`the threaded build's pools have ${poolSizes} threads, not 1 and 2`);
const digits = new Uint8Array(await (await fetch("../www/data/digits.bin")).arrayBuffer());

/** The workloads: the Lab configuration our engine trains; the peers copy its data. */
const WORKLOADS = {
  W1: {
    config: {
      data: { kind: "circles", points: 1000, noise: 0.1, factor: 0.5, validation: 0, seed: 1 },
      features: { derived: [], standardize: false },
      network: {
        hidden: [{ units: 8, activation: "tanh" }, { units: 8, activation: "tanh" }],
        output: "tanh", loss: "mse", init: "xavier", seed: 1,
      },
      training: { optimizer: "sgd", learning_rate: 0.03, batch_size: 10, l2: 0, lr_decay: 1, shuffle: true },
    },
    bytes: () => undefined,
    learnEpochs: 20,
  },
  W2: {
    config: {
      data: { kind: "digits", validation: 0, seed: 1 },
      features: { derived: [], standardize: false },
      network: {
        hidden: [{ units: 128, activation: "relu" }, { units: 64, activation: "relu" }],
        output: "identity", loss: "softmax_cross_entropy", init: "he", seed: 1,
      },
      training: { optimizer: "sgd", learning_rate: 0.05, batch_size: 32, l2: 0, lr_decay: 1, shuffle: true },
    },
    bytes: () => digits,
    learnEpochs: 5,
  },
  W4: {
    config: {
      data: { kind: "digits", validation: 0, seed: 1 },
      features: { derived: [], standardize: false },
      network: {
        hidden: [
          { kind: "conv2d", filters: 8, kernel: [3, 3], stride: 1, pad: 1, activation: "relu" },
          { kind: "maxpool2d", size: 2, stride: 2 },
          { kind: "flatten" },
        ],
        output: "identity", loss: "softmax_cross_entropy", init: "he", seed: 1,
      },
      training: { optimizer: "sgd", learning_rate: 0.05, batch_size: 32, l2: 0, lr_decay: 1, shuffle: true },
    },
    bytes: () => digits,
    learnEpochs: 3,
  },
};

/** Our variants: the precision and the training kernel passed in the configuration, and
 * the benchMatmul variant (the last one, ndarray's product, only multiplies). */
const OURS = {
  "ours-f32-simd": { precision: "f32", kernel: "simd", matmul: "f32-simd" },
  "ours-f32-simd128": { precision: "f32", kernel: "simd", matmul: "f32-simd", api: plain },
  "ours-f32-threads-1": { precision: "f32", kernel: "simd", matmul: "f32-simd", api: threaded[0] },
  "ours-f32-threads-2": { precision: "f32", kernel: "simd", matmul: "f32-simd", api: threaded[1] },
  "ours-f32-scalar": { precision: "f32", kernel: "scalar", matmul: "f32-scalar" },
  "ours-f64": { precision: "f64", kernel: null, matmul: "f64" },
  "ours-f32-ndarray": { precision: "f32", kernel: null, matmul: "f32" },
};

/** The module an engine of ours runs in: the page's build, the plain simd128 one or the
 * threaded one (whose calls return promises). */
const ours = (engine) => OURS[engine].api ?? OUR_API;

function ourConfig(w, engine) {
  const c = structuredClone(WORKLOADS[w].config);
  if (OURS[engine].kernel) c.training.kernel = OURS[engine].kernel;
  return JSON.stringify(c);
}

/** Small seeded generator for the peers' shuffles (mulberry32). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(order, next) {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

const prepared = {};

/** Data and initial weights of a workload, as our engine generates them. */
function prepare(w) {
  if (prepared[w]) return summary(prepared[w]);
  const spec = WORKLOADS[w];
  const lab = new Lab(JSON.stringify(spec.config), spec.bytes());
  const rows = lab.rows();
  const f = lab.features();
  const x = Float32Array.from(new Float32Array(wasm.memory.buffer, lab.dataPtr(), rows * f));
  const labels = Uint32Array.from(new Uint32Array(wasm.memory.buffer, lab.labelsPtr(), rows));
  const model = JSON.parse(lab.exportModel());
  lab.free();
  const image = model.input_shape ? readConvnet(model, model.input_shape) : null;
  let fanIn = f;
  const layers = image ? [] : model.layers.map((l) => {
    const layer = {
      units: l.units,
      fanIn,
      activation: l.activation,
      W: Float32Array.from(l.weights.flat()),
      b: Float32Array.from(l.biases),
    };
    fanIn = l.units;
    return layer;
  });
  const k = image ? image.units : fanIn;
  const y = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    if (k === 1) y[r] = labels[r];
    else y[r * k + labels[r]] = 1;
  }
  prepared[w] = {
    name: w, rows, f, k, x, y, labels, layers, image,
    loss: spec.config.network.loss,
    lr: spec.config.training.learning_rate,
    batch: spec.config.training.batch_size,
    learnEpochs: spec.learnEpochs,
  };
  return summary(prepared[w]);
}

function summary(p) {
  return {
    rows: p.rows, inputs: p.f, outputs: p.k, loss: p.loss, learningRate: p.lr, batch: p.batch,
    layers: p.image
      ? [`conv ${p.image.F}x${p.image.KH}x${p.image.KW} ${p.image.activation}`, `maxpool ${p.image.poolSize}`, `${p.image.units} ${p.image.outputActivation}`]
      : p.layers.map((l) => `${l.units} ${l.activation}`),
    learnEpochs: p.learnEpochs,
  };
}

/** Cost with our definitions (mse: 1/2 sum of squares per row; softmax cross-entropy
 * on scores or on probabilities), averaged over the rows, and accuracy. */
function score(p, out, kind, lossName) {
  const { rows, k, y, labels } = p;
  let loss = 0;
  let right = 0;
  for (let r = 0; r < rows; r++) {
    const a = out.subarray(r * k, r * k + k);
    if (lossName === "mse") {
      for (let j = 0; j < k; j++) loss += 0.5 * (a[j] - y[r * k + j]) ** 2;
    } else if (kind === "probs") {
      loss -= Math.log(Math.max(a[labels[r]], 1e-30));
    } else {
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, a[j]);
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.exp(a[j] - m);
      loss += m + Math.log(s) - a[labels[r]];
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (a[j] > a[best]) best = j;
    const predicted = k === 1 ? Number(a[0] > 0.5) : best;
    if (predicted === labels[r]) right++;
  }
  return { loss: loss / rows, accuracy: right / rows };
}

// ---- TensorFlow.js (tfjs-core + cpu and wasm backends), through its autodiff and SGD.

let tfReady = false;
let tfBackend = null;
const TF_THREADS = Number(new URLSearchParams(location.search).get("tfjs-threads") ?? 1);
const LOGICAL_CORES = navigator.hardwareConcurrency;
// TF.js's wasm backend caps the count given to setThreadsCount at half the logical cores
// (navigator.hardwareConcurrency / 2, read when its module starts: it assumes two hardware
// threads per core), which is 1 on this 2-core machine whatever was asked. The page that
// asks for N threads tells it of 2N cores, so the cap is N; getThreadsCount() says what
// the backend really started.
if (TF_THREADS > 1) Object.defineProperty(navigator, "hardwareConcurrency", { value: 2 * TF_THREADS });

async function useTf(backend) {
  if (!tfReady) {
    tf.removeBackend("webgl");
    tf.enableProdMode();
    tf.wasm.setWasmPaths(new URL("node_modules/@tensorflow/tfjs-backend-wasm/dist/", location.href).href);
    // One thread unless the page is opened with ?tfjs-threads=N (bench/run.mjs opens a
    // second page for TF.js on two threads: its backend reads the count once).
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", TF_THREADS > 1);
    if (TF_THREADS > 1) tf.wasm.setThreadsCount(TF_THREADS);
    tfReady = true;
  }
  if (tfBackend !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} did not start`);
    await tf.ready();
    tfBackend = backend;
  }
}

function tfModel(p) {
  const vars = p.layers.map((l) => {
    const wt = new Float32Array(l.fanIn * l.units);
    for (let j = 0; j < l.units; j++) for (let i = 0; i < l.fanIn; i++) wt[i * l.units + j] = l.W[j * l.fanIn + i];
    return {
      W: tf.variable(tf.tensor2d(wt, [l.fanIn, l.units])),
      b: tf.variable(tf.tensor1d(l.b)),
      act: l.activation,
    };
  });
  const list = vars.flatMap((v) => [v.W, v.b]);
  const xs = tf.tensor2d(p.x, [p.rows, p.f]);
  const ys = tf.tensor2d(p.y, [p.rows, p.k]);
  const opt = tf.train.sgd(p.lr);
  const forward = (input) => {
    let a = input;
    for (const v of vars) {
      a = tf.add(tf.matMul(a, v.W), v.b);
      if (v.act === "tanh") a = tf.tanh(a);
      else if (v.act === "relu") a = tf.relu(a);
      else if (v.act !== "identity") throw new Error(`no ${v.act} in the TF.js model`);
    }
    return a;
  };
  const cost = p.loss === "mse"
    ? (out, target) => tf.mul(tf.mean(tf.sum(tf.square(tf.sub(out, target)), 1)), 0.5)
    : (out, target) => tf.losses.softmaxCrossEntropy(target, out);
  // The mini-batches as tensors built once, before any timing (TF.js's advice: no
  // per-step allocation): one shuffle cuts the rows into batches, and every epoch
  // visits those batches in a fresh order, one optimizer.minimize each.
  const next = rng(7);
  const order = Int32Array.from({ length: p.rows }, (_, i) => i);
  shuffle(order, next);
  const batches = [];
  for (let s = 0; s < p.rows; s += p.batch) {
    const idx = tf.tensor1d(order.slice(s, Math.min(p.rows, s + p.batch)), "int32");
    batches.push({ xb: tf.gather(xs, idx), yb: tf.gather(ys, idx) });
    idx.dispose();
  }
  const visit = Int32Array.from(batches, (_, i) => i);
  const step = ({ xb, yb }) => opt.minimize(() => cost(forward(xb), yb), false, list);
  return {
    kind: "scores",
    epoch() {
      shuffle(visit, next);
      for (const b of visit) step(batches[b]);
    },
    predict() {
      const t = tf.tidy(() => forward(xs));
      const out = t.dataSync().slice();
      t.dispose();
      return out;
    },
    dispose() {
      tf.dispose([...list, xs, ys, ...batches.flatMap((b) => [b.xb, b.yb])]);
      opt.dispose();
    },
  };
}

// ---- ConvNetJS: its layers and Trainer (per-example backprop, gradients summed and
// divided by batch_size every batch_size examples).

function convnetModel(p) {
  const C = convnetjs;
  const dims = (d) => ({ in_sx: 1, in_sy: 1, in_depth: d });
  const layers = [new C.InputLayer({ out_sx: 1, out_sy: 1, out_depth: p.f })];
  for (const l of p.layers) {
    const fc = new C.FullyConnLayer({ ...dims(l.fanIn), num_neurons: l.units });
    for (let j = 0; j < l.units; j++) {
      for (let i = 0; i < l.fanIn; i++) fc.filters[j].w[i] = l.W[j * l.fanIn + i];
      fc.biases.w[j] = l.b[j];
    }
    layers.push(fc);
    if (l.activation === "tanh") layers.push(new C.TanhLayer(dims(l.units)));
    else if (l.activation === "relu") layers.push(new C.ReluLayer(dims(l.units)));
    else if (l.activation !== "identity") throw new Error(`no ${l.activation} in the ConvNetJS model`);
  }
  const last = p.layers[p.layers.length - 1].units;
  layers.push(p.loss === "mse" ? new C.RegressionLayer(dims(last)) : new C.SoftmaxLayer(dims(last)));
  const net = new C.Net();
  net.layers = layers;
  const trainer = new C.Trainer(net, {
    method: "sgd", learning_rate: p.lr, batch_size: p.batch, momentum: 0, l1_decay: 0, l2_decay: 0,
  });
  const vols = [];
  const targets = [];
  for (let r = 0; r < p.rows; r++) {
    vols.push(new C.Vol(Array.from(p.x.subarray(r * p.f, (r + 1) * p.f))));
    targets.push(p.loss === "mse" ? Array.from(p.y.subarray(r * p.k, (r + 1) * p.k)) : p.labels[r]);
  }
  const next = rng(7);
  const order = Int32Array.from({ length: p.rows }, (_, i) => i);
  return {
    kind: p.loss === "mse" ? "scores" : "probs",
    epoch() {
      shuffle(order, next);
      for (let n = 0; n < order.length; n++) trainer.train(vols[order[n]], targets[order[n]]);
    },
    predict() {
      const out = new Float32Array(p.rows * p.k);
      for (let r = 0; r < p.rows; r++) out.set(net.forward(vols[r], false).w, r * p.k);
      return out;
    },
    dispose() {},
  };
}

// ---- brain.js (1.6.1 and the 2.0.0 beta): NeuralNetwork and its own train() loop
// (online: one update per example, the same activation on every layer, squared error).

function brainModel(p, lib) {
  const act = p.layers[0].activation;
  const net = new lib.NeuralNetwork({
    inputSize: p.f,
    hiddenLayers: p.layers.slice(0, -1).map((l) => l.units),
    outputSize: p.k,
    activation: act,
  });
  // 1.6.1 takes its sizes from the first training row unless they are set.
  if (lib === brain1) net.sizes = [p.f, ...p.layers.map((l) => l.units)];
  net.initialize();
  p.layers.forEach((l, n) => {
    for (let j = 0; j < l.units; j++) {
      for (let i = 0; i < l.fanIn; i++) net.weights[n + 1][j][i] = l.W[j * l.fanIn + i];
      net.biases[n + 1][j] = l.b[j];
    }
  });
  const data = [];
  for (let r = 0; r < p.rows; r++) {
    data.push({
      input: Array.from(p.x.subarray(r * p.f, (r + 1) * p.f)),
      output: Array.from(p.y.subarray(r * p.k, (r + 1) * p.k)),
    });
  }
  // brain.js rejects momentum 0 and errorThresh 0 (it checks 0 < value < 1). The
  // momentum multiplies every weight's last change each update, so it must be a normal
  // double: a subnormal one (Number.MIN_VALUE) sends each of those products down the
  // CPU's slow path and cost brain.js three quarters of its speed. 1e-20 times the last
  // change is lost when the new change is rounded into its Float32Array, unless the new
  // one is some 1e12 times smaller: the updates are momentum 0's to within rounding. The
  // error threshold is only compared, never multiplied: the smallest positive double
  // keeps training to the time limit.
  const options = {
    activation: act, learningRate: p.lr, momentum: 1e-20,
    errorThresh: Number.MIN_VALUE, log: false,
  };
  return {
    kind: "scores",
    ownLoss: p.loss !== "mse" || p.layers.some((l) => l.activation !== act),
    train(epochs) {
      net.train(data, { ...options, iterations: epochs });
    },
    timed(seconds) {
      const t0 = performance.now();
      const status = net.train(data, { ...options, iterations: 1e9, timeout: seconds * 1000 });
      return status.iterations / ((performance.now() - t0) / 1000);
    },
    predict() {
      const out = new Float32Array(p.rows * p.k);
      for (let r = 0; r < p.rows; r++) out.set(net.run(data[r].input), r * p.k);
      return out;
    },
    dispose() {},
  };
}

const CONV_HELPERS = { rng, shuffle };
const PEERS = {
  "tfjs-wasm": { make: tfModel, setup: () => useTf("wasm") },
  "tfjs-cpu": { make: (p) => (p.image ? tfConvModel(p, tf, CONV_HELPERS) : tfModel(p)), setup: () => useTf("cpu") },
  convnetjs: { make: (p) => (p.image ? convnetConvModel(p, convnetjs, CONV_HELPERS) : convnetModel(p)), setup: async () => {} },
  brainjs: { make: (p) => brainModel(p, brain), setup: async () => {} },
  "brainjs-1": { make: (p) => brainModel(p, brain1), setup: async () => {} },
};

function timeEpochs(model, seconds) {
  if (model.timed) return model.timed(seconds);
  const t0 = performance.now();
  let epochs = 0;
  let elapsed;
  do {
    model.epoch();
    epochs++;
    elapsed = performance.now() - t0;
  } while (elapsed < seconds * 1000);
  return epochs / (elapsed / 1000);
}

/** One timed run: epochs per second of `engine` on workload `w`. */
async function run(w, engine, seconds) {
  const p = prepared[w];
  if (OURS[engine]) return ours(engine).benchEpochs(ourConfig(w, engine), OURS[engine].precision, seconds, WORKLOADS[w].bytes());
  const peer = PEERS[engine];
  await peer.setup();
  const model = peer.make(p);
  try {
    return timeEpochs(model, seconds);
  } finally {
    model.dispose();
  }
}

/** Trains `p.learnEpochs` epochs from the shared initial weights: cost and accuracy on
 * the training rows before and after. */
async function learn(w, engine) {
  const p = prepared[w];
  if (OURS[engine]) {
    const [before, after, accuracy] = await ours(engine).benchLearning(ourConfig(w, engine), OURS[engine].precision, p.learnEpochs, WORKLOADS[w].bytes());
    return { before, after, accuracy, epochs: p.learnEpochs, loss: p.loss };
  }
  const peer = PEERS[engine];
  await peer.setup();
  const model = peer.make(p);
  try {
    const lossName = model.ownLoss ? "mse" : p.loss;
    const before = score(p, model.predict(), model.kind, lossName);
    if (model.train) model.train(p.learnEpochs);
    else for (let e = 0; e < p.learnEpochs; e++) model.epoch();
    const after = score(p, model.predict(), model.kind, lossName);
    return { before: before.loss, after: after.loss, accuracy: after.accuracy, epochs: p.learnEpochs, loss: lossName };
  } finally {
    model.dispose();
  }
}

function operand(n, salt) {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = ((i * 31 + j * 17 + salt) % 97) / 48.5 - 1;
  return m;
}

/** One timed run of n x n products: GFLOP/s. */
async function matmul(n, engine, seconds) {
  if (OURS[engine]) return ours(engine).benchMatmul(n, OURS[engine].matmul, seconds);
  if (!engine.startsWith("tfjs-")) throw new Error(`${engine} has no matrix product`);
  await useTf(engine.slice(5));
  const a = tf.tensor2d(operand(n, 0), [n, n]);
  const b = tf.tensor2d(operand(n, 5), [n, n]);
  const t0 = performance.now();
  let products = 0;
  let elapsed;
  do {
    tf.matMul(a, b).dispose();
    products++;
    elapsed = performance.now() - t0;
  } while (elapsed < seconds * 1000);
  const check = tf.matMul(a, b);
  const c = check.dataSync();
  const A = operand(n, 0);
  const B = operand(n, 5);
  let want = 0;
  for (let k = 0; k < n; k++) want += A[k] * B[k * n + n - 1];
  tf.dispose([a, b, check]);
  if (Math.abs(c[n - 1] - want) > 1e-3 * Math.max(1, Math.abs(want))) throw new Error(`TF.js ${engine} product is wrong`);
  return (2 * n ** 3 * products) / (elapsed / 1000) / 1e9;
}

/** What the page runs on. */
async function info() {
  await useTf("wasm");
  const wasmInfo = {
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    multithread: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    threads: tf.wasm.getThreadsCount(),
  };
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    relaxedSimd,
    hardwareConcurrency: LOGICAL_CORES,
    tfjs: { versions: tf.version, wasm: wasmInfo, prod: tf.env().getBool("PROD") },
  };
}

window.bench = { prepare, run, learn, matmul, info };
window.benchReady = true;
document.getElementById("status").textContent = "Ready.";
