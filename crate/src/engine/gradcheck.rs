//! The gradient check: backprop's dC/dtheta against central differences
//! (C(theta + eps) - C(theta - eps)) / (2 eps), parameter by parameter, in f64.

use super::error::Result;
use super::network::Network;
use super::ops::Mode;
use ndarray::ArrayView2;

/// Default finite-difference step.
pub const DEFAULT_EPSILON: f64 = 1e-6;

/// The comparison for one tensor (a layer's weights or biases).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorCheck {
    /// Layer index, from 0 at the input side.
    pub layer: usize,
    /// The parameter's name ("weights", "biases").
    pub tensor: &'static str,
    /// Backprop's gradient, row-major.
    pub analytic: Vec<f64>,
    /// Central differences, row-major.
    pub numeric: Vec<f64>,
    /// |g - n| / max(|g|, |n|) per parameter (0 where both are 0).
    pub relative_error: Vec<f64>,
    /// The largest relative error in the tensor.
    pub max_relative_error: f64,
}

/// |a - b| / max(|a|, |b|), 0 when both are 0: the notebooks' relative error.
pub fn relative_error(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    (a - b).abs() / scale
}

/// Checks every weight and bias of `net` on (x, y) in evaluation mode. x: (N, input_dim),
/// y: (N, outputs).
pub fn check(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    eps: f64,
) -> Result<Vec<TensorCheck>> {
    check_in(net, Mode::Eval, 0, x, y, eps)
}

/// [`check`] in `mode`. Every evaluation runs with the same `seed`, so dropout's masks
/// are held fixed; in training, batch norm uses each probe's batch statistics, so the
/// check covers their gradient too. Non-trained buffers are not probed.
pub fn check_in(
    net: &Network<f64>,
    mode: Mode,
    seed: u64,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    eps: f64,
) -> Result<Vec<TensorCheck>> {
    let (_, _, grads) = net.cost_and_gradients_in(mode, seed, x, y)?;
    let mut probe = net.clone();
    let cost_at = |probe: &Network<f64>| -> Result<f64> {
        let trace = probe.forward_in(mode, seed, x)?;
        Ok(probe.cost(&trace, y))
    };
    let mut out = Vec::with_capacity(2 * net.layers.len());
    for l in 0..net.layers.len() {
        for (p, spec) in net.layers[l].params().iter().enumerate() {
            let analytic: Vec<f64> = grads.params[l][p].values.clone();
            let tensor = spec.name;
            let mut numeric = Vec::with_capacity(analytic.len());
            for i in 0..analytic.len() {
                let original = *param(&mut probe, l, p, i);
                *param(&mut probe, l, p, i) = original + eps;
                let plus = cost_at(&probe)?;
                *param(&mut probe, l, p, i) = original - eps;
                let minus = cost_at(&probe)?;
                *param(&mut probe, l, p, i) = original;
                numeric.push((plus - minus) / (2.0 * eps));
            }
            let relative_error: Vec<f64> = analytic
                .iter()
                .zip(&numeric)
                .map(|(&g, &n)| relative_error(g, n))
                .collect();
            let max_relative_error = relative_error.iter().fold(0.0f64, |m, &e| m.max(e));
            out.push(TensorCheck {
                layer: l,
                tensor,
                analytic,
                numeric,
                relative_error,
                max_relative_error,
            });
        }
    }
    Ok(out)
}

/// Value `i` (row-major) of parameter `p` of operation `l`.
fn param(net: &mut Network<f64>, l: usize, p: usize, i: usize) -> &mut f64 {
    &mut net.layers[l].param_mut(p)[i]
}
