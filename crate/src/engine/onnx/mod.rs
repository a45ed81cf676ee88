//! The trained network as an ONNX model (opset 13), for onnxruntime and the ONNX tools.
//!
//! The graph takes the raw feature columns, float32 (rows, features), exactly as the CSV
//! has them and `Lab.dataPtr()` holds them, and does everything the page does to them:
//! the derived features (x1², x1·x2, sin x1, ...), the standardisation with the training
//! rows' statistics, every layer with its activation as ONNX operators, and last what
//! `Lab.predictionsPtr()` shows (Softmax or Sigmoid for the cross-entropy losses, the
//! raw output otherwise). So nobody re-implements the input transform.
//!
//! An image model takes the same flat row, [rows, C·H·W] (the pixels channel-major, as
//! the CSV and `Lab.dataPtr()` hold them); the graph reshapes it to [rows, C, H, W]
//! before the first layer that reads an image, after the input transform, and flattens
//! an image back where a row is read (see `layers.rs`).
//!
//! The messages are `proto.rs`, prost's derived encoding of `onnx.proto`'s fields.
//! Layers are written in `layers.rs`, one arm per kind (see there for how a new kind
//! joins).

mod layers;
pub mod proto;

use super::activation::Activation;
use super::dataset::features::{Derived, InputTransform};
use super::error::Result;
use super::loss::Loss;
use super::model_json::Model;
use super::ops::Shape;
use prost::Message;
use proto::{
    data_type, AttributeProto, AttributeType, Dimension, DimensionValue, GraphProto, ModelProto,
    NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto, TensorShapeProto,
    TensorTypeProto, TypeProto, ValueInfoProto,
};

/// The opset the graph is written in: Softmax over one axis and Gemm's optional C are
/// opset 13's.
pub const OPSET: i64 = 13;
/// The IR version that goes with opset 13.
const IR_VERSION: i64 = 7;
/// The graph's input: raw features, float32 (rows, features).
pub const INPUT: &str = "features";
/// The graph's output: the page's predictions, float32 (rows, outputs).
pub const OUTPUT: &str = "predictions";

/// The model as ONNX protobuf bytes.
pub fn export(model: &Model) -> Result<Vec<u8>> {
    let net = &model.network;
    let raw = model.transform.raw_dim(net.input_dim);
    let mut g = Graph::default();
    let mut x = transform(&mut g, &model.transform, raw, INPUT.to_string());
    let mut shape = Shape::Features(net.input_dim);
    for (l, op) in net.layers.iter().enumerate() {
        let name = format!("layer{}", l + 1);
        x = layers::conform(&mut g, &format!("{name}_input"), x, shape, op.input_shape());
        x = layers::layer(&mut g, l + 1, op.get(), x)?;
        if let Some(f) = op.activation() {
            x = activation(&mut g, &name, f, x);
        }
        shape = op.output_shape();
    }
    x = layers::conform(
        &mut g,
        "output_row",
        x,
        shape,
        Shape::Features(net.output_dim()),
    );
    x = match net.loss {
        Loss::SoftmaxCrossEntropy => {
            g.node("Softmax", "probabilities", &[&x], vec![int("axis", 1)])
        }
        Loss::SigmoidCrossEntropy => g.node("Sigmoid", "probabilities", &[&x], vec![]),
        Loss::Mse | Loss::Sse => x,
    };
    g.nodes.push(NodeProto {
        input: vec![x],
        output: vec![OUTPUT.into()],
        name: OUTPUT.into(),
        op_type: "Identity".into(),
        ..Default::default()
    });
    let graph = GraphProto {
        node: g.nodes,
        name: "backprop_lab".into(),
        initializer: g.constants,
        doc_string: "A network trained in Backprop Lab, with its input transform".into(),
        input: vec![value_info(INPUT, raw, "raw feature columns, as in the CSV")],
        output: vec![value_info(
            OUTPUT,
            net.output_dim(),
            "what the page shows: class probabilities, or the outputs for regression",
        )],
    };
    let mut metadata = Vec::new();
    if let Some(names) = &model.feature_names {
        metadata.push(entry("feature_names", names));
    }
    if let Some(names) = &model.class_names {
        metadata.push(entry("class_names", names));
    }
    let file = ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "Backprop Lab".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: format!("loss {}", net.loss.name()),
        graph: Some(graph),
        metadata_props: metadata,
    };
    Ok(file.encode_to_vec())
}

