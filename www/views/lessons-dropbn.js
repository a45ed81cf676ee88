// The UCLA notebook's fully connected net takes dropout and batch normalisation as
// options; this lesson compares them on the 8x8 digits. Few training digits (180) and
// two layers of 100 ReLU units overfit; the comparison (www/views/compare.js) trains
// the net as built (batch norm and dropout after each hidden layer), without dropout,
// without batch norm and without either. The figures are measured natively by
// crate/tests/dropout_batchnorm.rs on this configuration; the figure line reads the
// page's own comparison.
import { comparison } from "./compare-state.js";

const EPOCHS = 60;
const BN = { kind: "batchnorm", momentum: 0.9, eps: 1e-5 };
const DROP = { kind: "dropout", p: 0.5 };
const RELU = { units: 100, activation: "relu" };

const fixed = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");

export const DROPOUT_BATCHNORM = {
  title: "UCLA: dropout and batch norm, with and without",
  text: `The UCLA notebook's fully connected net with both of its options: two ReLU layers of 100 units, each followed by batch norm and dropout (p = 0.5), trained on only 180 digits (1,617 held out) with SGD and momentum (learning rate 0.05, batches of 20) from weights of std 0.05, so that it overfits. The comparison below trains it four times for ${EPOCHS} epochs on the same digits from the same initial weights: as built, without dropout, without batch norm, without either. Each variant has its colour; training is solid, validation dashed. Batch norm speeds early training: after 3 epochs training accuracy is 0.867 and 0.928 with it, 0.256 without. Every variant then learns the 180 digits by heart (training accuracy 1.000, 0.994 without batch norm; training loss near 0), and dropout narrows the gap to validation: validation loss ends at 0.251 with both against 0.270 without dropout, and 0.323 with dropout alone against 0.414 with neither. Validation accuracy tells less, here 0.926, 0.943, 0.913 and 0.911 in the same order: on 180 digits dropout's gain in loss does not always show in the count of right answers. The line below is the page's own comparison; crate/tests/dropout_batchnorm.rs checks the same claims natively.`,
  state: {
    data: { kind: "digits", limit: 0, validation: 0.9, seed: 1 },
    features: { standardize: false },
    network: { hidden: [RELU, BN, DROP, RELU, BN, DROP], output: "identity", loss: "softmax_cross_entropy", init: "gaussian", init_std: 0.05, seed: 1 },
    training: { optimizer: "momentum", learning_rate: 0.05, batch_size: 20, kernel: "scalar" },
  },
  open: ["view-compare"],
  /** Runs the comparison for the lesson's epochs once the lesson's network is built. */
  start: () => document.dispatchEvent(new CustomEvent("compare-start", { detail: { epochs: EPOCHS } })),
  figure: () => {
    const { overlay, done, total, finished, error } = comparison;
    if (error) return `The comparison stopped: ${error}`;
    if (!overlay || !finished) return `Training the four variants: ${done} of ${total || 4 * EPOCHS} epochs…`;
    const rows = JSON.parse(overlay.summary());
    const list = (f) => rows.map((r, i) => `${r.label} ${f(r, i)}`).join(", ");
    return [
      `After epoch 3, training accuracy: ${list((r, i) => fixed(overlay.value(i, "train_accuracy", 3)))}`,
      `after epoch ${rows[0].epochs}, validation loss: ${list((r) => fixed(r.val_loss))}`,
      `validation accuracy: ${list((r) => fixed(r.val_accuracy))}`,
    ].join(" · ");
  },
};
