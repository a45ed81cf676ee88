//! Model files: export then import is exact, and every malformation is a clear error.

use backprop_lab::engine::activation::Activation;
use backprop_lab::engine::api;
use backprop_lab::engine::init::Init;
use backprop_lab::engine::loss::{Loss, Reduction};
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::network::{Architecture, LayerSpec, Network};
use rand::rngs::StdRng;
use rand::SeedableRng;

const GOOD: &str = r#"{"format": "backprop-lab.model", "version": 1, "input_dim": 2,
 "layers": [{"units": 2, "activation": "tanh", "weights": [[0.1, 0.2], [0.3, 0.4]], "biases": [0, 0]},
            {"units": 1, "activation": "sigmoid", "weights": [[1, -1]], "biases": [0.5]}],
 "loss": "mse", "reduction": "mean", "l2": 0.0}"#;
const CSV: &str = "a,b,label\n1,2,0\n3,4,1\n";

fn model_err(text: &str) -> String {
    Model::from_json(text).unwrap_err().to_string()
}

fn edit(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
    f(&mut v);
    v.to_string()
}

#[test]
fn export_then_import_gives_identical_outputs() {
    let arch = Architecture {
        input_dim: 3,
        input_shape: None,
        layers: LayerSpec::dense_stack(&[(7, Activation::Swish), (4, Activation::Identity)]),
        loss: Loss::SoftmaxCrossEntropy,
        reduction: Reduction::Mean,
        l2: 1e-3,
    };
    let mut net = Network::<f64>::zeros(&arch).unwrap();
    Init::HeNormal.apply(&mut net, 0.01, &mut StdRng::seed_from_u64(3));
    let mut model = Model::from_network(net);
    model.class_names = Some(vec!["a".into(), "b".into(), "c".into(), "<d>".into()]);
    let back = Model::from_json(&model.to_json()).unwrap();
    assert_eq!(back, model);
    let x = ndarray::array![[0.1, -2.0, 3.3], [1e-7, 5.0, -0.25]];
    let a = model.network.forward(x.view()).unwrap();
    let b = back.network.forward(x.view()).unwrap();
    assert_eq!(a.output(), b.output());
    // f32 weights survive the f64 file bit for bit.
    let n32 = model.network_as::<f32>();
    let again = Model::from_json(&Model::from_network(n32.cast()).to_json()).unwrap();
    assert_eq!(again.network_as::<f32>(), n32);
}

#[test]
fn malformed_models_are_named_precisely() {
    assert!(model_err("not json").starts_with("model: not valid JSON"));
    assert!(model_err("[1, 2]").contains("not a JSON object"));
    assert_eq!(
        model_err(&edit(|v| v["format"] = "keras".into())),
        "model: format is \"keras\", expected \"backprop-lab.model\""
    );
    assert!(model_err(&edit(|v| v["version"] = 7.into())).contains("version 7"));
    assert_eq!(
        model_err(&edit(|v| v["layers"][1]["units"] = 8.into())),
        "model: layer 2: weights has 1 rows but units is 8"
    );
    assert_eq!(
        model_err(&edit(
            |v| v["layers"][0]["weights"][1] = serde_json::json!([1.0])
        )),
        "model: layer 1: weights[1] has 1 numbers but the layer has 2 inputs"
    );
    assert_eq!(
        model_err(&edit(
            |v| v["layers"][0]["biases"] = serde_json::json!([1.0])
        )),
        "model: layer 1: biases has 1 numbers but units is 2"
    );
    assert!(
        model_err(&edit(|v| v["layers"][0]["activation"] = "softsign".into()))
            .contains("layer 1: unknown activation \"softsign\"")
    );
    assert!(model_err(&edit(|v| v["loss"] = "hinge".into())).contains("unknown loss \"hinge\""));
    assert_eq!(
        model_err(&edit(|v| v["layers"][0]["weights"][0][1] = "abc".into())),
        "model: layer 1: weights[0][1] is \"abc\", not a finite number"
    );
    assert_eq!(
        model_err(&edit(
            |v| v["layers"][1]["biases"][0] = serde_json::Value::Null
        )),
        "model: layer 2: biases[0] is null, not a finite number"
    );
    assert!(
        model_err(&GOOD.replace("[[1, -1]]", "[[NaN, -1]]")).starts_with("model: not valid JSON")
    );
    assert!(model_err(&edit(|v| v["layers"][0]["units"] = 100000.into())).contains("1 to 1024"));
    assert!(model_err(&edit(|v| v["input_dim"] = (-3).into())).contains("input_dim"));
}

#[test]
fn evaluate_refuses_bad_data_with_a_clear_message() {
    let eval_err = |model: &str, csv: &str| api::evaluate(model, csv).unwrap_err().to_string();
    assert_eq!(eval_err(GOOD, ""), "data: the CSV is empty");
    assert_eq!(
        eval_err(GOOD, "a,b,label\n1,2\n"),
        "data: line 2: 2 fields, but the header has 3"
    );
    assert_eq!(
        eval_err(GOOD, "a,b,label\n1,x,0\n"),
        "data: line 2, column \"b\": \"x\" is not a number"
    );
    assert!(eval_err(GOOD, "a,b,c,label\n1,2,3,0\n")
        .contains("takes 2 input features but the CSV has 3"));
    assert_eq!(
        eval_err(GOOD, "a,b,label\n1,2,5\n"),
        "data: line 2: the label \"5\" is not a class of this model; it has no class names, so labels must be integers from 0 to 1"
    );
    let three = edit(|v| {
        v["layers"][1] = serde_json::json!({"units": 3, "activation": "identity",
            "weights": [[1, 0], [0, 1], [1, 1]], "biases": [0, 0, 0]});
        v["loss"] = "softmax_cross_entropy".into();
    });
    assert!(eval_err(&three, "a,b,label\n1,2,5\n")
        .ends_with("the label \"5\" is not a class of this model; it has no class names, so labels must be integers from 0 to 2"));
    assert!(api::evaluate(GOOD, CSV).is_ok());
    assert!(api::evaluate(&three, "a,b,label\n1,2,2\n").is_ok());
}
