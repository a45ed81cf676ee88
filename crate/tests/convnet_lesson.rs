//! The `digits-convnet` lesson's claim, measured natively on the page's own
//! configurations: a small convnet on the 8x8 digits beats an MLP of about the same
//! number of parameters on validation accuracy, with the same data, split, optimiser and
//! epochs.

use backprop_lab::engine::session::{Session, SessionConfig};

const DIGITS: &[u8] = include_bytes!("../../www/data/digits.bin");

/// The lesson's settings with `hidden` as the hidden layers (keep in step with
/// www/views/lessons.js).
fn run(hidden: &str, epochs: usize) -> (usize, f64) {
    let config = SessionConfig::from_json(&format!(
        r#"{{"data": {{"kind": "digits", "validation": 0.5, "seed": 1}}, "features": {{"standardize": false}},
            "network": {{"hidden": {hidden}, "output": "identity", "loss": "softmax_cross_entropy", "init": "he", "seed": 1}},
            "training": {{"optimizer": "adam", "learning_rate": 0.01, "batch_size": 32}}}}"#
    ))
    .unwrap();
    let mut s = Session::new(config, Some(DIGITS)).unwrap();
    for _ in 0..epochs {
        s.trainer.run_epoch().unwrap();
    }
    let acc = s.trainer.last_validation().unwrap().accuracy.unwrap();
    (s.trainer.net.parameter_count(), acc)
}

const CONVNET: &str = r#"[{"kind": "conv2d", "filters": 4, "kernel": [3, 3], "stride": 1, "pad": 1, "activation": "relu"}, {"kind": "maxpool2d", "size": 2, "stride": 2}, {"kind": "flatten"}]"#;
const MLP: &str = r#"[{"units": 9, "activation": "relu"}]"#;

#[test]
fn a_small_convnet_beats_the_mlp_of_its_size_on_the_digits() {
    let (conv_params, conv) = run(CONVNET, 20);
    let (mlp_params, mlp) = run(MLP, 20);
    eprintln!("convnet {conv_params} parameters: {conv:.4}; mlp {mlp_params}: {mlp:.4}");
    assert!(
        conv_params.abs_diff(mlp_params) * 50 < mlp_params,
        "{conv_params} vs {mlp_params}"
    );
    assert!(conv > mlp, "convnet {conv} vs mlp {mlp}");
}

#[test]
fn a_convnet_session_seeds_the_training_worker() {
    let config = SessionConfig::from_json(&format!(
        r#"{{"data": {{"kind": "digits"}}, "network": {{"hidden": {CONVNET}}}}}"#
    ))
    .unwrap();
    let s = Session::new(config, Some(DIGITS)).unwrap();
    let seed = backprop_lab::engine::seed::write(&s.trainer);
    let mut t = backprop_lab::engine::seed::read(&seed).unwrap();
    t.run(3).unwrap();
    let snap = t.snapshot(true);
    let mut page = s;
    page.trainer.show_snapshot(&snap).unwrap();
}
