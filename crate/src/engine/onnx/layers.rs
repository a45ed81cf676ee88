//! Each layer kind as ONNX operators, one arm per kind, reading the layer through the
//! [`Operation`] interface (its shapes, its parameters and buffers by name, its
//! settings from [`Operation::hyper`]).
//!
//! A value in the graph is laid out as the engine's [`Shape`] says: [rows, features]
//! for a row of features, [rows, channels, height, width] for an image (channel-major,
//! as the engine stores images, so the flat row and the image are the same values).
//! [`conform`] reshapes the value before a layer when the layer before it (or the
//! graph's flat input) gives the other layout. A new kind joins with an arm in [`layer`]
//! that adds its nodes and constants and returns the name of its output (z; the
//! activation is added after it by the caller). The kinds map like this:
//! - dense: `Gemm` with transB = 1, W as [units, fan_in];
//! - conv2d: `Conv` with W as [out, in, kh, kw], biases as B, `kernel_shape`,
//!   `strides` and `pads`;
//! - maxpool2d: `MaxPool` with `kernel_shape` and `strides` (no padding, floor);
//! - flatten: `Flatten` with axis 1;
//! - batchnorm: `BatchNormalization` in inference form with the running mean and
//!   variance and epsilon: per channel on an image, per feature on [rows, features]
//!   (ONNX normalises axis 1 of either, as the engine groups them);
//! - dropout: nothing (the export is the evaluation pass, where dropout copies);
//! - tied: `Gemm` with transB = 0 over the tied dense layer's own W constant.

use super::{ints, Graph};
use crate::engine::error::{EngineError, Result};
use crate::engine::ops::{Operation, Shape};

/// Adds layer `l` (numbered from 1) reading `x`, already in the layout of the layer's
/// input shape; returns the name of its z.
pub(super) fn layer(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> Result<String> {
    Ok(match op.kind() {
        "dense" => dense(g, l, op, x),
        "conv2d" => conv(g, l, op, x),
        "maxpool2d" => {
            let size = setting(op, "size");
            let stride = setting(op, "stride");
            g.node(
                "MaxPool",
                &format!("layer{l}_pool"),
                &[&x],
                vec![
                    ints("kernel_shape", &[size, size]),
                    ints("strides", &[stride, stride]),
                ],
            )
        }
        "flatten" => g.node(
            "Flatten",
            &format!("layer{l}_flat"),
            &[&x],
            vec![super::int("axis", 1)],
        ),
        "batchnorm" => batchnorm(g, l, op, x),
        "dropout" => x,
        "tied" => tied(g, l, op, x)?,
        other => {
            return Err(EngineError::Mismatch(format!(
                "layer {l}: the ONNX export has no operator for {other} layers yet"
            )))
        }
    })
}

/// `x`, laid out as `from`, reshaped to the layout of `to` (nothing when they agree):
/// an image flattened to its row, or a row reshaped to [rows, C, H, W].
pub(super) fn conform(g: &mut Graph, name: &str, x: String, from: Shape, to: Shape) -> String {
    match (from, to) {
        (Shape::Image { .. }, Shape::Features(_)) => {
            g.node("Flatten", name, &[&x], vec![super::int("axis", 1)])
        }
        (
            Shape::Features(_),
            Shape::Image {
                channels,
                height,
                width,
            },
        ) => {
            // 0 copies the rows from the input, whatever their number.
            let dims = [0, channels, height, width].map(|d| d as i64);
            let shape = g.int64s(&format!("{name}_shape"), &dims);
            g.node("Reshape", name, &[&x, &shape], vec![])
        }
        _ => x,
    }
}

/// The values of the parameter called `name`, with its shape.
fn param<'a>(op: &'a dyn Operation<f64>, name: &str) -> (&'a [usize], &'a [f64]) {
    let p = op
        .param_index(name)
        .expect("every layer kind names its parameters in its ParamSpecs");
    (op.param_shape(p), op.param(p))
}

/// The buffer called `name` (batch norm's running statistics).
fn buffer<'a>(op: &'a dyn Operation<f64>, name: &str) -> &'a [f64] {
    let i = op
        .buffers()
        .iter()
        .position(|b| *b == name)
        .expect("batch norm names its running statistics in its buffers");
    op.buffer(i)
}

