//! A convnet trained a few steps on the digits exports its trained state to ONNX: the
//! running statistics batch norm gathered in training (away from 0 and 1) are the
//! graph's constants, beside the filters, in f32. (onnxruntime runs such graphs in
//! tests/onnx_layers.test.mjs.)

use backprop_lab::engine::activation::Activation;
use backprop_lab::engine::dataset::{digits, Target};
use backprop_lab::engine::init::Init;
use backprop_lab::engine::loss::{Loss, Reduction};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::network::{Architecture, LayerSpec, Network};
use backprop_lab::engine::onnx::{self, proto::ModelProto};
use backprop_lab::engine::optim::Optimizer;
use backprop_lab::engine::train::{Rows, TrainConfig, Trainer};
use prost::Message;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::PathBuf;

/// Digits `range` as f32 rows of 64 pixels, one-hot targets.
fn rows(range: std::ops::Range<usize>) -> Rows<f32> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../www/data/digits.bin");
    let d = digits::decode(&std::fs::read(path).unwrap()).unwrap();
    let d = d.select(&range.collect::<Vec<_>>());
    let Target::Classes { labels, .. } = &d.target else {
        unreachable!("the digits are labelled")
    };
    Rows {
        x: d.x.mapv(|v| v as f32),
        y: d.target.matrix(10).unwrap(),
        labels: Some(labels.clone()),
    }
}

#[test]
fn a_trained_convnets_running_statistics_are_the_graphs_batch_norm_constants() {
    let arch = Architecture {
        input_dim: 64,
        input_shape: Some((1, 8, 8)),
        layers: vec![
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
                eps: 1e-5,
            },
            LayerSpec::Dropout { p: 0.25 },
            LayerSpec::dense(10, Activation::Identity),
        ],
        loss: Loss::SoftmaxCrossEntropy,
        reduction: Reduction::Mean,
        l2: 0.0,
    };
    let mut net = Network::<f32>::zeros(&arch).unwrap();
    Init::HeNormal.apply(&mut net, 0.0, &mut StdRng::seed_from_u64(7));
    let config = TrainConfig {
        batch_size: 32,
        learning_rate: 0.05,
        lr_decay: 1.0,
        optimizer: Optimizer::Sgd,
        shuffle: true,
        seed: 3,
    };
    let mut t = Trainer::new(net, rows(0..320), rows(320..400), config).unwrap();
    for _ in 0..10 {
        t.step().unwrap();
    }
    let bn = t.net.layers[3].get();
    let (mean, var) = (bn.buffer(0).to_vec(), bn.buffer(1).to_vec());
    assert!(
        mean.iter().any(|m| *m > 0.5) && var.iter().any(|v| (v - 1.0).abs() > 0.5),
        "ten steps moved the running statistics: {mean:?} {var:?}"
    );
    let bytes = onnx::export(&Model::from_network(t.net.cast())).unwrap();
    let graph = ModelProto::decode(bytes.as_slice()).unwrap().graph.unwrap();
    let constant = |name: &str| {
        let t = graph
            .initializer
            .iter()
            .find(|t| t.name.as_deref() == Some(name));
        t.unwrap().float_data.clone()
    };
    assert_eq!(constant("layer4_running_mean"), mean);
    assert_eq!(constant("layer4_running_var"), var);
    assert_eq!(constant("layer1_weights"), t.net.layers[0].get().param(0));
    let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(
        ops,
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
}
