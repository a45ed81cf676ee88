//! Autoencoder mode: the targets are the inputs, the labels stay for colouring, the
//! output layer can be tied to the first layer's weights (the UCLA autoencoder,
//! L = 1/2 ||W^T W x - x||^2), and such a Lab trains, seeds the worker, follows its
//! timeline, passes the gradient check, exports (model file and ONNX) and re-imports
//! exactly. And the `ucla-autoencoder` lesson's figure, measured natively on the
//! lesson's own configuration: the tied linear 2-unit autoencoder's validation
//! reconstruction error comes within 1% of PCA's with 2 components, the least any
//! linear 2-unit code can reach.

use backprop_lab::engine::dataset::Target;
use backprop_lab::engine::gradcheck;
use backprop_lab::engine::loss::Loss;
use backprop_lab::engine::model_json::Model;
use backprop_lab::engine::ops::Shape;
use backprop_lab::engine::session::{Session, SessionConfig};
use backprop_lab::engine::views::reconstructions::{mean_error, pca_reconstruction_error};
use backprop_lab::engine::{onnx, seed};

const DIGITS: &[u8] = include_bytes!("../../www/data/digits.bin");

/// The lesson's configuration (keep in step with www/views/lessons-autoencoder.js).
const LESSON: &str = r#"{"data": {"kind": "digits", "validation": 0.2, "seed": 1, "problem": "autoencoder"},
    "features": {"standardize": true},
    "network": {"hidden": [{"units": 2, "activation": "identity"}], "tied_output": true,
                "output": "identity", "loss": "mse", "init": "xavier", "seed": 1},
    "training": {"optimizer": "sgd", "learning_rate": 0.003, "batch_size": 32}}"#;

/// Epochs the lesson trains for.
const LESSON_EPOCHS: usize = 40;

fn session(json: &str) -> Session {
    Session::new(SessionConfig::from_json(json).unwrap(), Some(DIGITS)).unwrap()
}

fn error(json: &str) -> String {
    match SessionConfig::from_json(json) {
        Ok(c) => Session::new(c, Some(DIGITS)).unwrap_err().to_string(),
        Err(e) => e.to_string(),
    }
}

fn digits_ae(network: &str) -> String {
    format!(
        r#"{{"data": {{"kind": "digits", "limit": 300, "problem": "autoencoder"}}, "features": {{"standardize": true}}, "network": {network}}}"#
    )
}

