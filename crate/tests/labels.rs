//! `evaluate` and `gradient_check` with labels that are not the model's: named labels
//! are matched to the model's class names, a model without names takes only integers
//! 0..C-1, and anything else is an error naming the line and the value.

mod common;

use backprop_lab::engine::api;
use common::seed_examples;
use serde_json::Value;

/// The cs231n worked example: 2 inputs, 3 classes, no class names.
fn model() -> Value {
    seed_examples()["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "cs231n-worked-example")
        .unwrap()["model"]
        .clone()
}

fn loss(model: &Value, csv: &str) -> f64 {
    let out: Value =
        serde_json::from_str(&api::evaluate(&model.to_string(), csv).unwrap()).unwrap();
    out["loss"].as_f64().unwrap()
}

#[test]
fn a_model_without_class_names_refuses_every_label_that_is_not_an_index() {
    let m = model().to_string();
    for bad in ["cat", "-1", "1.5", "3"] {
        let csv = format!("x0,x1,label\n16.0,-6.0,2\n1,2,{bad}\n");
        let want = format!(
            "data: line 3: the label \"{bad}\" is not a class of this model; it has no class names, so labels must be integers from 0 to 2"
        );
        assert_eq!(api::evaluate(&m, &csv).unwrap_err().to_string(), want);
        assert_eq!(
            api::gradient_check(&m, &csv, None).unwrap_err().to_string(),
            want
        );
    }
}

#[test]
fn named_labels_follow_the_model_class_names_in_its_order() {
    let by_index = loss(&model(), "x0,x1,label\n16.0,-6.0,2\n1,2,0\n3,-1,1\n");
    let mut named = model();
    named["class_names"] = serde_json::json!(["zebra", "ant", "cat"]);
    // Sorted, "ant" < "cat" < "zebra" would make "cat" class 1: the model says 2.
    let by_name = loss(&named, "x0,x1,label\n16.0,-6.0,cat\n1,2,zebra\n3,-1,ant\n");
    assert_eq!(by_name, by_index);
    let csv = "x0,x1,label\n16.0,-6.0,cat\n1,2,dog\n";
    let want = "data: line 3: the label \"dog\" is not one of the model's classes (\"zebra\", \"ant\", \"cat\")";
    assert_eq!(
        api::evaluate(&named.to_string(), csv)
            .unwrap_err()
            .to_string(),
        want
    );
    assert_eq!(
        api::gradient_check(&named.to_string(), csv, None)
            .unwrap_err()
            .to_string(),
        want
    );
}