/// Nodes and constants in the order they are added, with names made unique by a
/// prefix per part of the network.
#[derive(Default)]
pub(crate) struct Graph {
    nodes: Vec<NodeProto>,
    constants: Vec<TensorProto>,
}

impl Graph {
    /// Adds a node named `name` writing one value of the same name, and returns it.
    pub(crate) fn node(
        &mut self,
        op_type: &str,
        name: &str,
        inputs: &[&str],
        attribute: Vec<AttributeProto>,
    ) -> String {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![name.to_string()],
            name: name.to_string(),
            op_type: op_type.into(),
            attribute,
        });
        name.to_string()
    }

    /// Adds a float32 constant of this shape (row-major values, converted from f64) and
    /// returns its name.
    pub(crate) fn floats(&mut self, name: &str, dims: &[usize], values: &[f64]) -> String {
        self.constants.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(data_type::FLOAT),
            float_data: values.iter().map(|&v| v as f32).collect(),
            name: Some(name.into()),
            ..Default::default()
        });
        name.to_string()
    }

    /// Adds an int64 vector constant (a column index, a shape) and returns its name.
    pub(crate) fn int64s(&mut self, name: &str, values: &[i64]) -> String {
        self.constants.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: Some(data_type::INT64),
            int64_data: values.to_vec(),
            name: Some(name.into()),
            ..Default::default()
        });
        name.to_string()
    }
}

/// An integer attribute.
pub(crate) fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: Some(i),
        r#type: Some(AttributeType::Int as i32),
        ..Default::default()
    }
}

/// An attribute of integers (a kernel shape, strides, pads).
pub(crate) fn ints(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: values.iter().map(|&v| v as i64).collect(),
        r#type: Some(AttributeType::Ints as i32),
        ..Default::default()
    }
}

/// A float attribute.
pub(crate) fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f: Some(f),
        r#type: Some(AttributeType::Float as i32),
        ..Default::default()
    }
}

fn value_info(name: &str, width: usize, doc: &str) -> ValueInfoProto {
    let dim = |v| Dimension { value: Some(v) };
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: Some(data_type::FLOAT),
                shape: Some(TensorShapeProto {
                    dim: vec![
                        dim(DimensionValue::DimParam("rows".into())),
                        dim(DimensionValue::DimValue(width as i64)),
                    ],
                }),
            }),
        }),
        doc_string: doc.into(),
    }
}

fn entry(key: &str, names: &[String]) -> StringStringEntryProto {
    StringStringEntryProto {
        key: key.into(),
        value: serde_json::to_string(names).unwrap_or_default(),
    }
}

/// The derived features appended after the raw columns, then the standardisation:
/// `InputTransform::apply` as operators.
fn transform(g: &mut Graph, t: &InputTransform, raw: usize, mut x: String) -> String {
    if !t.derived.is_empty() || !t.dropped.is_empty() {
        let first = g.int64s("x1_column", &[0]);
        let second = g.int64s("x2_column", &[1]);
        let x1 = g.node("Gather", "x1", &[&x, &first], vec![int("axis", 1)]);
        let x2 = g.node("Gather", "x2", &[&x, &second], vec![int("axis", 1)]);
        let kept: Vec<i64> = (0..raw)
            .filter(|c| !t.dropped.contains(c))
            .map(|c| c as i64)
            .collect();
        let mut columns = Vec::new();
        if t.dropped.is_empty() {
            columns.push(x.clone());
        } else if !kept.is_empty() {
            let fed = g.int64s("fed_columns", &kept);
            columns.push(g.node("Gather", "fed", &[&x, &fed], vec![int("axis", 1)]));
        }
        for d in &t.derived {
            let name = format!("derived_{}", d.name());
            columns.push(match d {
                Derived::X1Squared => g.node("Mul", &name, &[&x1, &x1], vec![]),
                Derived::X2Squared => g.node("Mul", &name, &[&x2, &x2], vec![]),
                Derived::X1X2 => g.node("Mul", &name, &[&x1, &x2], vec![]),
                Derived::SinX1 => g.node("Sin", &name, &[&x1], vec![]),
                Derived::SinX2 => g.node("Sin", &name, &[&x2], vec![]),
            });
        }
        let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
        x = g.node("Concat", "with_derived", &refs, vec![int("axis", 1)]);
    }
    if let Some(s) = &t.standardizer {
        let mean = g.floats("feature_mean", &[s.mean.len()], &s.mean);
        let std = g.floats("feature_std", &[s.std.len()], &s.std);
        let centred = g.node("Sub", "centred", &[&x, &mean], vec![]);
        x = g.node("Div", "standardised", &[&centred, &std], vec![]);
    }
    x
}

