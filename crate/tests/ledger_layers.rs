//! The ledger over the layers beyond dense (issue 16): the two paths to a tied W
//! (each path against the UCLA closed form, their sum against the reference gradient),
//! and the whole ledger of a tied and a convolutional network, which once panicked.

mod common;

use backprop_lab::engine::activation::Activation;
use backprop_lab::engine::api;
use backprop_lab::engine::collapse::collapse;
use backprop_lab::engine::ledger::{self, Extras, Param};
use backprop_lab::engine::ledger_tied::tied_paths;
use backprop_lab::engine::loss::{Loss, Reduction};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::network::{Architecture, LayerSpec, Network};
use common::{close, layer_examples, GOLDEN_RTOL};
use ndarray::{Array1, Array2};
use serde_json::Value;

/// The model and its (x, y) rows of reference example `k`.
fn example(k: usize) -> (Value, Network<f64>, Array2<f64>, Array2<f64>) {
    let refs = layer_examples();
    let ex = refs["examples"][k].clone();
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let (data, lines) =
        backprop_lab::engine::dataset::csv::parse_with_lines(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    (ex, model.network, x, y)
}

fn weight(layer: usize, unit: usize, input: usize) -> Param {
    Param {
        layer,
        unit,
        input: Some(input),
    }
}

#[test]
fn the_two_paths_of_the_ucla_autoencoder_are_its_closed_forms_and_add_to_the_reference() {
    let (ex, net, x, y) = example(1);
    assert_eq!(ex["name"], "seed002-tied-autoencoder");
    let want = &ex["expect"]["gradients"][0]["weights"];
    // The closed forms, worked here from W and x alone: g = WᵀWx − x per row; the
    // encoder's part (through z = Wx) is W g xᵀ, the decoder's (through Wᵀ) W x gᵀ.
    let w = net.layers[0].weights().to_owned();
    let (mut encoder, mut decoder) = (Array2::<f64>::zeros((2, 4)), Array2::<f64>::zeros((2, 4)));
    for r in 0..x.nrows() {
        let xr: Array1<f64> = x.row(r).to_owned();
        let g = w.t().dot(&w.dot(&xr)) - &xr;
        let (wg, wx) = (w.dot(&g), w.dot(&xr));
        for i in 0..2 {
            for j in 0..4 {
                encoder[[i, j]] += wg[i] * xr[j];
                decoder[[i, j]] += wx[i] * g[j];
            }
        }
    }
    for i in 0..2 {
        for j in 0..4 {
            let t = tied_paths(&net, x.view(), y.view(), weight(0, i, j), 1e-6).unwrap();
            assert_eq!(t.rows, 3);
            assert_eq!(t.paths.len(), 2);
            assert_eq!((t.paths[0].kind, t.paths[0].layer), ("encoder", 0));
            assert_eq!((t.paths[1].kind, t.paths[1].layer), ("tied", 1));
            let (enc, dec) = (t.paths[0].value, t.paths[1].value);
            assert!(
                close(enc, encoder[[i, j]], 1e-12),
                "[{i}][{j}] encoder {enc} vs W g x^T {}",
                encoder[[i, j]]
            );
            assert!(
                close(dec, decoder[[i, j]], 1e-12),
                "[{i}][{j}] decoder {dec} vs W x g^T {}",
                decoder[[i, j]]
            );
            let reference = want[i][j].as_f64().unwrap();
            assert!(
                close(t.sum, reference, GOLDEN_RTOL),
                "[{i}][{j}] sum {} vs reference {reference}",
                t.sum
            );
            assert!(
                close(t.backprop, reference, GOLDEN_RTOL),
                "[{i}][{j}] backprop {}",
                t.backprop
            );
            // Each path alone is not the gradient: both are needed.
            assert!(
                (enc - reference).abs() > 1e-3 && (dec - reference).abs() > 1e-3,
                "[{i}][{j}]"
            );
            assert_eq!(t.penalty, 0.0);
            assert!(
                t.relative_difference < 1e-7,
                "[{i}][{j}] check {}",
                t.relative_difference
            );
        }
    }
}

/// digits-sized tied net with activations, biases and an L2 penalty: the general form.
fn nonlinear_tied() -> (Network<f64>, Array2<f64>, Array2<f64>) {
    let arch = Architecture {
        input_dim: 5,
        input_shape: None,
        layers: vec![
            LayerSpec::dense(3, Activation::Tanh),
            LayerSpec::Tied {
                of: 0,
                activation: Activation::Sigmoid,
            },
            LayerSpec::dense(2, Activation::Identity),
        ],
        loss: Loss::Mse,
        reduction: Reduction::Mean,
        l2: 0.03,
    };
    let mut net = Network::<f64>::zeros(&arch).unwrap();
    let values: Vec<f64> = (0..net.parameter_count())
        .map(|k| (k as f64 * 0.77).sin() * 0.8)
        .collect();
    net.set_parameters(&values).unwrap();
    let x = Array2::from_shape_fn((4, 5), |(r, c)| ((r * 5 + c) as f64 * 0.41).cos());
    let y = Array2::from_shape_fn((4, 2), |(r, c)| (r + c) as f64 * 0.25 - 0.3);
    (net, x, y)
}

#[test]
fn with_activations_biases_and_a_penalty_the_parts_still_add_to_backprop_and_the_check() {
    let (net, x, y) = nonlinear_tied();
    for (i, j) in [(0, 1), (1, 3), (2, 4)] {
        for rows in [1, 4] {
            let (xs, ys) = (
                x.slice(ndarray::s![..rows, ..]),
                y.slice(ndarray::s![..rows, ..]),
            );
            let t = tied_paths(&net, xs, ys, weight(0, i, j), 1e-6).unwrap();
            assert!(t.penalty != 0.0);
            assert!(
                close(t.sum, t.backprop, 1e-12),
                "{rows} rows [{i}][{j}]: {t:?}"
            );
            assert!(
                t.relative_difference < 1e-7,
                "{rows} rows [{i}][{j}]: {t:?}"
            );
            assert!(t.paths.iter().all(|p| p.value.abs() > 1e-6), "{t:?}");
        }
    }
}

#[test]
fn a_bias_or_an_untied_layer_has_one_path_and_says_so() {
    let (net, x, y) = nonlinear_tied();
    let bias = Param {
        layer: 0,
        unit: 0,
        input: None,
    };
    let e = tied_paths(&net, x.view(), y.view(), bias, 1e-6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("a bias has one path"), "{e}");
    let e = tied_paths(&net, x.view(), y.view(), weight(2, 0, 0), 1e-6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no tied layer uses layer 3"), "{e}");
    let e = tied_paths(&net, x.view(), y.view(), weight(0, 3, 0), 1e-6)
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
}

fn steps(ledger: &Value) -> &Vec<Value> {
    ledger["steps"].as_array().unwrap()
}

fn named<'a>(ledger: &'a Value, name: &str) -> &'a Value {
    &steps(ledger)
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))["values"]
}

