//! Each layer kind as ONNX operators, one arm per kind, reading the layer through the
//! [`Operation`] interface (its shapes and its parameters by name).
//!
//! A new kind joins with an arm in [`layer`] and a function beside [`dense`] that adds
//! its nodes and constants and returns the name of its output (z; the activation is
//! added after it by the caller). The kinds on their way map like this:
//! - conv2d: `Conv` over an image-shaped input (a `Reshape` of the flat row to
//!   [rows, channels, height, width] where the previous value is flat), weights as
//!   [out, in, kh, kw], biases as B, with `kernel_shape`, `strides` and `pads` (add an
//!   `ints` field, tag 8, to `AttributeProto` and `AttributeType::Ints = 7` for them);
//! - maxpool2d: `MaxPool` with `kernel_shape` and `strides`;
//! - flatten: `Flatten` with axis 1 (channel-major, as the engine stores images);
//! - batchnorm: `BatchNormalization` in inference form with the running mean and
//!   variance and epsilon (on [rows, features] it normalises axis 1, as the engine);
//! - dropout: nothing (the export is the evaluation pass);
//! - tied: `Gemm` with transB = 0 over the tied layer's weights.

use super::Graph;
use crate::engine::error::{EngineError, Result};
use crate::engine::ops::Operation;

/// Adds layer `l` (numbered from 1) reading `x`; returns the name of its z.
pub(super) fn layer(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> Result<String> {
    match op.kind() {
        "dense" => Ok(dense(g, l, op, x)),
        other => Err(EngineError::Mismatch(format!(
            "layer {l}: the ONNX export has no operator for {other} layers yet"
        ))),
    }
}

/// The values of the parameter called `name`, with its shape.
fn param<'a>(op: &'a dyn Operation<f64>, name: &str) -> (&'a [usize], &'a [f64]) {
    let p = op
        .params()
        .iter()
        .position(|s| s.name == name)
        .expect("every layer kind names its parameters in its ParamSpecs");
    (op.param_shape(p), op.param(p))
}

/// z = x Wᵀ + b: `Gemm` with transB, W as [units, fan_in] just as the engine holds it.
fn dense(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> String {
    let (w_shape, w) = param(op, "weights");
    let (b_shape, b) = param(op, "biases");
    let w = g.floats(&format!("layer{l}_weights"), w_shape, w);
    let b = g.floats(&format!("layer{l}_biases"), b_shape, b);
    g.node(
        "Gemm",
        &format!("layer{l}_z"),
        &[&x, &w, &b],
        vec![super::int("transB", 1)],
    )
}
