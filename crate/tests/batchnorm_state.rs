//! Batch norm's running statistics are state the page needs: a network rebuilt from a
//! trainer's snapshot, from a timeline moment or from the worker's seed evaluates
//! bit for bit as the trainer's own, running mean and variance included.

use backprop_lab::engine::seed;
use backprop_lab::engine::session::{Session, SessionConfig};
use backprop_lab::engine::train::{evaluate, Trainer};

const DIGITS: &[u8] = include_bytes!("../../www/data/digits.bin");

fn session() -> Session {
    let config = SessionConfig::from_json(
        r#"{"data": {"kind": "digits", "limit": 300, "validation": 0.5, "seed": 2},
            "network": {"hidden": [{"units": 16, "activation": "relu"}, {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5},
                                   {"kind": "dropout", "p": 0.3}], "seed": 4},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 16}}"#,
    )
    .unwrap();
    Session::new(config, Some(DIGITS)).unwrap()
}

/// The batch-norm layer's running mean, as an f32 vector.
fn running_mean(t: &Trainer<f32>) -> Vec<f32> {
    let bn = t
        .net
        .layers
        .iter()
        .find(|op| op.kind() == "batchnorm")
        .unwrap();
    bn.buffer(0).to_vec()
}

/// Training and validation metrics, as bits, so that equality is exact.
fn metrics_bits(t: &Trainer<f32>) -> Vec<u64> {
    let (train, val) = (evaluate(&t.net, &t.train), evaluate(&t.net, &t.val));
    [train, val]
        .iter()
        .flat_map(|m| [m.loss.to_bits(), m.accuracy.unwrap().to_bits()])
        .collect()
}

fn trained() -> Session {
    let mut s = session();
    for _ in 0..3 {
        s.trainer.run_epoch().unwrap();
    }
    s.trainer.mark();
    let fresh = session();
    assert_ne!(
        running_mean(&s.trainer),
        running_mean(&fresh.trainer),
        "training moved the running mean"
    );
    assert_ne!(metrics_bits(&s.trainer), metrics_bits(&fresh.trainer));
    s
}

#[test]
fn a_snapshot_carries_the_running_statistics() {
    let worker = trained();
    for with_history in [false, true] {
        let mut page = session();
        page.trainer
            .show_snapshot(&worker.trainer.snapshot(with_history))
            .unwrap();
        assert_eq!(running_mean(&page.trainer), running_mean(&worker.trainer));
        assert_eq!(metrics_bits(&page.trainer), metrics_bits(&worker.trainer));
    }
}

#[test]
fn a_timeline_moment_carries_the_running_statistics() {
    let worker = trained();
    let mut page = session();
    page.trainer
        .follow_timeline(&worker.trainer.timeline_update(None))
        .unwrap();
    let last = page.trainer.timeline.moments().last().unwrap().clone();
    assert_eq!(last.step, worker.trainer.steps());
    page.trainer.net.set_state(&last.params).unwrap();
    assert_eq!(running_mean(&page.trainer), running_mean(&worker.trainer));
    assert_eq!(metrics_bits(&page.trainer), metrics_bits(&worker.trainer));
    // An early moment holds the running statistics of its own step, not the last ones.
    let first = page.trainer.timeline.moments()[1].clone();
    page.trainer.net.set_state(&first.params).unwrap();
    assert_ne!(running_mean(&page.trainer), running_mean(&worker.trainer));
}

#[test]
fn the_workers_seed_carries_the_running_statistics() {
    let page = trained();
    let worker = seed::read(&seed::write(&page.trainer)).unwrap();
    assert_eq!(running_mean(&worker), running_mean(&page.trainer));
    assert_eq!(metrics_bits(&worker), metrics_bits(&page.trainer));
    // And the run kept across a reload.
    let mut reloaded = session();
    reloaded
        .trainer
        .restore_run(&page.trainer.run_state(usize::MAX))
        .unwrap();
    assert_eq!(metrics_bits(&reloaded.trainer), metrics_bits(&page.trainer));
}