/// a = f(z) as ONNX operators; identity adds nothing.
fn activation(g: &mut Graph, prefix: &str, f: Activation, z: String) -> String {
    let name = format!("{prefix}_{}", f.name());
    match f {
        Activation::Identity => z,
        Activation::Sigmoid => g.node("Sigmoid", &name, &[&z], vec![]),
        Activation::Tanh => g.node("Tanh", &name, &[&z], vec![]),
        Activation::Relu => g.node("Relu", &name, &[&z], vec![]),
        Activation::LeakyRelu => g.node(
            "LeakyRelu",
            &name,
            &[&z],
            vec![float("alpha", super::activation::LEAKY_SLOPE as f32)],
        ),
        Activation::Swish => {
            let s = g.node("Sigmoid", &format!("{name}_gate"), &[&z], vec![]);
            g.node("Mul", &name, &[&z, &s], vec![])
        }
        Activation::Sin => g.node("Sin", &name, &[&z], vec![]),
        Activation::Cos => g.node("Cos", &name, &[&z], vec![]),
        Activation::Exp => g.node("Exp", &name, &[&z], vec![]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::features::Standardizer;
    use crate::engine::loss::Reduction;
    use crate::engine::network::{Architecture, LayerSpec, Network};

    fn model(loss: Loss) -> Model {
        let arch = Architecture {
            input_dim: 4,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(3, Activation::Swish), (2, Activation::Identity)]),
            loss,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut m = Model::from_network(Network::zeros(&arch).unwrap());
        m.transform = InputTransform {
            derived: vec![Derived::X1Squared, Derived::SinX2],
            standardizer: Some(Standardizer {
                mean: vec![0.5, -1.0, 2.0, 0.25],
                std: vec![1.0, 2.0, 3.0, 4.0],
            }),
            ..Default::default()
        };
        m.class_names = Some(vec!["no".into(), "yes".into()]);
        m
    }

    #[test]
    fn the_graph_holds_the_transform_the_layers_and_the_prediction() {
        let bytes = export(&model(Loss::SoftmaxCrossEntropy)).unwrap();
        let file = ModelProto::decode(bytes.as_slice()).unwrap();
        assert_eq!((file.ir_version, file.opset_import[0].version), (7, 13));
        let graph = file.graph.unwrap();
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops,
            [
                "Gather", "Gather", "Mul", "Sin", "Concat", "Sub", "Div", "Gemm", "Sigmoid", "Mul",
                "Gemm", "Softmax", "Identity"
            ]
        );
        let shapes: Vec<(&str, &[i64])> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_deref().unwrap(), t.dims.as_slice()))
            .collect();
        assert_eq!(
            shapes,
            [
                ("x1_column", &[1][..]),
                ("x2_column", &[1]),
                ("feature_mean", &[4]),
                ("feature_std", &[4]),
                ("layer1_weights", &[3, 4]),
                ("layer1_biases", &[3]),
                ("layer2_weights", &[2, 3]),
                ("layer2_biases", &[2]),
            ]
        );
        let std = &graph.initializer[3].float_data;
        assert_eq!(std, &[1.0, 2.0, 3.0, 4.0]);
        // The input is the raw width (2), before the derived columns.
        let width = |v: &ValueInfoProto| {
            let dims = &v.r#type.as_ref().unwrap().tensor_type.as_ref().unwrap();
            dims.shape.as_ref().unwrap().dim[1].value.clone()
        };
        assert_eq!(width(&graph.input[0]), Some(DimensionValue::DimValue(2)));
        assert_eq!(width(&graph.output[0]), Some(DimensionValue::DimValue(2)));
        assert_eq!(file.metadata_props[0].value, r#"["no","yes"]"#);
    }

    #[test]
    fn regression_ends_with_the_raw_output() {
        let bytes = export(&model(Loss::Mse)).unwrap();
        let graph = ModelProto::decode(bytes.as_slice()).unwrap().graph.unwrap();
        let last: Vec<&str> = graph
            .node
            .iter()
            .rev()
            .take(2)
            .map(|n| n.op_type.as_str())
            .collect();
        assert_eq!(last, ["Identity", "Gemm"]);
    }
}
