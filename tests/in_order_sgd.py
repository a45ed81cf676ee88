"""An independent loop: plain SGD in numpy over the training rows in file order, as a
notebook writes it, for tests/order.test.mjs. A tanh hidden layer, one sigmoid
cross-entropy logit, the mean over each mini-batch.

    python3 in_order_sgd.py model.json data.csv train_mask.txt batch lr steps
prints the weights and biases after `steps` steps, layer by layer, one number a line.
"""
import json
import sys

import numpy as np

model_path, csv_path, mask_path, batch, lr, steps = sys.argv[1:]
batch, lr, steps = int(batch), float(lr), int(steps)
model = json.load(open(model_path))
data = np.loadtxt(csv_path, delimiter=",", skiprows=1)
x, y = data[:, :-1], data[:, -1:]
mask = np.array([int(v) for v in open(mask_path).read().split(",")], dtype=bool)
x, y = x[mask], y[mask]  # the validation rows taken out, the file's order kept
(l1, l2) = model["layers"]
w1, b1 = np.array(l1["weights"]), np.array(l1["biases"])
w2, b2 = np.array(l2["weights"]), np.array(l2["biases"])

cursor = 0
for _ in range(steps):
    xb, yb = x[cursor:cursor + batch], y[cursor:cursor + batch]
    cursor = cursor + len(xb)
    if cursor == len(x):
        cursor = 0
    n = len(xb)
    h = np.tanh(xb @ w1.T + b1)
    z = h @ w2.T + b2
    dz = (1 / (1 + np.exp(-z)) - yb) / n
    dw2, db2 = dz.T @ h, dz.sum(0)
    dh = (dz @ w2) * (1 - h ** 2)
    dw1, db1 = dh.T @ xb, dh.sum(0)
    w1, b1, w2, b2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2, b2 - lr * db2

for v in np.concatenate([w1.ravel(), b1, w2.ravel(), b2]):
    print(repr(float(v)))
