//! The inspection views' numbers: the ledger against the cs231n notebook, its update
//! against w - lr dC/dw and the optimiser, its bias trick against z, the chain rule
//! against backprop, nudge slopes against central differences.

mod common;

use backprop_lab::engine::api;
use backprop_lab::engine::dataset::csv;
use backprop_lab::engine::ledger::{chain, ledger, Extras, Param};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::nudge::sweep;
use backprop_lab::engine::optim::{OptimState, Optimizer, UpdateReport};
use common::seed_examples;
use serde_json::Value;

fn example(index: usize, name: &str) -> (Model, ndarray::Array2<f64>, ndarray::Array2<f64>) {
    let ex = &seed_examples()["examples"][index];
    assert_eq!(ex["name"], name);
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let (data, lines) = csv::parse_with_lines(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    (model, x, y)
}

fn cs231n() -> (Model, ndarray::Array2<f64>, ndarray::Array2<f64>) {
    example(0, "cs231n-worked-example")
}

/// A 3-2-3-2 network with non-zero biases everywhere, an L2 penalty and least squares,
/// on one example: the bias trick and the L2 term both matter here.
fn biased() -> (Model, ndarray::Array2<f64>, ndarray::Array2<f64>) {
    let model = Model::from_json(
        r#"{"format": "backprop-lab.model", "version": 1, "input_dim": 3, "layers": [
        {"units": 2, "activation": "tanh", "weights": [[0.5, -0.3, 0.8], [-0.2, 0.4, 0.1]], "biases": [0.1, -0.7]},
        {"units": 3, "activation": "sigmoid", "weights": [[0.3, -0.6], [0.7, 0.2], [-0.4, 0.5]], "biases": [0.25, -0.1, 0.6]},
        {"units": 2, "activation": "identity", "weights": [[1.1, -0.4, 0.3], [0.2, 0.9, -1.3]], "biases": [-0.5, 0.35]}],
        "loss": "mse", "reduction": "mean", "l2": 0.05}"#,
    )
    .unwrap();
    let (data, lines) = csv::parse_with_lines("x0,x1,x2,y0,y1\n2.0,-1.0,0.5,0.3,-0.8\n").unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    (model, x, y)
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn list(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The ledger's step named `name`.
fn named<'a>(l: &'a Value, name: &str) -> &'a Value {
    l["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

#[test]
fn the_ledgers_update_is_w_minus_lr_times_its_gradient() {
    for (name, (model, x, y), lr) in [
        ("cs231n", cs231n(), 0.1),
        ("udl toy", example(1, "udl-toy-chain"), 0.01),
        ("biased", biased(), 0.7),
    ] {
        let net = &model.network;
        let l = ledger(net, x.view(), y.view(), Extras::all(lr)).unwrap();
        assert_eq!(l["update"]["learning_rate"], lr);
        let layers = l["update"]["layers"].as_array().unwrap();
        assert_eq!(layers.len(), net.layers.len());
        // The step the engine's optimiser takes with the same gradients.
        let (_, _, grads) = net.cost_and_gradients(x.view(), y.view()).unwrap();
        let mut stepped = net.clone();
        OptimState::new(Optimizer::Sgd, net).step(
            &mut stepped,
            &grads,
            lr,
            &mut UpdateReport::default(),
        );
        let mut moved = 0;
        for (k, u) in layers.iter().enumerate() {
            let n = k + 1;
            assert_eq!(u["layer"], n);
            let (w, b) = (&net.layers[k].weights(), &net.layers[k].biases());
            // The gradients it uses are the ones the ledger lists (BP3, BP4).
            let dw = matrix(&named(&l, &format!("dC/dW{n}"))["values"]);
            let db = list(&named(&l, &format!("dC/db{n}"))["values"]);
            assert_eq!(matrix(&u["dw"]), dw, "{name} layer {n}");
            assert_eq!(list(&u["db"]), db, "{name} layer {n}");
            let (w_after, b_after) = (matrix(&u["w_after"]), list(&u["b_after"]));
            assert_eq!(matrix(&u["w"]).len(), w.nrows());
            for j in 0..w.nrows() {
                for i in 0..w.ncols() {
                    let want = w[[j, i]] - lr * dw[j][i];
                    assert_eq!(w_after[j][i], want, "{name} W{n}[{j}][{i}]");
                    assert_eq!(w_after[j][i], stepped.layers[k].weights()[[j, i]]);
                    moved += usize::from(w_after[j][i] != w[[j, i]]);
                }
                let want = b[j] - lr * db[j];
                assert_eq!(b_after[j], want, "{name} b{n}[{j}]");
                assert_eq!(b_after[j], stepped.layers[k].biases()[j]);
                assert_eq!(list(&u["b"])[j], b[j]);
                moved += usize::from(b_after[j] != b[j]);
            }
        }
        assert!(moved > 3, "{name}: only {moved} parameters move");
    }
    // The notebook's dW2 at learning rate 0.1: W2' = W2 - 0.1 dW2.
    let (model, x, y) = cs231n();
    let l = ledger(&model.network, x.view(), y.view(), Extras::all(0.1)).unwrap();
    let want = &seed_examples()["examples"][0]["expect"]["gradients"][1]["weights"];
    let after = matrix(&l["update"]["layers"][1]["w_after"]);
    for (j, row) in matrix(want).iter().enumerate() {
        for (i, g) in row.iter().enumerate() {
            let w = model.network.layers[1].weights()[[j, i]];
            assert!((after[j][i] - (w - 0.1 * g)).abs() < 1e-12);
        }
    }
    assert!(ledger(&model.network, x.view(), y.view(), Extras::all(f64::NAN)).is_err());
    // Without extras, the pass alone: the same steps, no update, no bias trick.
    let plain = Extras {
        update: None,
        augmented: false,
    };
    let bare = ledger(&model.network, x.view(), y.view(), plain).unwrap();
    assert_eq!(bare["steps"], l["steps"]);
    assert!(bare.get("update").is_none() && bare.get("augmented").is_none());
    let only = Extras {
        update: None,
        augmented: true,
    };
    let trick = ledger(&model.network, x.view(), y.view(), only).unwrap();
    assert!(trick.get("update").is_none());
    assert_eq!(trick["augmented"], l["augmented"]);
}

#[test]
fn the_bias_trick_gives_the_same_z_in_every_layer() {
    for (name, (model, x, y)) in [
        ("biased", biased()),
        ("udl toy", example(1, "udl-toy-chain")),
        ("cs231n", cs231n()),
    ] {
        let net = &model.network;
        let l = ledger(net, x.view(), y.view(), Extras::all(0.1)).unwrap();
        let aug = l["augmented"].as_array().unwrap();
        assert_eq!(aug.len(), net.layers.len());
        for (k, a) in aug.iter().enumerate() {
            let n = k + 1;
            let layer = &net.layers[k];
            let (m, input) = (matrix(&a["matrix"]), list(&a["input"]));
            // [W b]: W's columns, then b as the last column.
            assert_eq!(m.len(), layer.output_len());
            for (j, row) in m.iter().enumerate() {
                assert_eq!(row.len(), layer.input_len() + 1);
                assert_eq!(
                    row[..layer.input_len()],
                    layer.weights().row(j).to_vec()[..]
                );
                assert_eq!(row[layer.input_len()], layer.biases()[j]);
            }
            // [a; 1]: the layer's input, then the constant 1.
            let prev = if n == 1 {
                list(&l["input"])
            } else {
                list(&named(&l, &format!("a{}", n - 1))["values"])
            };
            assert_eq!(input[..layer.input_len()], prev[..], "{name} layer {n}");
            assert_eq!(input[layer.input_len()], 1.0);
            // The product is z, the forward pass's own.
            let z = list(&named(&l, &format!("z{n}"))["values"]);
            assert_eq!(list(&a["z"]), z);
            let product = list(&a["product"]);
            assert_eq!(product.len(), z.len());
            for (j, (p, q)) in product.iter().zip(&z).enumerate() {
                assert!((p - q).abs() <= 1e-12, "{name} z{n}[{j}]: {p} vs {q}");
                // It is [W b] times [a; 1], row by row.
                let dot: f64 = m[j].iter().zip(&input).map(|(w, a)| w * a).sum();
                assert!((dot - p).abs() <= 1e-12);
            }
            assert!(a["max_difference"].as_f64().unwrap() <= 1e-12);
            if name == "biased" {
                // Without the bias column the product would miss: the biases matter.
                let no_bias: f64 = m[0][..layer.input_len()]
                    .iter()
                    .zip(&input)
                    .map(|(w, a)| w * a)
                    .sum();
                assert!((no_bias - z[0]).abs() > 0.09, "{name} layer {n}");
            }
        }
    }
}

#[test]
fn the_ledger_shows_the_notebooks_numbers_in_order() {
    let (model, x, y) = cs231n();
    let l = ledger(&model.network, x.view(), y.view(), Extras::all(0.1)).unwrap();
    assert!((l["cost"].as_f64().unwrap() - 1.0513754685043635).abs() < 1e-12);
    let steps = l["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "z1", "a1", "z2", "a2", "C", "dC/da2", "delta2", "dC/db2", "dC/dW2", "delta1",
            "dC/db1", "dC/dW1"
        ]
    );
    let dw1 = &steps[11]["values"];
    assert!((dw1[0][0].as_f64().unwrap() + 0.09093375673932373).abs() < 1e-12);
    let delta1 = &steps[9];
    assert_eq!(delta1["rule"], "BP2");
    assert_eq!(delta1["values"]["mask"], serde_json::json!([1, 0]));
    assert_eq!(steps[6]["rule"], "BP1");
}