#[test]
fn the_targets_are_the_inputs_and_the_labels_stay_for_colouring() {
    let mut s = session(&digits_ae(
        r#"{"hidden": [{"units": 8, "activation": "tanh"}]}"#,
    ));
    assert!(s.autoencoder);
    for rows in [&s.trainer.train, &s.trainer.val] {
        assert_eq!(rows.y, rows.x, "target = input, as the transform gives it");
        assert_eq!(rows.labels, None, "no accuracy of a reconstruction");
    }
    assert!(
        s.trainer.train.x.iter().any(|&v| v < 0.0),
        "standardised inputs"
    );
    let Target::Classes { labels, names } = &s.data.target else {
        panic!("the digits' classes are kept")
    };
    assert_eq!((labels.len(), names.len()), (300, 10));
    assert_eq!(s.trainer.net.loss, Loss::Mse, "mse by default");
    assert_eq!(s.trainer.net.output_dim(), 64);
    let out = s.trainer.net.layers.last().unwrap();
    assert_eq!(
        (out.kind(), out.activation_or_identity().name()),
        ("dense", "identity")
    );
    assert_eq!(s.confusion(), None, "no classes are predicted");
    let (x, y) = s.rows_f64(&[3, 7]).unwrap();
    assert_eq!(x, y);
    let before = s.trainer.last_validation();
    for _ in 0..3 {
        s.trainer.run_epoch().unwrap();
    }
    let m = s.trainer.last_validation().unwrap();
    assert!(m.accuracy.is_none() && m.loss.is_finite());
    assert!(before.is_none_or(|b| m.loss < b.loss));
    assert_eq!(s.trainer.history.val_accuracy.values().len(), 0);
    let model = s.export_model();
    assert!(
        !model.contains("class_names"),
        "the outputs are not classes"
    );
    assert!(model.contains(r#""problem":"autoencoder""#), "{model:.300}");
}

#[test]
fn impossible_autoencoders_and_tied_outputs_are_refused_with_a_reason() {
    let e = error(&digits_ae(
        r#"{"hidden": [{"units": 8, "activation": "tanh"}], "loss": "softmax_cross_entropy"}"#,
    ));
    assert!(
        e.contains("an autoencoder's targets are its 64 inputs, not classes: choose the loss mse"),
        "{e}"
    );
    let e = error(&digits_ae(r#"{"hidden": [], "tied_output": true}"#));
    assert!(
        e.contains("network.tied_output (output layer tied to the first layer's weights): there is no hidden layer to tie to"),
        "{e}"
    );
    let e = error(&digits_ae(
        r#"{"hidden": [{"kind": "conv2d", "filters": 2, "kernel": [3, 3], "stride": 1, "pad": 1, "activation": "relu"}, {"kind": "flatten"}], "tied_output": true}"#,
    ));
    assert!(
        e.contains("the first layer is a conv2d layer, not dense"),
        "{e}"
    );
    let classes = r#"{"data": {"kind": "digits", "limit": 100}, "network": {"hidden": [{"units": 4, "activation": "tanh"}], "tied_output": true}}"#;
    let e = error(classes);
    assert!(
        e.contains("the first layer reads 64 inputs but the output needs 10 units"),
        "{e}"
    );
    let e = error(r#"{"data": {"problem": "decoder"}}"#);
    assert!(
        e.contains("one of auto, classification, regression, autoencoder"),
        "{e}"
    );
}

#[test]
fn a_tied_autoencoder_lab_trains_seeds_the_worker_exports_and_reimports_exactly() {
    let mut s = session(LESSON);
    let net = &s.trainer.net;
    assert_eq!(net.layers[1].kind(), "tied");
    assert_eq!(net.layers[1].ties(), Some(0));
    assert_eq!(
        net.shapes(),
        [Shape::Features(64), Shape::Features(2), Shape::Features(64)]
    );
    assert_eq!(
        net.parameter_count(),
        2 * 64 + 2 + 64,
        "W, its b, the tied b"
    );
    // The worker grows from the seed, trains, and the page follows its snapshots and
    // its timeline.
    let mut worker = seed::read(&seed::write(&s.trainer)).unwrap();
    worker.run(60).unwrap();
    s.trainer.show_snapshot(&worker.snapshot(true)).unwrap();
    s.trainer
        .follow_timeline(&worker.timeline_update(None))
        .unwrap();
    assert!(s.trainer.timeline.moments().len() > 10);
    assert!(s.trainer.net.parameters().eq(worker.net.parameters()));
    // Both paths to W pass the f64 gradient check.
    let (x, y) = s.rows_f64(&[0, 1, 2, 3]).unwrap();
    let checks = gradcheck::check(&s.network_f64(), x.view(), y.view(), 1e-5).unwrap();
    assert_eq!(checks.len(), 3, "W, b of layer 0, b of the tied layer");
    for c in &checks {
        assert!(c.max_relative_error < 1e-7, "{c:?}");
    }
    // Export, re-import into a fresh Lab of the same configuration: the same file.
    let file = s.export_model();
    let v: serde_json::Value = serde_json::from_str(&file).unwrap();
    let out = &v["layers"][1];
    assert_eq!(
        (&out["kind"], &out["of"], &out["activation"]),
        (&"tied".into(), &0.into(), &"identity".into())
    );
    assert_eq!(out["biases"].as_array().unwrap().len(), 64);
    let mut fresh = session(LESSON);
    assert_ne!(fresh.export_model(), file);
    fresh.import_weights(&file).unwrap();
    assert_eq!(fresh.export_model(), file, "export then import is exact");
    assert_eq!(Model::from_json(&file).unwrap().to_json(), file);
    let onnx = onnx::export(&s.model()).unwrap();
    assert!(onnx.len() > 64 * 2 * 4, "{} bytes", onnx.len());
    // A dense-output autoencoder's file does not load into the tied Lab.
    let dense = session(&LESSON.replace(r#""tied_output": true"#, r#""tied_output": false"#));
    let e = fresh.import_weights(&dense.export_model()).unwrap_err();
    assert!(e.to_string().contains("differ from this network's"), "{e}");
}

#[test]
fn the_lessons_tied_linear_autoencoder_comes_within_one_percent_of_pca() {
    let mut s = session(LESSON);
    let (val, _) = s.rows_f64(&s.val_rows).unwrap();
    let (train, _) = s.rows_f64(&s.train_rows).unwrap();
    let pca = pca_reconstruction_error(train.view(), val.view(), 2, Loss::Mse);
    let start = mean_error(&s.network_f64(), val.view()).unwrap();
    let mut at = Vec::new();
    for _ in 0..LESSON_EPOCHS {
        s.trainer.run_epoch().unwrap();
        at.push(mean_error(&s.network_f64(), val.view()).unwrap());
    }
    let end = *at.last().unwrap();
    let page = s.trainer.last_validation().unwrap().loss;
    eprintln!(
        "PCA-2 on the {} validation rows: {pca:.4}; the autoencoder from {start:.4}: epoch 5 {:.4}, 10 {:.4}, 20 {:.4}, {LESSON_EPOCHS} {end:.4} (val_loss {page:.4}), {} steps",
        val.nrows(),
        at[4],
        at[9],
        at[19],
        s.trainer.steps()
    );
    assert!(
        (page - end).abs() < 1e-3 * end,
        "the page's val_loss is this error"
    );
    assert!(
        start > 1.2 * pca,
        "it starts far from PCA: {start} vs {pca}"
    );
    assert!(
        at[4] > 1.01 * pca,
        "and gets there over seconds, not at once"
    );
    assert!((end - pca).abs() < 0.01 * pca, "{end} vs {pca}");
}
