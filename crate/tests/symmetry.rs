//! The CMU notebook's question 2.1.1, run for real through the page's session: units
//! that start equal get equal gradients and stay equal, so a layer initialised with
//! zeros or a constant is no wider than one unit. Xavier's random draw breaks that.

use backprop_lab::engine::session::{Session, SessionConfig};

/// Circles, two layers of four units of `activation`, `init`, trained for 40 epochs. (A
/// constant start kills a plain ReLU layer at this learning rate, which the blow-up
/// guard reports: leaky ReLU keeps the symmetry visible without dying.)
fn trained(init: &str, activation: &str) -> Session {
    let config = format!(
        r#"{{"data": {{"kind": "circles", "points": 200, "noise": 0.05, "validation": 0.2}},
            "network": {{"hidden": [{{"units": 4, "activation": "{activation}"}},
                                    {{"units": 4, "activation": "{activation}"}}],
                        "init": "{init}", "init_std": 0.5, "seed": 3}},
            "training": {{"learning_rate": 0.3, "batch_size": 10}}}}"#
    );
    let mut s = Session::new(SessionConfig::from_json(&config).unwrap(), None).unwrap();
    s.trainer.run(40 * 16).unwrap();
    assert_eq!(s.trainer.epoch(), 40);
    s
}

/// Per hidden layer: the largest difference between any unit's weights and bias and
/// unit 0's.
fn spread(s: &Session) -> Vec<f32> {
    let layers = &s.trainer.net.layers;
    layers[..layers.len() - 1]
        .iter()
        .map(|l| {
            let (w, b) = (l.weights(), l.biases());
            let first = w.row(0);
            let mut d = 0.0f32;
            for (j, row) in w.outer_iter().enumerate() {
                for (a, b) in row.iter().zip(first) {
                    d = d.max((a - b).abs());
                }
                d = d.max((b[j] - b[0]).abs());
            }
            d
        })
        .collect()
}

/// Largest change of any weight from `from`.
fn moved(s: &Session, from: f32) -> f32 {
    s.trainer
        .net
        .layers
        .iter()
        .flat_map(|l| l.weights().to_owned())
        .fold(0.0f32, |m, w| m.max((w - from).abs()))
}

#[test]
fn zeros_and_constant_keep_every_unit_of_a_layer_identical() {
    for (init, activation, start) in [
        ("zeros", "sigmoid", 0.0),
        ("constant", "tanh", 0.5),
        ("constant", "leaky_relu", 0.5),
    ] {
        let s = trained(init, activation);
        for (l, d) in spread(&s).into_iter().enumerate() {
            assert_eq!(
                d,
                0.0,
                "{init} {activation}: layer {} units differ by {d}",
                l + 1
            );
        }
        // The units did train: identical is not the same as frozen.
        let m = moved(&s, start);
        assert!(m > 0.01, "{init} {activation}: weights moved only {m}");
    }
}

#[test]
fn zeros_freeze_every_weight_of_a_tanh_network() {
    // tanh(0) = 0: every unit outputs 0, so every weight's gradient is 0 too.
    let s = trained("zeros", "tanh");
    assert_eq!(moved(&s, 0.0), 0.0);
}

#[test]
fn xavier_units_differ() {
    let s = trained("xavier", "tanh");
    for (l, d) in spread(&s).into_iter().enumerate() {
        assert!(d > 0.1, "xavier: layer {} units differ by only {d}", l + 1);
    }
}
