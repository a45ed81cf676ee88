"""Checks an ONNX file from Backprop Lab: onnx.checker accepts it, and onnxruntime,
fed the raw features, reproduces the page's predictions.

Usage: python3 tests/onnx_check.py model.onnx features.f32 predictions.f32 rows
The two .f32 files hold float32 row-major arrays, as Lab.dataPtr() and
Lab.predictionsPtr() give them (an image row flat, C x H x W channel-major). Prints
the largest absolute difference.
"""
import sys

import numpy as np
import onnx
import onnxruntime

path, features, predictions, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
model = onnx.load(path)
onnx.checker.check_model(model, full_check=True)
assert model.opset_import[0].version >= 13, model.opset_import
# The input is the flat row, [rows, width], for image models too.
(graph_input,) = model.graph.input
assert len(graph_input.type.tensor_type.shape.dim) == 2, graph_input
x = np.fromfile(features, dtype=np.float32).reshape(rows, -1)
want = np.fromfile(predictions, dtype=np.float32).reshape(rows, -1)
session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
(got,) = session.run(["predictions"], {"features": x})
assert got.shape == want.shape, (got.shape, want.shape)
print(float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))))
