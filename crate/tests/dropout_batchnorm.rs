//! The `dropout-batchnorm` lesson's claims, measured natively on the lesson's own
//! configuration through the comparison (engine/compare.rs); keep in step with
//! www/views/lessons-dropbn.js.

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
    "training": {"optimizer": "momentum", "learning_rate": 0.05, "batch_size": 20, "kernel": "scalar"}}"#;
const EPOCHS: usize = 60;

/// Training accuracy after epoch 3 per variant, as the banner states it
/// (www/views/lessons-dropbn.js). The banner's figures after epoch 60 are the page's:
/// over 60 epochs of dropout masks and batch statistics, the last-bit differences
/// between this platform's libm and the wasm build's grow into the third decimal (the
/// layers without either agree to four decimals; with the scalar kernel, the lesson's,
/// the page's two wasm builds agree with each other), so here the claims are checked
/// and the figures printed rather than pinned.
const EPOCH_3: [(&str, &str); 4] = [
    ("as built", "0.867"),
    ("without dropout", "0.928"),
    ("without batch norm", "0.256"),
    ("without either", "0.256"),
];

#[test]
fn the_lesson_shows_batch_norm_speeding_training_and_dropout_narrowing_the_gap() {
    let curves = compare(LESSON, EPOCHS);
    let last = |s: &[f64]| *s.last().unwrap();
    for (c, (label, want)) in curves.iter().zip(EPOCH_3) {
        eprintln!(
            "{}: after epoch 3 training accuracy {:.4}; after {} epochs training accuracy {:.4}, loss {:.4}; validation accuracy {:.4}, loss {:.4}",
            c.label(),
            c.train_accuracy[2],
            c.val_loss.len(),
            last(&c.train_accuracy),
            last(&c.train_loss),
            last(&c.val_accuracy),
            last(&c.val_loss)
        );
        assert_eq!(
            (c.label(), format!("{:.3}", c.train_accuracy[2])),
            (label, want.to_string())
        );
        assert_eq!(c.val_loss.len(), EPOCHS);
        assert!(
            last(&c.train_accuracy) > 0.97,
            "every variant fits the 180 digits"
        );
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
        assert!(last(&with.val_loss) < last(&without.val_loss));
        assert!(gap(with) < gap(without));
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
