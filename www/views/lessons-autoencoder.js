// The UCLA notebook's tied linear autoencoder as a lesson: L = 1/2 ||W^T W x - x||^2 on
// the standardised 8x8 digits, W of 2 x 64, so the code of each digit is a point of a
// plane. W is reached by two paths (the encoder W x and the decoder W^T), whose
// gradients add: dL/dW = W x g^T + W g x^T with g = W^T W x - x. A linear autoencoder
// learns the top principal subspace, so its reconstruction error comes down to PCA's
// with as many components; crate/tests/autoencoder.rs measures the figure the banner
// states, on this configuration.

const fixed = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : "–");

/** Epochs the lesson trains for. */
const EPOCHS = 40;

export const UCLA_AUTOENCODER = {
  title: "UCLA: a tied linear autoencoder, two paths to W",
  text: "The target is the input: each standardised 8x8 digit x goes through W (2 x 64) to a code of two numbers, and back through W^T, the same weights transposed, to the reconstruction W^T W x (each layer with its own biases). The loss is 1/2 ||W^T W x - x||^2, and W is reached by two paths, the encoder and the decoder, whose gradients add: dL/dW = W x g^T + W g x^T with g = W^T W x - x. Press Play (plain SGD, learning rate 0.003, batches of 32, 40 epochs at 200 steps a second): the representation shows the plane of the two code units, every digit a point in its class's colour, and the digits gather into clusters although no label is used; the reconstructions sharpen into blurred digits; the ledger shows the weight W1[0][36]'s two parts, the encoder's (W g x^T) and the decoder's (W x g^T), their sum, backprop's gradient and the gradient check. A linear 2-unit code can do no better than the first two principal components: measured natively, after 40 epochs the validation reconstruction error is 26.92, within 0.1% of PCA's 26.91 with 2 components (it starts at 34.25).",
  state: {
    data: { kind: "digits", limit: 0, validation: 0.2, seed: 1, problem: "autoencoder" },
    features: { standardize: true },
    network: { hidden: [{ units: 2, activation: "identity" }], tied_output: true, output: "identity", loss: "mse", init: "xavier", seed: 1 },
    training: { optimizer: "sgd", learning_rate: 0.003, batch_size: 32 },
    view: { stop: "epochs", stop_value: EPOCHS, pace: 7 },
  },
  select: { layer: 0, unit: 0, input: 36 },
  open: ["view-representation", "view-reconstructions", "view-ledger"],
  figure: (lab) => {
    const pca = JSON.parse(lab.pcaBaseline());
    const val = lab.last("val_loss");
    const gap = Number.isFinite(val) ? ` (${fixed((100 * (val - pca.error)) / pca.error, 1)}% above)` : "";
    return `Epoch ${lab.epoch()} of ${EPOCHS} · validation reconstruction error ${fixed(val, 2)} · PCA with ${pca.components} components ${fixed(pca.error, 2)}${gap}`;
  },
};