#[test]
fn the_ledger_of_a_tied_network_lists_the_tied_path_that_dw_adds() {
    let (net, x, y) = nonlinear_tied();
    let (x, y) = (x.slice(ndarray::s![..1, ..]), y.slice(ndarray::s![..1, ..]));
    let led = ledger::ledger(&net, x, y, Extras::all(0.1)).unwrap();
    let tied = named(&led, "tied path of layer 2");
    let dw = named(&led, "dC/dW1");
    let delta: Vec<f64> = serde_json::from_value(named(&led, "delta1")["delta"].clone()).unwrap();
    let w = net.layers[0].weights();
    for i in 0..3 {
        for j in 0..5 {
            // BP4's own part delta1 x^T, the tied path and the penalty make dC/dW1.
            let own = delta[i] * x[[0, j]];
            let total = own + tied[i][j].as_f64().unwrap() + 0.03 * w[[i, j]];
            assert!(
                close(total, dw[i][j].as_f64().unwrap(), 1e-12),
                "[{i}][{j}]"
            );
            let t = tied_paths(&net, x, y, weight(0, i, j), 1e-6).unwrap();
            assert!(close(t.paths[1].value, tied[i][j].as_f64().unwrap(), 1e-12));
        }
    }
    // The bias trick and the update cover the dense layers only.
    assert_eq!(led["augmented"].as_array().unwrap().len(), 2);
    assert_eq!(led["update"]["layers"].as_array().unwrap().len(), 2);
    let eq = steps(&led).iter().find(|s| s["name"] == "z2").unwrap()["equation"]
        .as_str()
        .unwrap();
    assert_eq!(eq, "z2 = W1^T a1 + b2 (tied to layer 1)");
    // The chain rule dC/da da/dz dz/dw of a tied W follows one path, the encoder's (its
    // dC/da comes back through the tied layer, W1 delta2); backprop has both.
    let c = ledger::chain(&net, (x, y), (x, y), weight(0, 1, 2)).unwrap();
    let t = tied_paths(&net, x, y, weight(0, 1, 2), 1e-6).unwrap();
    assert!(
        close(c["product"].as_f64().unwrap(), t.paths[0].value, 1e-12),
        "{c}"
    );
    assert!(
        close(c["backprop"].as_f64().unwrap(), t.sum - t.penalty, 1e-12),
        "{c}"
    );
    // The tied path it leaves out, which backprop adds, comes with it.
    assert_eq!(c["tied"][0]["layer"], 2);
    assert!(
        close(
            c["tied"][0]["value"].as_f64().unwrap(),
            t.paths[1].value,
            1e-12
        ),
        "{c}"
    );
    let untied = ledger::chain(&net, (x, y), (x, y), weight(2, 0, 0)).unwrap();
    assert_eq!(untied["tied"], serde_json::json!([]));
}

