//! The inspection views' numbers: the ledger against the cs231n notebook, the chain
//! rule against backprop, nudge slopes against central differences.

mod common;

use backprop_lab::engine::api;
use backprop_lab::engine::dataset::csv;
use backprop_lab::engine::ledger::{chain, ledger, Param};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::nudge::sweep;
use common::seed_examples;

fn cs231n() -> (Model, ndarray::Array2<f64>, ndarray::Array2<f64>) {
    let ex = &seed_examples()["examples"][0];
    assert_eq!(ex["name"], "cs231n-worked-example");
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let data = csv::parse(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data).unwrap();
    (model, x, y)
}

#[test]
fn the_ledger_shows_the_notebooks_numbers_in_order() {
    let (model, x, y) = cs231n();
    let l = ledger(&model.network, x.view(), y.view()).unwrap();
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
