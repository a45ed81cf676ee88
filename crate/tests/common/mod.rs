//! Helpers shared by the integration tests.
#![allow(dead_code)]

use backprop_lab::engine::init::standard_normal;
use backprop_lab::engine::loss::Loss;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::RngExt;
use std::path::PathBuf;

/// Tolerance of the golden comparisons: relative, in f64.
pub const GOLDEN_RTOL: f64 = 1e-9;

/// The worked numbers of the seed notebooks, from the shared reference folder.
pub fn seed_examples() -> serde_json::Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/seed-examples.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("seed-examples.json is JSON")
}

/// The layers issue's worked examples (conv_forward, the tied autoencoder).
pub fn layer_examples() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/layer-examples.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("layer-examples.json is JSON")
}

/// |a - b| <= rtol * max(|a|, |b|), or both below 1e-15 (exact zeros in the reference).
pub fn close(a: f64, b: f64, rtol: f64) -> bool {
    (a - b).abs() <= rtol * a.abs().max(b.abs()) || (a.abs() < 1e-15 && b.abs() < 1e-15)
}

/// Walks two JSON trees of numbers and returns the first path where they differ.
pub fn first_difference(
    got: &serde_json::Value,
    want: &serde_json::Value,
    rtol: f64,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            (!close(g, w, rtol)).then(|| format!("{path}: got {g}, want {w}"))
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                return Some(format!("{path}: got {} items, want {}", g.len(), w.len()));
            }
            g.iter()
                .zip(w)
                .enumerate()
                .find_map(|(i, (g, w))| first_difference(g, w, rtol, &format!("{path}[{i}]")))
        }
        (Value::Object(g), Value::Object(w)) => w.iter().find_map(|(k, wv)| match g.get(k) {
            None => Some(format!("{path}.{k}: missing")),
            Some(gv) => first_difference(gv, wv, rtol, &format!("{path}.{k}")),
        }),
        _ => (got != want).then(|| format!("{path}: got {got}, want {want}")),
    }
}

/// Random targets a loss can read: one-hot rows, 0/1 labels, or N(0, 1) values.
pub fn random_targets(loss: Loss, rows: usize, outputs: usize, rng: &mut StdRng) -> Array2<f64> {
    let mut y = Array2::zeros((rows, outputs));
    for r in 0..rows {
        match loss {
            Loss::SoftmaxCrossEntropy => y[[r, rng.random_range(0..outputs)]] = 1.0,
            Loss::SigmoidCrossEntropy => y[[r, 0]] = f64::from(rng.random_range(0..2u8)),
            Loss::Mse | Loss::Sse => {
                for c in 0..outputs {
                    y[[r, c]] = standard_normal(rng);
                }
            }
        }
    }
    y
}