#[test]
fn the_ledger_of_the_cmu_convolution_shows_y_ref_as_z1() {
    let (ex, net, x, y) = example(0);
    let led = ledger::ledger(
        &net,
        x.slice(ndarray::s![..1, ..]),
        y.slice(ndarray::s![..1, ..]),
        Extras::all(0.1),
    )
    .unwrap();
    let z1: Vec<f64> = serde_json::from_value(named(&led, "z1").clone()).unwrap();
    let want = ex["expect"]["outputs"][0].as_array().unwrap();
    assert_eq!(z1.len(), 12);
    for (k, w) in want.iter().enumerate() {
        assert!(close(z1[k], w.as_f64().unwrap(), GOLDEN_RTOL), "z1[{k}]");
    }
    assert!(named(&led, "dC/dW1").as_array().unwrap().len() == 3 * 3 * 4 * 4);
    assert_eq!(named(&led, "dC/db1").as_array().unwrap().len(), 3);
    // A convolution's 4-D weights are no (unit, input) matrix, and its bias is a
    // filter's, not a unit's: the chain rule says so instead of reading past them.
    let (xy, bias) = (
        (x.view(), y.view()),
        Param {
            layer: 0,
            unit: 2,
            input: None,
        },
    );
    let e = ledger::chain(&net, xy, xy, weight(0, 0, 0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
    let e = ledger::chain(&net, xy, xy, bias).unwrap_err().to_string();
    assert!(e.contains("dense layers"), "{e}");
}

#[test]
fn linear_conv_and_tied_networks_are_not_collapsed_as_dense_stacks() {
    // Both are all-identity; the ledger asks for their collapse and must get a message.
    for k in [0, 1] {
        let (ex, net, _, _) = example(k);
        let e = collapse(&net).unwrap_err().to_string();
        assert!(
            e.contains("only a stack of dense layers"),
            "{}: {e}",
            ex["name"]
        );
    }
}

#[test]
fn the_batch_paths_are_the_mean_of_the_per_example_paths() {
    // Mean reduction over 4 rows: each path of the batch is the mean of that path on
    // each example alone (the penalty is charged once, not per row).
    let (net, x, y) = nonlinear_tied();
    let p = weight(0, 1, 3);
    let batch = tied_paths(&net, x.view(), y.view(), p, 1e-6).unwrap();
    let one = |r: usize| {
        let rows = ndarray::s![r..r + 1, ..];
        tied_paths(&net, x.slice(rows), y.slice(rows), p, 1e-6).unwrap()
    };
    let singles: Vec<_> = (0..4).map(one).collect();
    for k in 0..2 {
        let mean = singles.iter().map(|t| t.paths[k].value).sum::<f64>() / 4.0;
        assert!(
            close(batch.paths[k].value, mean, 1e-12),
            "path {k}: {} vs {mean}",
            batch.paths[k].value
        );
    }
    assert!(singles.iter().all(|t| t.penalty == batch.penalty));
    assert!(
        !close(singles[0].paths[0].value, batch.paths[0].value, 1e-3),
        "the rows differ"
    );
}
