"""A convnet's forward and backward in plain numpy, written from the formulas, for the
engine's evaluate() to be checked against (tests/convnet_numpy.test.mjs).

Usage: python3 convnet_numpy.py MODEL.json DATA.csv [train|eval]

Reads a model file with conv2d, maxpool2d, flatten, batchnorm and dense layers, a CSV
with a label column (softmax cross-entropy, mean over rows), and prints
{"loss", "outputs", "gradients"} as evaluate() does. Batch norm follows the cs231n
formulas: in training by the batch's mean and biased variance, with
dx = gamma / (m sigma) (m dy - sum dy - x_hat sum(dy x_hat)); in evaluation by the
running statistics.
"""
import json
import sys

import numpy as np

ACT = {
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
}


def conv_forward(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", patch, w) + b
    return out, xp


def conv_backward(dout, xp, w, stride, pad, shape):
    f, _, kh, kw = w.shape
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            sl = (slice(None), slice(None), slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw))
            dw += np.einsum("nf,nckl->fckl", dout[:, :, i, j], xp[sl])
            dxp[sl] += np.einsum("nf,fckl->nckl", dout[:, :, i, j], w)
    h, wd = shape[2], shape[3]
    return dxp[:, :, pad:pad + h, pad:pad + wd], dw, dout.sum(axis=(0, 2, 3))


def pool_forward(x, size, stride):
    n, c, h, w = x.shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    out, arg = np.zeros((n, c, oh, ow)), np.zeros((n, c, oh, ow), dtype=int)
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].reshape(n, c, -1)
            arg[:, :, i, j] = win.argmax(axis=2)
            out[:, :, i, j] = win.max(axis=2)
    return out, arg


def pool_backward(dout, arg, size, stride, shape):
    dx = np.zeros(shape)
    n, c, oh, ow = dout.shape
    for i in range(oh):
        for j in range(ow):
            for a in range(n):
                for ch in range(c):
                    k = arg[a, ch, i, j]
                    dx[a, ch, i * stride + k // size, j * stride + k % size] += dout[a, ch, i, j]
    return dx


def bn_axes(x):
    return (0,) if x.ndim == 2 else (0, 2, 3)


def bn_shape(x, v):
    return v if x.ndim == 2 else v[None, :, None, None]


def main():
    model = json.load(open(sys.argv[1]))
    mode = sys.argv[3] if len(sys.argv) > 3 else "eval"
    lines = [l for l in open(sys.argv[2]).read().splitlines() if l and not l.startswith("#")]
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in l.split(",")] for l in lines[1:]])
    li = header.index("label")
    labels = rows[:, li].astype(int)
    x = np.delete(rows, li, axis=1)
    if "input_shape" in model:
        x = x.reshape((x.shape[0], *model["input_shape"]))
    layers, cache = model["layers"], []
    for L in layers:
        kind = L.get("kind", "dense")
        if kind == "conv2d":
            w, b = np.array(L["weights"]), np.array(L["biases"])
            z, xp = conv_forward(x, w, b, L["stride"], L["pad"])
            a = ACT[L["activation"]][0](z)
            cache.append((x, z, a, xp))
        elif kind == "maxpool2d":
            a, arg = pool_forward(x, L["size"], L["stride"])
            cache.append((x, a, a, arg))
        elif kind == "flatten":
            a = x.reshape(x.shape[0], -1)
            cache.append((x, a, a, None))
        elif kind == "batchnorm":
            g, be = np.array(L["gamma"]), np.array(L["beta"])
            if mode == "train":
                mu, var = x.mean(axis=bn_axes(x)), x.var(axis=bn_axes(x))
            else:
                mu, var = np.array(L["running_mean"]), np.array(L["running_var"])
            inv = 1 / np.sqrt(var + L["eps"])
            xh = (x - bn_shape(x, mu)) * bn_shape(x, inv)
            a = bn_shape(x, g) * xh + bn_shape(x, be)
            cache.append((x, a, a, (xh, inv)))
        else:
            w, b = np.array(L["weights"]), np.array(L["biases"])
            z = x @ w.T + b
            a = ACT[L["activation"]][0](z)
            cache.append((x, z, a, None))
        x = a
    n = x.shape[0]
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels]).mean() + 0.5 * model.get("l2", 0) * sum(
        (np.array(L["weights"]) ** 2).sum() for L in layers if "weights" in L)
    d = p.copy()
    d[np.arange(n), labels] -= 1
    d /= n
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        L, (xin, z, a, extra) = layers[i], cache[i]
        kind = L.get("kind", "dense")
        if kind == "conv2d":
            d = d * ACT[L["activation"]][1](z, a)
            w = np.array(L["weights"])
            d, dw, db = conv_backward(d, extra, w, L["stride"], L["pad"], xin.shape)
            grads[i] = {"weights": (dw + model.get("l2", 0) * w).tolist(), "biases": db.tolist()}
        elif kind == "maxpool2d":
            d = pool_backward(d, extra, L["size"], L["stride"], xin.shape)
            grads[i] = {}
        elif kind == "flatten":
            d = d.reshape(xin.shape)
            grads[i] = {}
        elif kind == "batchnorm":
            xh, inv = extra
            g = np.array(L["gamma"])
            ax = bn_axes(xin)
            grads[i] = {"gamma": (d * xh).sum(axis=ax).tolist(), "beta": d.sum(axis=ax).tolist()}
            if mode == "train":
                m = xin.shape[0] * (xin.shape[2] * xin.shape[3] if xin.ndim == 4 else 1)
                d = bn_shape(xin, g * inv) / m * (
                    m * d - bn_shape(xin, d.sum(axis=ax)) - xh * bn_shape(xin, (d * xh).sum(axis=ax)))
            else:
                d = d * bn_shape(xin, g * inv)
        else:
            d = d * ACT[L["activation"]][1](z, a)
            w = np.array(L["weights"])
            grads[i] = {"weights": (d.T @ xin + model.get("l2", 0) * w).tolist(), "biases": d.sum(axis=0).tolist()}
            d = d @ w
    print(json.dumps({"loss": loss, "outputs": x.tolist(), "gradients": grads}))


main()
