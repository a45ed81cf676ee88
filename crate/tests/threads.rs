//! Training on several threads (the `threads` feature, the page's threaded module) gives
//! the same run as on one: the big products are split by whole blocks of four rows, so
//! every weight is the same bit for bit on a W3-like wide layer. (W2's products, 2^18
//! multiply-adds, are below the split and run on one thread.)

#![cfg(feature = "threads")]

use backprop_lab::engine::session::{Session, SessionConfig};

const DIGITS: &[u8] = include_bytes!("../../www/data/digits.bin");

/// The weights and last training loss after `epochs` epochs of the digits network with
/// `hidden` layers and batches of `batch`, trained on a pool of `threads` threads.
fn train(hidden: &str, batch: usize, epochs: usize, threads: usize) -> (Vec<f32>, f64) {
    let config = SessionConfig::from_json(&format!(
        r#"{{"data": {{"kind": "digits", "validation": 0.2, "seed": 4}}, "features": {{"standardize": true}},
            "network": {{"hidden": {hidden}, "output": "identity", "loss": "softmax_cross_entropy", "init": "he", "seed": 7}},
            "training": {{"optimizer": "sgd", "learning_rate": 0.05, "batch_size": {batch}}}}}"#
    ))
    .unwrap();
    let mut s = Session::new(config, Some(DIGITS)).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        assert_eq!(rayon::current_num_threads(), threads);
        for _ in 0..epochs {
            s.trainer.run_epoch().unwrap();
        }
    });
    let weights = s
        .trainer
        .net
        .layers
        .iter()
        .flat_map(|l| l.weights().iter().copied().collect::<Vec<f32>>())
        .collect();
    (weights, s.trainer.history.last("train_loss"))
}

fn same_run_on_one_and_two_threads(hidden: &str, batch: usize) {
    let (one, loss) = train(hidden, batch, 2, 1);
    assert!(
        loss.is_finite() && loss < 1.0,
        "{hidden}: the run learns ({loss})"
    );
    for threads in [2, 3] {
        let (many, many_loss) = train(hidden, batch, 2, threads);
        assert_eq!(many_loss, loss, "{hidden} on {threads} threads");
        assert!(
            many == one,
            "{hidden}: the weights differ on {threads} threads"
        );
    }
}

#[test]
fn a_wide_layer_trains_the_same_run_on_several_threads() {
    // 64 rows of 64 inputs into 256 units: the forward product and dW are 2^20
    // multiply-adds, big enough to split.
    same_run_on_one_and_two_threads(r#"[{"units": 256, "activation": "relu"}]"#, 64);
}
