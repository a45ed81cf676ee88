"""Reproduce Backprop Lab's predictions from an exported model file with numpy.

Usage: python3 docs/predict.py model.json data.csv
The CSV has the raw feature columns the model was trained on (extra label or y
columns are ignored). Prints one line per row: the prediction the page shows
(class probabilities for cross-entropy models, the raw outputs otherwise).
"""
import csv
import json
import sys

import numpy as np

ACTIVATIONS = {
    "identity": lambda z: z,
    "linear": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "swish": lambda z: z / (1.0 + np.exp(-z)),
    "sin": np.sin,
    "cos": np.cos,
    "exp": np.exp,
}

DERIVED = {
    "x1^2": lambda x: x[:, 0] ** 2,
    "x2^2": lambda x: x[:, 1] ** 2,
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: np.sin(x[:, 0]),
    "sin(x2)": lambda x: np.sin(x[:, 1]),
}


def read_features(path, names):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    header = [h.strip() for h in rows[0]]
    if names is None:
        names = [h for h in header if h != "label" and not (h == "y" or (h[:1] == "y" and h[1:].isdigit()))]
    cols = [header.index(n) for n in names]
    return np.array([[float(r[c]) for c in cols] for r in rows[1:]], dtype=np.float64)


def predict(model, x):
    t = model.get("input_transform") or {}
    if t.get("derived"):
        x = np.column_stack([x] + [DERIVED[d](x) for d in t["derived"]])
    if "mean" in t:
        x = (x - np.array(t["mean"])) / np.array(t["std"])
    a = x
    for layer in model["layers"]:
        w = np.array(layer["weights"])  # (units, fan_in): row j feeds unit j
        z = a @ w.T + np.array(layer["biases"])
        a = ACTIVATIONS[layer["activation"]](z)
    if model["loss"] == "softmax_cross_entropy":
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if model["loss"] == "sigmoid_cross_entropy":
        return 1.0 / (1.0 + np.exp(-a))
    return a


def main():
    with open(sys.argv[1]) as f:
        model = json.load(f)
    x = read_features(sys.argv[2], model.get("feature_names"))
    for row in predict(model, x):
        print(" ".join(repr(float(v)) for v in row))


if __name__ == "__main__":
    main()