#[test]
fn the_chain_rule_product_is_backprops_gradient() {
    let (model, x, y) = cs231n();
    for p in [
        Param {
            layer: 0,
            unit: 0,
            input: Some(1),
        },
        Param {
            layer: 1,
            unit: 2,
            input: Some(0),
        },
        Param {
            layer: 1,
            unit: 1,
            input: None,
        },
    ] {
        let c = chain(
            &model.network,
            (x.view(), y.view()),
            (x.view(), y.view()),
            p,
        )
        .unwrap();
        let (prod, bp) = (
            c["product"].as_f64().unwrap(),
            c["backprop"].as_f64().unwrap(),
        );
        assert!((prod - bp).abs() < 1e-14, "{p:?}: {prod} vs {bp}");
        assert_eq!(c["batch"], c["backprop"]);
        assert_eq!(c["reduction"], model.network.reduction.name());
    }
    assert!(chain(
        &model.network,
        (x.view(), y.view()),
        (x.view(), y.view()),
        Param {
            layer: 5,
            unit: 0,
            input: None
        }
    )
    .is_err());
}

#[test]
fn the_nudge_tangent_has_backprops_slope() {
    let (model, x, y) = cs231n();
    let n = sweep(
        &model.network,
        x.view(),
        y.view(),
        Param {
            layer: 1,
            unit: 2,
            input: Some(0),
        },
        5.0,
        51,
    )
    .unwrap();
    assert_eq!(n.w.len(), 51);
    assert!((n.w[25] - n.value).abs() < 1e-12);
    assert!((n.cost[25] - n.cost_now).abs() < 1e-12);
    assert!(
        (n.backprop - n.numeric).abs() < 1e-6,
        "{} vs {}",
        n.backprop,
        n.numeric
    );
    assert!((n.backprop + 1.4832386062766691).abs() < 1e-12);
}