/// A whole-number setting the kind writes in its model-file layer.
fn setting(op: &dyn Operation<f64>, key: &str) -> usize {
    op.hyper()
        .get(key)
        .and_then(serde_json::Value::as_u64)
        .expect("the kind writes this setting in its hyper") as usize
}

/// z = x Wᵀ + b: `Gemm` with transB, W as [units, fan_in] just as the engine holds it.
fn dense(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> String {
    let (w_shape, w) = param(op, "weights");
    let (b_shape, b) = param(op, "biases");
    let w = g.floats(&weights(l), w_shape, w);
    let b = g.floats(&format!("layer{l}_biases"), b_shape, b);
    g.node(
        "Gemm",
        &format!("layer{l}_z"),
        &[&x, &w, &b],
        vec![super::int("transB", 1)],
    )
}

/// The name of layer `l`'s weight constant, which a tied layer reads too.
fn weights(l: usize) -> String {
    format!("layer{l}_weights")
}

/// `Conv` over [rows, C, H, W] with the engine's (F, C, KH, KW) filters, one bias per
/// filter, and the same padding on every side.
fn conv(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> String {
    let (w_shape, w) = param(op, "weights");
    let (b_shape, b) = param(op, "biases");
    let (kh, kw) = (w_shape[2], w_shape[3]);
    let stride = setting(op, "stride");
    let pad = setting(op, "pad");
    let w = g.floats(&weights(l), w_shape, w);
    let b = g.floats(&format!("layer{l}_biases"), b_shape, b);
    g.node(
        "Conv",
        &format!("layer{l}_z"),
        &[&x, &w, &b],
        vec![
            ints("kernel_shape", &[kh, kw]),
            ints("strides", &[stride, stride]),
            ints("pads", &[pad, pad, pad, pad]),
        ],
    )
}

/// gamma (x - running mean) / sqrt(running var + eps) + beta over axis 1.
fn batchnorm(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> String {
    let mut input = vec![x];
    for name in ["gamma", "beta"] {
        let (shape, values) = param(op, name);
        input.push(g.floats(&format!("layer{l}_{name}"), shape, values));
    }
    for name in ["running_mean", "running_var"] {
        let values = buffer(op, name);
        input.push(g.floats(&format!("layer{l}_{name}"), &[values.len()], values));
    }
    let eps = op
        .hyper()
        .get("eps")
        .and_then(serde_json::Value::as_f64)
        .expect("batch norm writes its eps in its hyper");
    let refs: Vec<&str> = input.iter().map(String::as_str).collect();
    g.node(
        "BatchNormalization",
        &format!("layer{l}_z"),
        &refs,
        vec![super::float("epsilon", eps as f32)],
    )
}

/// z = x W_L + b: `Gemm` without transB over dense layer L's W constant (written once,
/// read by both layers), with this layer's own biases.
fn tied(g: &mut Graph, l: usize, op: &dyn Operation<f64>, x: String) -> Result<String> {
    let of = op.ties().ok_or_else(|| {
        EngineError::Mismatch(format!("layer {l}: a tied layer names no dense layer"))
    })?;
    let (b_shape, b) = param(op, "biases");
    let b = g.floats(&format!("layer{l}_biases"), b_shape, b);
    Ok(g.node(
        "Gemm",
        &format!("layer{l}_z"),
        &[&x, &weights(of + 1), &b],
        vec![super::int("transB", 0)],
    ))
}

#[cfg(test)]
mod tests {
    use super::super::proto::{AttributeProto, GraphProto, ModelProto};
    use super::super::{export, INPUT, OUTPUT};
    use crate::engine::activation::Activation;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::model_json::Model;
    use crate::engine::network::{Architecture, Network};
    use crate::engine::ops::spec::LayerSpec;
    use prost::Message;

    fn graph(
        input_shape: Option<(usize, usize, usize)>,
        layers: Vec<LayerSpec>,
        loss: Loss,
    ) -> GraphProto {
        let input_dim = input_shape.map_or(4, |(c, h, w)| c * h * w);
        let arch = Architecture {
            input_dim,
            input_shape,
            layers,
            loss,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut net = Network::<f64>::zeros(&arch).unwrap();
        for op in &mut net.layers {
            let op = op.get_mut();
            for (i, name) in op.buffers().iter().enumerate() {
                let shift = if *name == "running_mean" { 0.25 } else { 1.5 };
                op.buffer_mut(i).iter_mut().for_each(|v| *v = shift);
            }
        }
        let bytes = export(&Model::from_network(net)).unwrap();
        ModelProto::decode(bytes.as_slice()).unwrap().graph.unwrap()
    }

    fn ops(g: &GraphProto) -> Vec<&str> {
        g.node.iter().map(|n| n.op_type.as_str()).collect()
    }

    /// The attribute `name` of the first node of type `op`.
    fn attr<'a>(g: &'a GraphProto, op: &str, name: &str) -> &'a AttributeProto {
        let node = g.node.iter().find(|n| n.op_type == op).unwrap();
        node.attribute.iter().find(|a| a.name == name).unwrap()
    }

    fn digits_convnet() -> GraphProto {
        graph(
            Some((1, 8, 8)),
            vec![
                LayerSpec::Conv2d {
                    filters: 4,
                    kernel: (3, 3),
                    stride: 1,
                    pad: 1,
                    activation: Activation::Relu,
                },
                LayerSpec::MaxPool2d { size: 2, stride: 2 },
                LayerSpec::Flatten,
                LayerSpec::BatchNorm {
                    momentum: 0.9,
                    eps: 1e-3,
                },
                LayerSpec::Dropout { p: 0.25 },
                LayerSpec::dense(10, Activation::Identity),
            ],
            Loss::SoftmaxCrossEntropy,
        )
    }

    #[test]
    fn a_convnet_reshapes_the_flat_row_and_writes_each_layer_as_its_operator() {
        let g = digits_convnet();
        assert_eq!(
            ops(&g),
            [
                "Reshape",
                "Conv",
                "Relu",
                "MaxPool",
                "Flatten",
                "BatchNormalization",
                "Gemm",
                "Softmax",
                "Identity"
            ]
        );
        // The flat input is reshaped, rows copied, to 1 x 8 x 8.
        assert_eq!(g.node[0].input[0], INPUT);
        let shape = g
            .initializer
            .iter()
            .find(|t| t.name.as_deref() == Some("layer1_input_shape"));
        assert_eq!(shape.unwrap().int64_data, [0, 1, 8, 8]);
        assert_eq!(attr(&g, "Conv", "kernel_shape").ints, [3, 3]);
        assert_eq!(attr(&g, "Conv", "strides").ints, [1, 1]);
        assert_eq!(attr(&g, "Conv", "pads").ints, [1, 1, 1, 1]);
        assert_eq!(attr(&g, "Conv", "pads").r#type, Some(7));
        assert_eq!(attr(&g, "MaxPool", "kernel_shape").ints, [2, 2]);
        assert_eq!(attr(&g, "MaxPool", "strides").ints, [2, 2]);
        assert_eq!(attr(&g, "Flatten", "axis").i, Some(1));
        assert_eq!(attr(&g, "BatchNormalization", "epsilon").f, Some(1e-3));
        // Batch norm reads gamma, beta and the running statistics, per feature after
        // the flatten (4 maps of 4 x 4), and dropout adds nothing between it and Gemm.
        let bn = g
            .node
            .iter()
            .find(|n| n.op_type == "BatchNormalization")
            .unwrap();
        assert_eq!(
            bn.input,
            [
                "layer3_flat",
                "layer4_gamma",
                "layer4_beta",
                "layer4_running_mean",
                "layer4_running_var"
            ]
        );
        let gemm = g.node.iter().find(|n| n.op_type == "Gemm").unwrap();
        assert_eq!(gemm.input[0], bn.output[0]);
        let dims = |name: &str| {
            let t = g
                .initializer
                .iter()
                .find(|t| t.name.as_deref() == Some(name))
                .unwrap();
            (t.dims.clone(), t.float_data.clone())
        };
        assert_eq!(dims("layer1_weights").0, [4, 1, 3, 3]);
        assert_eq!(dims("layer1_biases").0, [4]);
        assert_eq!(dims("layer4_running_mean"), (vec![64], vec![0.25; 64]));
        assert_eq!(dims("layer4_running_var"), (vec![64], vec![1.5; 64]));
        assert_eq!(dims("layer4_gamma"), (vec![64], vec![1.0; 64]));
        assert_eq!(dims("layer6_weights").0, [10, 64]);
        assert_eq!(g.node.last().unwrap().output[0], OUTPUT);
    }

    #[test]
    fn batch_norm_per_channel_reads_the_conv_and_a_dense_layer_flattens_an_image() {
        let g = graph(
            Some((2, 4, 4)),
            vec![
                LayerSpec::Conv2d {
                    filters: 3,
                    kernel: (2, 3),
                    stride: 2,
                    pad: 0,
                    activation: Activation::Identity,
                },
                LayerSpec::BatchNorm {
                    momentum: 0.9,
                    eps: 1e-5,
                },
                LayerSpec::dense(2, Activation::Tanh),
            ],
            Loss::Mse,
        );
        assert_eq!(
            ops(&g),
            [
                "Reshape",
                "Conv",
                "BatchNormalization",
                "Flatten",
                "Gemm",
                "Tanh",
                "Identity"
            ]
        );
        assert_eq!(attr(&g, "Conv", "kernel_shape").ints, [2, 3]);
        assert_eq!(attr(&g, "Conv", "strides").ints, [2, 2]);
        assert_eq!(attr(&g, "Conv", "pads").ints, [0, 0, 0, 0]);
        let mean = g
            .initializer
            .iter()
            .find(|t| t.name.as_deref() == Some("layer2_running_mean"));
        assert_eq!(mean.unwrap().dims, [3], "one statistic per channel");
        let flat = &g.node[3];
        assert_eq!(
            (flat.name.as_str(), flat.input[0].as_str()),
            ("layer3_input", "layer2_z")
        );
    }

    #[test]
    fn a_conv_output_is_flattened_to_the_row_the_page_shows() {
        let g = graph(
            Some((1, 3, 3)),
            vec![LayerSpec::Conv2d {
                filters: 2,
                kernel: (2, 2),
                stride: 1,
                pad: 0,
                activation: Activation::Sigmoid,
            }],
            Loss::Mse,
        );
        assert_eq!(
            ops(&g),
            ["Reshape", "Conv", "Sigmoid", "Flatten", "Identity"]
        );
        assert_eq!(g.node[3].name, "output_row");
    }

    #[test]
    fn a_tied_layer_reads_the_dense_layers_weights_untransposed_with_its_own_biases() {
        let g = graph(
            None,
            vec![
                LayerSpec::dense(2, Activation::Identity),
                LayerSpec::Tied {
                    of: 0,
                    activation: Activation::Sigmoid,
                },
            ],
            Loss::Mse,
        );
        assert_eq!(ops(&g), ["Gemm", "Gemm", "Sigmoid", "Identity"]);
        let (encode, decode) = (&g.node[0], &g.node[1]);
        assert_eq!(encode.input[1], "layer1_weights");
        assert_eq!(
            decode.input,
            ["layer1_z", "layer1_weights", "layer2_biases"]
        );
        assert_eq!(attr(&g, "Gemm", "transB").i, Some(1));
        assert_eq!(decode.attribute[0].name, "transB");
        assert_eq!(decode.attribute[0].i, Some(0));
        // W is written once; the tied layer adds only its 4 biases.
        let names: Vec<_> = g
            .initializer
            .iter()
            .map(|t| (t.name.clone().unwrap(), t.dims.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("layer1_weights".to_string(), vec![2, 4]),
                ("layer1_biases".into(), vec![2]),
                ("layer2_biases".into(), vec![4]),
            ]
        );
    }

    #[test]
    fn batch_norm_on_the_raw_features_needs_no_reshape() {
        let g = graph(
            None,
            vec![
                LayerSpec::BatchNorm {
                    momentum: 0.5,
                    eps: 1e-5,
                },
                LayerSpec::dense(1, Activation::Identity),
            ],
            Loss::SigmoidCrossEntropy,
        );
        assert_eq!(
            ops(&g),
            ["BatchNormalization", "Gemm", "Sigmoid", "Identity"]
        );
        assert_eq!(g.node[0].input[0], INPUT);
    }
}
