//! Two paths to a tied W: when a tied layer T uses the transpose of dense layer L's W,
//! W reaches the cost twice, through L's own output (the encoder) and through T (the
//! decoder, Wᵀ). Backprop adds the two into one gradient; this module takes one weight
//! W_ij of L and writes each path's part out on its own, in f64, beside backprop's
//! total and a central difference, so that a student sees the parts add up. For the UCLA
//! autoencoder L = 1/2‖WᵀWx − x‖² with g = WᵀWx − x, the encoder's part is W g xᵀ and
//! the decoder's W x gᵀ.

use super::error::{EngineError, Result};
use super::gradcheck::relative_error;
use super::ledger::Param;
use super::network::Network;
use ndarray::ArrayView2;
use serde::Serialize;

/// One path's part of ∂C/∂W_ij.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPart {
    /// The layer (from 0) whose delta carries this path: L itself (the encoder) or a
    /// tied layer T (a decoder).
    pub layer: usize,
    /// "encoder" for L's own output, "tied" for a decoder path.
    pub kind: &'static str,
    /// The part: Σ over rows of δ_L,i a_in,j (encoder) or a_T,in,i δ_T,j (tied, the
    /// transpose of T's δ a_inᵀ).
    pub value: f64,
}

/// W_ij's gradient, path by path, over the rows given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TiedPaths {
    /// The dense layer L (from 0) whose W is tied.
    pub layer: usize,
    /// Row i of W (L's unit).
    pub unit: usize,
    /// Column j of W (L's input).
    pub input: usize,
    /// The rows the gradient covers.
    pub rows: usize,
    /// "mean" or "sum": how the rows combine.
    pub reduction: &'static str,
    /// The encoder's part first, then each tied layer's, in layer order.
    pub paths: Vec<PathPart>,
    /// The weight penalties' part (l2 W + l1 sign W), 0 when there are none.
    pub penalty: f64,
    /// The paths and the penalty added up here.
    pub sum: f64,
    /// ∂C/∂W_ij as the network's backprop gives it.
    pub backprop: f64,
    /// (C(W_ij + h) − C(W_ij − h)) / 2h.
    pub numeric: f64,
    /// The step h.
    pub epsilon: f64,
    /// |backprop − numeric| / max(|backprop|, |numeric|).
    pub relative_difference: f64,
}

/// The tied layers of `net` that use layer `l`'s W.
pub fn tied_to<T: super::number::Real>(net: &Network<T>, l: usize) -> Vec<usize> {
    (0..net.layers.len())
        .filter(|&t| net.layers[t].ties() == Some(l))
        .collect()
}

/// Each path's part of ∂C/∂W_ij on the rows (x, y) for weight `p` of a dense layer that
/// a tied layer ties to, the sum, backprop's total and the central difference with step
/// `epsilon`. Errors: a bias, a weight that does not exist, or a layer nothing ties to.
pub fn tied_paths(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    p: Param,
    epsilon: f64,
) -> Result<TiedPaths> {
    p.check(net)?;
    let (l, i) = (p.layer, p.unit);
    let Some(j) = p.input else {
        return Err(EngineError::Mismatch(
            "a bias has one path: pick a weight of W".into(),
        ));
    };
    let tied = tied_to(net, l);
    if tied.is_empty() || net.layers[l].dense().is_none() {
        return Err(EngineError::Mismatch(format!(
            "no tied layer uses layer {}'s W: its weights have one path",
            l + 1
        )));
    }
    let (_, trace, grads) = net.cost_and_gradients(x, y)?;
    let n = trace.rows();
    let dot = |a: ArrayView2<f64>, col_a: usize, b: ArrayView2<f64>, col_b: usize| {
        (0..n).map(|r| a[[r, col_a]] * b[[r, col_b]]).sum::<f64>()
    };
    let delta = |k: usize| grads.delta[k].slice(ndarray::s![..n, ..]);
    let mut paths = vec![PathPart {
        layer: l,
        kind: "encoder",
        value: dot(delta(l), i, trace.a(l), j),
    }];
    // T maps L's units back to L's inputs: its z_j = Σ_i a_in,i W_ij + b_j.
    paths.extend(tied.iter().map(|&t| PathPart {
        layer: t,
        kind: "tied",
        value: dot(trace.a(t), i, delta(t), j),
    }));
    let w = net.layers[l].weights()[[i, j]];
    let mut penalty = [0.0];
    net.penalties().add_gradient(&[w], &mut penalty);
    let penalty = penalty[0];
    let sum = paths.iter().map(|q| q.value).sum::<f64>() + penalty;
    let backprop = grads.dw(l)[[i, j]];
    let numeric = central_difference(net, x, y, p, epsilon)?;
    Ok(TiedPaths {
        layer: l,
        unit: i,
        input: j,
        rows: n,
        reduction: net.reduction.name(),
        paths,
        penalty,
        sum,
        backprop,
        numeric,
        epsilon,
        relative_difference: relative_error(backprop, numeric),
    })
}

/// (C(w + h) − C(w − h)) / 2h for the one weight `p`, penalties included.
fn central_difference(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    p: Param,
    h: f64,
) -> Result<f64> {
    let (i, j) = (p.unit, p.input.unwrap_or(0));
    let mut probe = net.clone();
    let mut cost_with = |d: f64| -> Result<f64> {
        probe.layers[p.layer].weights_mut()[[i, j]] = net.layers[p.layer].weights()[[i, j]] + d;
        let trace = probe.forward(x)?;
        Ok(probe.cost(&trace, y))
    };
    Ok((cost_with(h)? - cost_with(-h)?) / (2.0 * h))
}
