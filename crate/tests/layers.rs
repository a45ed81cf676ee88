//! The layers beyond dense (issue 16): the reference examples through `evaluate`, the
//! f64 gradient check of every kind, per-example against batch backprop where rows are
//! independent, and the model file's round trip for every kind.

mod common;

use backprop_lab::engine::activation::Activation;
use backprop_lab::engine::api;
use backprop_lab::engine::gradcheck;
use backprop_lab::engine::init::standard_normal;
use backprop_lab::engine::loss::{Loss, Reduction};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::network::{Architecture, LayerSpec, Network};
use backprop_lab::engine::ops::Mode;
use common::{first_difference, layer_examples, GOLDEN_RTOL};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;
use std::path::PathBuf;

/// `want` without its null leaves (values the reference leaves to the gradient check).
fn known(want: &Value) -> Value {
    match want {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), known(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(known).collect()),
        v => v.clone(),
    }
}

#[test]
fn both_layer_examples_match_through_evaluate() {
    let refs = layer_examples();
    let examples = refs["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 2);
    for ex in examples {
        let name = ex["name"].as_str().unwrap();
        let out = api::evaluate(&ex["model"].to_string(), ex["csv"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            got["gradients"].as_array().unwrap().len(),
            ex["model"]["layers"].as_array().unwrap().len(),
            "{name}: one gradients entry per layer"
        );
        for key in ["loss", "outputs", "gradients"] {
            let want = known(&ex["expect"][key]);
            if let Some(d) = first_difference(&got[key], &want, GOLDEN_RTOL, key) {
                panic!("{name}: {d}");
            }
        }
        let check =
            api::gradient_check(&ex["model"].to_string(), ex["csv"].as_str().unwrap(), None)
                .unwrap();
        let check: Value = serde_json::from_str(&check).unwrap();
        assert!(
            check["max_relative_error"].as_f64().unwrap() < 1e-7,
            "{name}: {check}"
        );
    }
}

#[test]
fn the_tied_gradient_is_both_paths_and_the_tied_layer_reports_its_biases_only() {
    let refs = layer_examples();
    let ex = &refs["examples"][1];
    let got: Value = serde_json::from_str(
        &api::evaluate(&ex["model"].to_string(), ex["csv"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let tied = got["gradients"][1].as_object().unwrap();
    assert_eq!(tied.keys().collect::<Vec<_>>(), ["biases"]);
    // One path alone (the encoder's) is not the reference: the sum is.
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let mut untied = model.network.clone();
    let w = untied.layers[0].weights().to_owned();
    let mut arch = untied.architecture();
    arch.layers[1] = LayerSpec::dense(4, Activation::Identity);
    untied = Network::zeros(&arch).unwrap();
    untied.layers[0].weights_mut().assign(&w);
    untied.layers[1].weights_mut().assign(&w.t());
    let (data, lines) =
        backprop_lab::engine::dataset::csv::parse_with_lines(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    let (_, _, g) = untied.cost_and_gradients(x.view(), y.view()).unwrap();
    let both = &got["gradients"][0]["weights"];
    for r in 0..2 {
        for c in 0..4 {
            let sum = g.dw(0)[[r, c]] + g.dw(1)[[c, r]];
            let want = both[r][c].as_f64().unwrap();
            assert!((sum - want).abs() < 1e-12, "[{r}][{c}] {sum} vs {want}");
            assert!(
                (g.dw(0)[[r, c]] - want).abs() > 1e-6,
                "one path alone differs"
            );
        }
    }
}

/// A network of `specs` over `input_shape` with N(0, 1)/sqrt(fan-in) weights, biases,
/// gammas and betas away from their defaults, and running statistics away from 0 and 1.
fn network(
    input_shape: Option<(usize, usize, usize)>,
    input_dim: usize,
    specs: Vec<LayerSpec>,
    loss: Loss,
    seed: u64,
) -> Network<f64> {
    let arch = Architecture {
        input_dim,
        input_shape,
        layers: specs,
        loss,
        reduction: Reduction::Mean,
        l2: 0.01,
    };
    let mut net = Network::<f64>::zeros(&arch).unwrap();
    let rng = &mut StdRng::seed_from_u64(seed);
    for op in &mut net.layers {
        for p in 0..op.params().len() {
            let (fan_in, _) = op.fans(p);
            let scale = 1.0 / (fan_in.max(1) as f64).sqrt();
            let base = if op.params()[p].name == "gamma" {
                1.0
            } else {
                0.0
            };
            for v in op.param_mut(p) {
                *v = base + scale * standard_normal(rng);
            }
        }
        for b in 0..op.buffers().len() {
            for v in op.buffer_mut(b) {
                *v = if b == 0 {
                    0.3 * standard_normal(rng)
                } else {
                    0.5 + standard_normal(rng).abs()
                };
            }
        }
    }
    net
}

fn data(net: &Network<f64>, rows: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let rng = &mut StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((rows, net.input_dim), |_| standard_normal(rng));
    let y = common::random_targets(net.loss, rows, net.output_dim(), rng);
    (x, y)
}

fn relu() -> Activation {
    Activation::LeakyRelu
}

/// Every kind, in the stacks they are used in.
fn cases() -> Vec<(&'static str, Network<f64>)> {
    let conv = |filters, kernel, stride, pad, activation| LayerSpec::Conv2d {
        filters,
        kernel,
        stride,
        pad,
        activation,
    };
    vec![
        (
            "conv2d, maxpool2d, flatten, dense",
            network(
                Some((2, 6, 5)),
                60,
                vec![
                    conv(3, (3, 3), 1, 1, Activation::Tanh),
                    LayerSpec::MaxPool2d { size: 2, stride: 2 },
                    LayerSpec::Flatten,
                    LayerSpec::dense(4, Activation::Identity),
                ],
                Loss::SoftmaxCrossEntropy,
                1,
            ),
        ),
        (
            "strided conv with a rectangular kernel, batch norm per channel",
            network(
                Some((1, 7, 6)),
                42,
                vec![
                    conv(2, (3, 2), 2, 1, Activation::Identity),
                    LayerSpec::BatchNorm {
                        momentum: 0.9,
                        eps: 1e-5,
                    },
                    LayerSpec::Flatten,
                    LayerSpec::dense(1, Activation::Identity),
                ],
                Loss::Mse,
                2,
            ),
        ),
        (
            "dense, batch norm per feature, dropout, dense",
            network(
                None,
                3,
                vec![
                    LayerSpec::dense(5, Activation::Tanh),
                    LayerSpec::BatchNorm {
                        momentum: 0.8,
                        eps: 1e-3,
                    },
                    LayerSpec::Dropout { p: 0.3 },
                    LayerSpec::dense(2, Activation::Identity),
                ],
                Loss::SoftmaxCrossEntropy,
                3,
            ),
        ),
        (
            "a tied autoencoder with a non-linear code",
            network(
                None,
                5,
                vec![
                    LayerSpec::dense(3, Activation::Tanh),
                    LayerSpec::dense(2, relu()),
                    LayerSpec::Tied {
                        of: 1,
                        activation: Activation::Tanh,
                    },
                    LayerSpec::Tied {
                        of: 0,
                        activation: Activation::Identity,
                    },
                ],
                Loss::Mse,
                4,
            ),
        ),
        (
            "two layers tied to one",
            network(
                None,
                5,
                vec![
                    LayerSpec::dense(3, Activation::Tanh),
                    LayerSpec::Tied {
                        of: 0,
                        activation: Activation::Tanh,
                    },
                    LayerSpec::dense(3, Activation::Sigmoid),
                    LayerSpec::Tied {
                        of: 0,
                        activation: Activation::Identity,
                    },
                ],
                Loss::Mse,
                5,
            ),
        ),
    ]
}

/// The worst relative error of the gradient check (step 1e-5: at 1e-6 the rounding of
/// the costs shows in the smallest gradients of batch norm's training mode), ignoring
/// entries both of whose values are below 1e-7.
fn worst(net: &Network<f64>, mode: Mode, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let checks = gradcheck::check_in(net, mode, 7, x.view(), y.view(), 1e-5).unwrap();
    checks
        .iter()
        .flat_map(|c| c.analytic.iter().zip(&c.numeric))
        .filter(|(a, n)| a.abs().max(n.abs()) > 1e-7)
        .map(|(&a, &n)| gradcheck::relative_error(a, n))
        .fold(0.0, f64::max)
}

#[test]
fn every_kind_passes_the_gradient_check_in_both_modes() {
    for (name, net) in cases() {
        let (x, y) = data(&net, 6, 9);
        for mode in [Mode::Eval, Mode::Train] {
            let e = worst(&net, mode, &x, &y);
            assert!(e < 1e-7, "{name} in {mode:?}: relative error {e}");
        }
    }
}

#[test]
fn per_example_backprop_equals_batch_backprop_where_rows_are_independent() {
    // In evaluation mode every kind treats rows independently (batch norm by its
    // running statistics, dropout off); in training, batch norm couples them.
    for (name, net) in cases() {
        let (x, y) = data(&net, 5, 10);
        let (_, _, batch) = net.cost_and_gradients(x.view(), y.view()).unwrap();
        let looped = net.gradients_per_example(x.view(), y.view()).unwrap();
        for (l, (b, p)) in batch.params.iter().zip(&looped.params).enumerate() {
            for (bt, pt) in b.iter().zip(p) {
                for (u, v) in bt.values.iter().zip(&pt.values) {
                    assert!((u - v).abs() < 1e-12, "{name} layer {l}: {u} vs {v}");
                }
            }
        }
    }
    let (_, bn) = &cases()[2];
    let (x, y) = data(bn, 5, 11);
    let (_, _, batch) = bn
        .cost_and_gradients_in(Mode::Train, 0, x.view(), y.view())
        .unwrap();
    let mut single = bn.clone();
    single.layers.remove(2);
    let (_, _, row) = single
        .cost_and_gradients_in(
            Mode::Train,
            0,
            x.slice(ndarray::s![..1, ..]),
            y.slice(ndarray::s![..1, ..]),
        )
        .unwrap();
    assert!(
        (batch.params[0][0].values[0] - row.params[0][0].values[0]).abs() > 1e-6,
        "batch norm in training couples the rows"
    );
}

#[test]
fn export_then_import_is_exact_for_every_kind() {
    for (name, net) in cases() {
        let model = Model::from_network(net);
        let text = model.to_json();
        let back = Model::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.network, model.network, "{name}");
        assert_eq!(back.to_json(), text, "{name}");
    }
}

#[test]
fn import_names_the_first_bad_field_of_each_kind() {
    let (_, conv) = &cases()[0];
    let good: Value = serde_json::from_str(&Model::from_network(conv.clone()).to_json()).unwrap();
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        Model::from_json(&v.to_string()).unwrap_err().to_string()
    };
    assert_eq!(
        bad(&|v| v["layers"][0]["kernel"] = serde_json::json!([3])),
        "model: layer 1: kernel must be [height, width] of whole numbers from 1, got [3]"
    );
    assert_eq!(
        bad(&|v| v["layers"][0]["weights"][2][1] = serde_json::json!([])),
        "model: layer 1: weights[2][1] has 0 entries but the layer needs 3"
    );
    assert_eq!(
        bad(&|v| v["layers"][0]["weights"][0][0][0][0] = serde_json::json!("x")),
        "model: layer 1: weights[0][0][0][0] is \"x\", not a finite number"
    );
    assert_eq!(
        bad(&|v| v["layers"][1]["kind"] = serde_json::json!("avgpool")),
        "model: layer 2: kind \"avgpool\" is not one of dense, conv2d, maxpool2d, flatten, dropout, batchnorm, tied"
    );
    assert_eq!(
        bad(&|v| {
            v.as_object_mut().unwrap().remove("input_shape");
        }),
        "model: layer 1: conv2d needs an image input (channels x height x width), but it gets a row of 60 features"
    );
    assert_eq!(
        bad(&|v| v["input_shape"] = serde_json::json!([2, 6, 6])),
        "model: input_shape 2x6x6 does not hold input_dim 60 values"
    );
    let (_, bn) = &cases()[2];
    let good: Value = serde_json::from_str(&Model::from_network(bn.clone()).to_json()).unwrap();
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        Model::from_json(&v.to_string()).unwrap_err().to_string()
    };
    assert_eq!(
        bad(&|v| v["layers"][1]["running_var"] = serde_json::json!([1, 1])),
        "model: layer 2: running_var has 2 entries but the layer needs 5"
    );
    assert_eq!(
        bad(&|v| v["layers"][1]["eps"] = serde_json::json!(0)),
        "model: layer 2: eps must be a number > 0, got 0"
    );
    assert_eq!(
        bad(&|v| v["layers"][2]["p"] = serde_json::json!(1)),
        "model: layer 3: p must be a probability from 0 up to (not including) 1, got 1"
    );
    let (_, tied) = &cases()[3];
    let good: Value = serde_json::from_str(&Model::from_network(tied.clone()).to_json()).unwrap();
    let mut v = good.clone();
    v["layers"][2]["of"] = serde_json::json!(0);
    assert_eq!(
        Model::from_json(&v.to_string()).unwrap_err().to_string(),
        "model: layer 3: a layer tied to layer 0 takes its 3 outputs, but it gets 2"
    );
}

/// The 8x8 digits as f32 rows of 1 x 8 x 8 pixels scaled to [0, 1], one-hot targets.
fn digits(range: std::ops::Range<usize>) -> backprop_lab::engine::train::Rows<f32> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../www/data/digits.bin");
    let d = backprop_lab::engine::dataset::digits::decode(&std::fs::read(path).unwrap()).unwrap();
    let idx: Vec<usize> = range.collect();
    let d = d.select(&idx);
    let labels: Vec<usize> = match &d.target {
        backprop_lab::engine::dataset::Target::Classes { labels, .. } => labels.clone(),
        _ => unreachable!("the digits are labelled"),
    };
    backprop_lab::engine::train::Rows {
        x: d.x.mapv(|v| v as f32 / 16.0),
        y: d.target.matrix(10).unwrap(),
        labels: Some(labels),
    }
}

#[test]
fn a_small_convnet_with_batch_norm_and_dropout_trains_on_the_digits_in_f32() {
    use backprop_lab::engine::init::Init;
    use backprop_lab::engine::optim::Optimizer;
    use backprop_lab::engine::train::{TrainConfig, Trainer};
    let arch = Architecture {
        input_dim: 64,
        input_shape: Some((1, 8, 8)),
        layers: vec![
            LayerSpec::Conv2d {
                filters: 8,
                kernel: (3, 3),
                stride: 1,
                pad: 1,
                activation: Activation::Relu,
            },
            LayerSpec::BatchNorm {
                momentum: 0.9,
                eps: 1e-5,
            },
            LayerSpec::MaxPool2d { size: 2, stride: 2 },
            LayerSpec::Flatten,
            LayerSpec::Dropout { p: 0.2 },
            LayerSpec::dense(10, Activation::Identity),
        ],
        loss: Loss::SoftmaxCrossEntropy,
        reduction: Reduction::Mean,
        l2: 0.0,
    };
    let mut net = Network::<f32>::zeros(&arch).unwrap();
    Init::HeNormal.apply(&mut net, 0.0, &mut StdRng::seed_from_u64(5));
    let config = TrainConfig {
        batch_size: 32,
        learning_rate: 0.1,
        lr_decay: 1.0,
        optimizer: Optimizer::Sgd,
        shuffle: true,
        seed: 3,
    };
    let mut t = Trainer::new(net, digits(0..1400), digits(1400..1797), config).unwrap();
    for _ in 0..12 {
        t.run_epoch().unwrap();
    }
    let acc = t.last_validation().unwrap().accuracy.unwrap();
    assert!(acc > 0.9, "validation accuracy {acc}");
    assert_eq!(
        t.net.shapes_text(),
        "1×8×8 → 8×8×8 → 8×8×8 → 8×4×4 → 128 → 128 → 10"
    );
    let bn = t.net.layers[1].get();
    assert_eq!(bn.buffers(), ["running_mean", "running_var"]);
    assert!(
        bn.buffer(0).iter().all(|m| *m != 0.0) && bn.buffer(1).iter().all(|v| *v != 1.0),
        "the running statistics followed the batches"
    );
}
