// W4, the digits convnet, for the peers of bench/page.mjs: our exported model read into
// plain arrays, then the same network in TF.js (tf.conv2d, tf.maxPool, its SGD) and in
// ConvNetJS (its conv, ReLU and pool layers and Trainer), from the same initial weights.
//
// Layouts: ours is channel-major (an image C x H x W, filters F x C x KH x KW, flatten
// in C, H, W order). TF.js is NHWC (filters KH x KW x C x F) and ConvNetJS stores a volume
// as (y, x, depth) with depth fastest, so both flatten the pooled maps in H, W, C order:
// the dense weights are permuted to match, which leaves the function computed the same.

/** The conv, pool and dense layers of an exported W4 model, as flat Float32Arrays. */
export function readConvnet(model, inputShape) {
  const [conv, pool, flatten, dense, ...rest] = model.layers;
  if (conv?.kind !== "conv2d" || pool?.kind !== "maxpool2d" || flatten?.kind !== "flatten"
    || dense?.kind !== undefined || rest.length) {
    throw new Error("W4 is conv2d, maxpool2d, flatten, dense");
  }
  const [C, H, Wd] = inputShape;
  const [KH, KW] = conv.kernel;
  const F = conv.filters;
  const OH = Math.floor((H + 2 * conv.pad - KH) / conv.stride) + 1;
  const OW = Math.floor((Wd + 2 * conv.pad - KW) / conv.stride) + 1;
  const PH = Math.floor((OH - pool.size) / pool.stride) + 1;
  const PW = Math.floor((OW - pool.size) / pool.stride) + 1;
  return {
    C, H, W: Wd, F, KH, KW, OH, OW, PH, PW,
    stride: conv.stride, pad: conv.pad, poolSize: pool.size, poolStride: pool.stride,
    activation: conv.activation,
    convW: Float32Array.from(conv.weights.flat(3)),
    convB: Float32Array.from(conv.biases),
    units: dense.units,
    denseW: Float32Array.from(dense.weights.flat()),
    denseB: Float32Array.from(dense.biases),
    outputActivation: dense.activation,
  };
}

/** Our flat (channel-major) index of pooled value (c, y, x). */
const chw = (g, c, y, x) => (c * g.PH + y) * g.PW + x;

/** TF.js: conv2d (NHWC), ReLU, maxPool, reshape, matMul, softmax cross-entropy, trained
 * with tf.train.sgd and one optimizer.minimize per mini-batch built before timing. */
export function tfConvModel(p, tf, { rng, shuffle }) {
  const g = p.image;
  if (g.activation !== "relu" || g.outputActivation !== "identity") throw new Error("W4 is ReLU then scores");
  const filter = new Float32Array(g.KH * g.KW * g.C * g.F);
  for (let f = 0; f < g.F; f++) {
    for (let c = 0; c < g.C; c++) {
      for (let i = 0; i < g.KH; i++) {
        for (let j = 0; j < g.KW; j++) {
          filter[((i * g.KW + j) * g.C + c) * g.F + f] = g.convW[((f * g.C + c) * g.KH + i) * g.KW + j];
        }
      }
    }
  }
  const flat = g.F * g.PH * g.PW;
  const dense = new Float32Array(flat * g.units);
  for (let u = 0; u < g.units; u++) {
    for (let y = 0; y < g.PH; y++) {
      for (let x = 0; x < g.PW; x++) {
        for (let c = 0; c < g.F; c++) dense[((y * g.PW + x) * g.F + c) * g.units + u] = g.denseW[u * flat + chw(g, c, y, x)];
      }
    }
  }
  const vars = [
    tf.variable(tf.tensor4d(filter, [g.KH, g.KW, g.C, g.F])),
    tf.variable(tf.tensor1d(g.convB)),
    tf.variable(tf.tensor2d(dense, [flat, g.units])),
    tf.variable(tf.tensor1d(g.denseB)),
  ];
  const [K, b1, Wd, b2] = vars;
  // Our rows are C x H x W; TF.js wants N x H x W x C (the same order when C = 1).
  const nhwc = new Float32Array(p.x.length);
  const pixels = g.H * g.W;
  for (let r = 0; r < p.rows; r++) {
    for (let c = 0; c < g.C; c++) {
      for (let q = 0; q < pixels; q++) nhwc[(r * pixels + q) * g.C + c] = p.x[(r * g.C + c) * pixels + q];
    }
  }
  const xs = tf.tensor4d(nhwc, [p.rows, g.H, g.W, g.C]);
  const ys = tf.tensor2d(p.y, [p.rows, p.k]);
  const forward = (input) => {
    const a = tf.relu(tf.add(tf.conv2d(input, K, g.stride, g.pad), b1));
    const pooled = tf.maxPool(a, g.poolSize, g.poolStride, "valid");
    return tf.add(tf.matMul(tf.reshape(pooled, [-1, flat]), Wd), b2);
  };
  const opt = tf.train.sgd(p.lr);
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
  return {
    kind: "scores",
    epoch() {
      shuffle(visit, next);
      for (const i of visit) {
        const { xb, yb } = batches[i];
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)), false, vars);
      }
    },
    predict() {
      const t = tf.tidy(() => forward(xs));
      const out = t.dataSync().slice();
      t.dispose();
      return out;
    },
    dispose() {
      tf.dispose([...vars, xs, ys, ...batches.flatMap((b) => [b.xb, b.yb])]);
      opt.dispose();
    },
  };
}

