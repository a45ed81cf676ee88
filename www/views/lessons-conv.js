// The CMU seed's conv_forward test (its Q2.4.1) as a lesson's data and model: x, w and b
// made by linspace exactly as the notebook makes them (x: 2 images of 3x4x4 from -0.1
// to 0.5; w: 3 filters of 3x4x4 from -0.2 to 0.3; b: -0.1 to 0.2), stride 2, pad 1.
// The page's network always ends in a dense output layer, so the convolution is read
// out through flatten and a 12-unit identity layer (W = I, b = 0): the outputs are the
// convolution's own, y_ref.

const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** Nested F x C x KH x KW arrays of `flat`. */
function nest(flat, [f, c, kh, kw]) {
  const at = (i, j, k) => flat.slice(((i * c + j) * kh + k) * kw, ((i * c + j) * kh + k + 1) * kw);
  return Array.from({ length: f }, (_, i) => Array.from({ length: c }, (_, j) => Array.from({ length: kh }, (_, k) => at(i, j, k))));
}

const x = linspace(-0.1, 0.5, 2 * 48);
const identity = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => (i === j ? 1 : 0)));

/** The two images as a CSV (`# image: 3x4x4`), targets 0: the lesson is the forward pass. */
export const CMU_CONV_CSV = [
  "# image: 3x4x4",
  [...Array.from({ length: 48 }, (_, i) => `p${i}`), ...Array.from({ length: 12 }, (_, i) => `y${i}`)].join(","),
  ...[0, 1].map((n) => [...x.slice(48 * n, 48 * (n + 1)), ...Array(12).fill(0)].join(",")),
].join("\n") + "\n";

/** The conv layer of the seed's test, then flatten and the identity readout. */
export const CMU_CONV_MODEL = {
  format: "backprop-lab.model", version: 1, input_dim: 48, input_shape: [3, 4, 4],
  layers: [
    { kind: "conv2d", filters: 3, kernel: [4, 4], stride: 2, pad: 1, activation: "identity",
      weights: nest(linspace(-0.2, 0.3, 144), [3, 3, 4, 4]), biases: linspace(-0.1, 0.2, 3) },
    { kind: "flatten" },
    { units: 12, activation: "identity", weights: identity, biases: Array(12).fill(0) },
  ],
  loss: "mse", reduction: "sum", l2: 0,
};

/** The conv layer's settings, for the lesson's network. */
export const CMU_CONV_HIDDEN = [
  { kind: "conv2d", filters: 3, kernel: [4, 4], stride: 2, pad: 1, activation: "identity" },
  { kind: "flatten" },
];

/** The three outputs the lesson's line and the ledger show, as [image, map, y, x]: the
 * seed's y_ref prints them as -0.08759809, -0.10987781 and 2.38247847. */
export const CMU_PIXELS = [[0, 0, 0, 0], [0, 0, 0, 1], [1, 2, 1, 1]];
