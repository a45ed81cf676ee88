//! The comparison of dropout and batch norm (engine/compare.rs) and the
//! `dropout-batchnorm` lesson's figures, measured natively on the lesson's own
//! configuration (keep in step with www/views/lessons-dropbn.js).

use backprop_lab::engine::compare::{self, Comparison, Curves};
use backprop_lab::engine::session::{Session, SessionConfig};

const DIGITS: &[u8] = include_bytes!("../../www/data/digits.bin");

fn session(json: &str) -> Session {
    Session::new(SessionConfig::from_json(json).unwrap(), Some(DIGITS)).unwrap()
}

fn compare(json: &str, epochs: usize) -> Vec<Curves> {
    let s = session(json);
    let mut c = Comparison::new(&compare::start(&s).unwrap(), epochs).unwrap();
    while !c.advance().unwrap() {}
    c.curves().cloned().collect()
}

/// The lesson's configuration: the UCLA notebook's fully connected net, two ReLU
/// layers of 100 units each followed by batch norm and dropout (p = 0.5), on 180 of the
/// 8x8 digits (1,617 held out), weights drawn with std 0.05, SGD with momentum.
const LESSON: &str = r#"{"data": {"kind": "digits", "limit": 0, "validation": 0.9, "seed": 1}, "features": {"standardize": false},
    "network": {"hidden": [{"units": 100, "activation": "relu"}, {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5}, {"kind": "dropout", "p": 0.5},
                           {"units": 100, "activation": "relu"}, {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5}, {"kind": "dropout", "p": 0.5}],
                "output": "identity", "loss": "softmax_cross_entropy", "init": "gaussian", "init_std": 0.05, "seed": 1},
    "training": {"optimizer": "momentum", "learning_rate": 0.05, "batch_size": 20}}"#;
const EPOCHS: usize = 60;

/// The banner's figures (www/views/lessons-dropbn.js): per variant, training accuracy
/// after epoch 3, then after the last epoch training and validation accuracy and loss.
const FIGURES: [(&str, [&str; 5]); 4] = [
    (
        "as built",
        ["0.8667", "1.0000", "0.9419", "0.0045", "0.2167"],
    ),
    (
        "without dropout",
        ["0.9278", "1.0000", "0.9338", "0.0002", "0.3019"],
    ),
    (
        "without batch norm",
        ["0.2556", "0.9778", "0.9103", "0.0738", "0.3549"],
    ),
    (
        "without either",
        ["0.2556", "1.0000", "0.9109", "0.0015", "0.4136"],
    ),
];

#[test]
fn the_lesson_shows_batch_norm_speeding_training_and_dropout_narrowing_the_gap() {
    let curves = compare(LESSON, EPOCHS);
    let last = |s: &[f64]| *s.last().unwrap();
    for (c, (label, want)) in curves.iter().zip(FIGURES) {
        let got = [
            c.train_accuracy[2],
            last(&c.train_accuracy),
            last(&c.val_accuracy),
            last(&c.train_loss),
            last(&c.val_loss),
        ]
        .map(|v| format!("{v:.4}"));
        assert_eq!((c.label.as_str(), got), (label, want.map(String::from)));
        assert_eq!(c.val_loss.len(), EPOCHS);
    }
    let [built, no_dropout, no_bn, neither] = [0, 1, 2, 3].map(|i| &curves[i]);
    // Batch norm: after 3 epochs the normalised nets fit most training digits, the
    // others a quarter of them.
    for with in [built, no_dropout] {
        for without in [no_bn, neither] {
            assert!(with.train_accuracy[2] > without.train_accuracy[2] + 0.5);
        }
    }
    // Dropout: with or without batch norm, the validation loss ends lower and the gap
    // between training and validation loss narrower.
    let gap = |c: &Curves| last(&c.val_loss) - last(&c.train_loss);
    for (with, without) in [(built, no_dropout), (no_bn, neither)] {
        assert!(last(&with.val_loss) < last(&without.val_loss) - 0.05);
        assert!(gap(with) < gap(without) - 0.05);
    }
}

#[test]
fn the_comparison_keeps_the_users_run_as_it_is() {
    let mut s = session(LESSON);
    s.trainer.run(7).unwrap();
    let before = s.trainer.snapshot(true);
    let mut c = Comparison::new(&compare::start(&s).unwrap(), 2).unwrap();
    while !c.advance().unwrap() {}
    let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(s.trainer.snapshot(true)), bits(before));
    assert_eq!(s.trainer.steps(), 7);
}