/** ConvNetJS: ConvLayer, ReluLayer, PoolLayer, FullyConnLayer, SoftmaxLayer and its
 * Trainer (per-example backprop, the summed gradient applied every batch_size examples). */
export function convnetConvModel(p, C, { rng, shuffle }) {
  const g = p.image;
  const conv = new C.ConvLayer({
    in_sx: g.W, in_sy: g.H, in_depth: g.C, sx: g.KW, sy: g.KH, filters: g.F, stride: g.stride, pad: g.pad,
  });
  if (conv.out_sx !== g.OW || conv.out_sy !== g.OH) throw new Error("ConvNetJS computes another output size");
  for (let f = 0; f < g.F; f++) {
    for (let c = 0; c < g.C; c++) {
      for (let i = 0; i < g.KH; i++) {
        for (let j = 0; j < g.KW; j++) conv.filters[f].set(j, i, c, g.convW[((f * g.C + c) * g.KH + i) * g.KW + j]);
      }
    }
    conv.biases.w[f] = g.convB[f];
  }
  const maps = { in_sx: g.OW, in_sy: g.OH, in_depth: g.F };
  const pool = new C.PoolLayer({ ...maps, sx: g.poolSize, stride: g.poolStride });
  const fc = new C.FullyConnLayer({ in_sx: g.PW, in_sy: g.PH, in_depth: g.F, num_neurons: g.units });
  const flat = g.F * g.PH * g.PW;
  for (let u = 0; u < g.units; u++) {
    for (let y = 0; y < g.PH; y++) {
      for (let x = 0; x < g.PW; x++) {
        for (let c = 0; c < g.F; c++) fc.filters[u].w[(y * g.PW + x) * g.F + c] = g.denseW[u * flat + chw(g, c, y, x)];
      }
    }
    fc.biases.w[u] = g.denseB[u];
  }
  const net = new C.Net();
  net.layers = [
    new C.InputLayer({ out_sx: g.W, out_sy: g.H, out_depth: g.C }),
    conv,
    new C.ReluLayer(maps),
    pool,
    fc,
    new C.SoftmaxLayer({ in_sx: 1, in_sy: 1, in_depth: g.units }),
  ];
  const trainer = new C.Trainer(net, {
    method: "sgd", learning_rate: p.lr, batch_size: p.batch, momentum: 0, l1_decay: 0, l2_decay: 0,
  });
  const pixels = g.H * g.W;
  const vols = [];
  for (let r = 0; r < p.rows; r++) {
    const v = new C.Vol(g.W, g.H, g.C, 0);
    for (let c = 0; c < g.C; c++) {
      for (let q = 0; q < pixels; q++) v.set(q % g.W, Math.floor(q / g.W), c, p.x[(r * g.C + c) * pixels + q]);
    }
    vols.push(v);
  }
  const next = rng(7);
  const order = Int32Array.from({ length: p.rows }, (_, i) => i);
  return {
    kind: "probs",
    epoch() {
      shuffle(order, next);
      for (let n = 0; n < order.length; n++) trainer.train(vols[order[n]], p.labels[order[n]]);
    },
    predict() {
      const out = new Float32Array(p.rows * p.k);
      for (let r = 0; r < p.rows; r++) out.set(net.forward(vols[r], false).w, r * p.k);
      return out;
    },
    dispose() {},
  };
}
