//! The seed notebooks' worked examples, reproduced through `evaluate`, and the notebooks'
//! printed intermediate values checked against the trace.

mod common;

use backprop_lab::engine::api;
use backprop_lab::engine::dataset::csv;
use backprop_lab::engine::model_json::Model;
use common::{first_difference, seed_examples, GOLDEN_RTOL};

#[test]
fn every_seed_example_matches_through_evaluate() {
    let seeds = seed_examples();
    let examples = seeds["examples"].as_array().unwrap();
    assert!(examples.len() >= 2);
    for ex in examples {
        let name = ex["name"].as_str().unwrap();
        let model = ex["model"].to_string();
        let got: serde_json::Value =
            serde_json::from_str(&api::evaluate(&model, ex["csv"].as_str().unwrap()).unwrap())
                .unwrap();
        for key in ["loss", "outputs", "gradients"] {
            if let Some(d) = first_difference(&got[key], &ex["expect"][key], GOLDEN_RTOL, key) {
                panic!("{name}: {d}");
            }
        }
    }
}

fn example(name: &str) -> serde_json::Value {
    seed_examples()["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap()
        .clone()
}

#[test]
fn cs231n_intermediate_values_match_the_notebook() {
    let ex = example("cs231n-worked-example");
    let printed = &ex["values_printed_in_seed"];
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let (data, lines) = csv::parse_with_lines(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    let (cost, trace, grads) = model
        .network
        .cost_and_gradients(x.view(), y.view())
        .unwrap();
    let h1: Vec<f64> = trace.a(1).iter().copied().collect();
    assert!(first_difference(&serde_json::json!(h1), &printed["h1"], 1e-12, "h1").is_none());
    assert!((cost - printed["loss"].as_f64().unwrap()).abs() < 1e-12);
    // dscores is delta at the output; dh1 is dC/da of the hidden layer, i.e. delta_2 W_2.
    let dscores: Vec<f64> = grads.delta[1].iter().copied().collect();
    let d = first_difference(
        &serde_json::json!(dscores),
        &printed["dscores"],
        1e-10,
        "dscores",
    );
    assert!(d.is_none(), "{d:?}");
    let dh1 = grads.delta[1].dot(&model.network.layers[1].weights());
    let want = printed["dh1"].as_array().unwrap();
    for (g, w) in dh1.iter().zip(want) {
        assert!((g - w.as_f64().unwrap()).abs() < 1e-11, "dh1 {g} vs {w}");
    }
    // The notebook prints dW1 as (D, H); the engine stores (H, D).
    let dw1 = &grads.dw(0);
    let printed_dw1 = printed["dW1_as_DxH"].as_array().unwrap();
    for (d, row) in printed_dw1.iter().enumerate() {
        for (h, v) in row.as_array().unwrap().iter().enumerate() {
            assert!((dw1[[h, d]] - v.as_f64().unwrap()).abs() < 1e-8);
        }
    }
}

#[test]
fn udl_toy_chain_intermediate_values_match_the_notebook() {
    let ex = example("udl-toy-chain");
    let p = &ex["values_printed_in_seed"];
    let model = Model::from_json(&ex["model"].to_string()).unwrap();
    let (data, lines) = csv::parse_with_lines(ex["csv"].as_str().unwrap()).unwrap();
    let (x, y) = api::prepare(&model, &data, &lines).unwrap();
    let (_, trace, grads) = model
        .network
        .cost_and_gradients(x.view(), y.view())
        .unwrap();
    // The notebook prints about three decimals: f_k = z of layer k + 1, h_k = a of layer k.
    let near = |got: f64, key: &str| {
        let want = p[key].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 0.0005 + 1e-3 * want.abs(),
            "{key}: {got} vs {want}"
        );
    };
    for k in 0..4 {
        near(trace.z(k)[[0, 0]], &format!("f{k}"));
        near(grads.delta[k][[0, 0]], &format!("dl_df{k}"));
        near(grads.db(k)[0], &format!("dl_dbeta{k}"));
        near(grads.dw(k)[[0, 0]], &format!("dl_domega{k}"));
    }
    for k in 1..4 {
        near(trace.a(k)[[0, 0]], &format!("h{k}"));
    }
}

#[test]
fn cs231n_gradient_check_with_l2_is_below_1e_8() {
    // The notebook's eval_numerical_gradient steps by h = 1e-5.
    let ex = example("cs231n-worked-example");
    let mut model = ex["model"].clone();
    model["l2"] = serde_json::json!(0.05);
    let out: serde_json::Value = serde_json::from_str(
        &api::gradient_check(&model.to_string(), ex["csv"].as_str().unwrap(), Some(1e-5)).unwrap(),
    )
    .unwrap();
    let worst = out["max_relative_error"].as_f64().unwrap();
    assert!(worst < 1e-8, "max relative error {worst}");
}
