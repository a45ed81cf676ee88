//! Nudge curves: sweep one parameter over w + d and record, at each point, the unit's
//! pre-activation z, the network's output a and the cost C; with backprop's dC/dw and
//! the central difference at d = 0 to compare.

use super::error::{EngineError, Result};
use super::gradcheck::DEFAULT_EPSILON;
use super::ledger::Param;
use super::network::Network;
use ndarray::ArrayView2;

/// The sweep, in f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Nudge {
    /// The parameter's current value w.
    pub value: f64,
    /// w + d at each point.
    pub w: Vec<f64>,
    /// z of the parameter's unit (mean over the rows).
    pub z: Vec<f64>,
    /// The first network output (mean over the rows).
    pub a: Vec<f64>,
    /// The cost C (reduced over the rows, plus the penalty).
    pub cost: Vec<f64>,
    /// z at d = 0.
    pub z_now: f64,
    /// a at d = 0.
    pub a_now: f64,
    /// C at d = 0.
    pub cost_now: f64,
    /// dC/dw from backprop at d = 0.
    pub backprop: f64,
    /// dC/dw from central differences at d = 0.
    pub numeric: f64,
}

fn set(net: &mut Network<f64>, p: Param, v: f64) {
    let l = &mut net.layers[p.layer];
    match p.input {
        Some(i) => l.weights_mut()[[p.unit, i]] = v,
        None => l.biases_mut()[p.unit] = v,
    }
}

/// Sweeps `p` over w + d for `points` values of d evenly in [-half_width, half_width]
/// (the notebook: 51 points over [-5, 5]) on rows (x, y).
pub fn sweep(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    p: Param,
    half_width: f64,
    points: usize,
) -> Result<Nudge> {
    p.check(net)?;
    if !((2..=1001).contains(&points) && half_width.is_finite() && half_width > 0.0) {
        return Err(EngineError::Limit(format!(
            "a sweep has 2 to 1001 points over a finite positive width, asked for {points} over {half_width}"
        )));
    }
    let value = match p.input {
        Some(i) => net.layers[p.layer].weights()[[p.unit, i]],
        None => net.layers[p.layer].biases()[p.unit],
    };
    let mut probe = net.clone();
    let mut out = Nudge {
        value,
        w: Vec::with_capacity(points),
        z: Vec::with_capacity(points),
        a: Vec::with_capacity(points),
        cost: Vec::with_capacity(points),
        z_now: 0.0,
        a_now: 0.0,
        cost_now: 0.0,
        backprop: 0.0,
        numeric: 0.0,
    };
    let eval = |probe: &mut Network<f64>, v: f64| -> Result<(f64, f64, f64)> {
        set(probe, p, v);
        let trace = probe.forward(x)?;
        let z = trace.z(p.layer).column(p.unit).mean().unwrap_or(f64::NAN);
        let a = trace.output().column(0).mean().unwrap_or(f64::NAN);
        Ok((z, a, probe.cost(&trace, y)))
    };
    for k in 0..points {
        let d = -half_width + 2.0 * half_width * k as f64 / (points - 1) as f64;
        let (z, a, c) = eval(&mut probe, value + d)?;
        out.w.push(value + d);
        out.z.push(z);
        out.a.push(a);
        out.cost.push(c);
    }
    let h = DEFAULT_EPSILON.max(1e-6 * value.abs());
    let plus = eval(&mut probe, value + h)?.2;
    let minus = eval(&mut probe, value - h)?.2;
    (out.z_now, out.a_now, out.cost_now) = eval(&mut probe, value)?;
    out.numeric = (plus - minus) / (2.0 * h);
    let (_, _, grads) = net.cost_and_gradients(x, y)?;
    out.backprop = match p.input {
        Some(i) => grads.dw(p.layer)[[p.unit, i]],
        None => grads.db(p.layer)[p.unit],
    };
    Ok(out)
}
