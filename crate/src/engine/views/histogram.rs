//! Histograms of every layer's activations over a set of rows: how the initialisation
//! spreads the signal through a deep network. A layer whose activations pile up at the
//! ends of a bounded range is saturated (its derivatives are near zero); one whose
//! activations all sit at zero passes almost nothing on. Both stall backprop.

use crate::engine::activation::Activation;
use crate::engine::error::{EngineError, Result};
use crate::engine::network::Network;
use ndarray::ArrayView2;
use serde::Serialize;

/// Most bins a histogram may ask for.
pub const MAX_BINS: usize = 256;

/// Share of a bounded range, at each end, within which an activation counts as
/// saturated: tanh beyond +-0.98, a sigmoid below 0.01 or above 0.99.
pub const SATURATION_MARGIN: f64 = 0.01;

/// The activations of one layer over the rows, binned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerHistogram {
    /// Activation name of the layer.
    pub activation: &'static str,
    /// Units of the layer.
    pub units: usize,
    /// Lower end of the first bin: the activation's bound, or the smallest value.
    pub lo: f64,
    /// Upper end of the last bin.
    pub hi: f64,
    /// Values per bin; bins are (hi - lo) / bins wide, the last one closed.
    pub counts: Vec<u32>,
    /// Mean of the finite values.
    pub mean: f64,
    /// Standard deviation (population) of the finite values.
    pub std: f64,
    /// For a bounded activation, the fraction of values within
    /// [`SATURATION_MARGIN`] of the range's width from either end; None otherwise.
    pub saturated: Option<f64>,
    /// Values that were not finite (left out of the bins and the statistics).
    pub non_finite: usize,
}

/// The range an activation's output cannot leave, if it has one.
fn bounds(activation: Activation) -> Option<(f64, f64)> {
    match activation {
        Activation::Tanh | Activation::Sin | Activation::Cos => Some((-1.0, 1.0)),
        Activation::Sigmoid => Some((0.0, 1.0)),
        _ => None,
    }
}

/// Bins `values` into `bins` equal bins over [lo, hi] (values outside go to the end
/// bins), with their statistics.
fn histogram(
    activation: Activation,
    units: usize,
    values: impl Iterator<Item = f64> + Clone,
    bins: usize,
) -> LayerHistogram {
    let finite = values.clone().filter(|v| v.is_finite());
    let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
    for v in finite.clone() {
        n += 1;
        sum += v;
        min = min.min(v);
        max = max.max(v);
    }
    let non_finite = values.count() - n;
    let mean = if n > 0 { sum / n as f64 } else { f64::NAN };
    let var = finite.clone().map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(1) as f64;
    let (lo, hi) = match bounds(activation) {
        Some(b) => b,
        None if n == 0 => (-0.5, 0.5),
        None if max - min < 1e-12 * (1.0 + min.abs()) => (min - 0.5, max + 0.5),
        None => (min, max),
    };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u32; bins];
    let margin = SATURATION_MARGIN * (hi - lo);
    let mut at_ends = 0usize;
    for v in finite {
        let k = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[k] += 1;
        if v <= lo + margin || v >= hi - margin {
            at_ends += 1;
        }
    }
    LayerHistogram {
        activation: activation.name(),
        units,
        lo,
        hi,
        counts,
        mean,
        std: var.sqrt(),
        saturated: bounds(activation).map(|_| at_ends as f64 / n.max(1) as f64),
        non_finite,
    }
}

/// One histogram per layer (the output layer last) of the activations a = f(z) that
/// the rows `x` (rows, input_dim) produce, over every unit and row of the layer.
///
/// Errors: `bins` outside 1..=[`MAX_BINS`], no rows, or a width that does not fit.
pub fn layer_histograms(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    bins: usize,
) -> Result<Vec<LayerHistogram>> {
    if !(1..=MAX_BINS).contains(&bins) {
        return Err(EngineError::Mismatch(format!(
            "a histogram has 1 to {MAX_BINS} bins, not {bins}"
        )));
    }
    if x.nrows() == 0 {
        return Err(EngineError::Data(
            "there are no rows to take activations of".into(),
        ));
    }
    let trace = net.forward(x)?;
    Ok(net
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let a = trace.a(l + 1);
            histogram(
                layer.activation_or_identity(),
                layer.output_len(),
                a.iter().copied(),
                bins,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::Init;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// Six tanh layers of 50 units on 200 standard-normal rows of 2 inputs.
    fn deep(init: Init) -> Vec<LayerHistogram> {
        let arch = Architecture {
            input_dim: 2,
            input_shape: None,
            layers: LayerSpec::dense_stack(
                &(0..6)
                    .map(|_| (50, Activation::Tanh))
                    .chain([(1, Activation::Identity)])
                    .collect::<Vec<_>>(),
            ),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut net = Network::<f64>::zeros(&arch).unwrap();
        init.apply(&mut net, 0.0, &mut StdRng::seed_from_u64(4));
        let rng = &mut StdRng::seed_from_u64(5);
        let x = Array2::from_shape_fn((200, 2), |_| crate::engine::init::standard_normal(rng));
        layer_histograms(&net, x.view(), 40).unwrap()
    }

    #[test]
    fn counts_cover_every_value_and_match_a_direct_count() {
        let h = deep(Init::Xavier);
        assert_eq!(h.len(), 7);
        for layer in &h {
            let total: u32 = layer.counts.iter().sum();
            assert_eq!(total as usize, 200 * layer.units);
            assert_eq!(layer.non_finite, 0);
        }
        let values = [-1.0, -0.995, -0.45, 0.01, 0.04, 0.07, 0.55, 1.0];
        let one = histogram(Activation::Tanh, 1, values.iter().copied(), 20);
        assert_eq!((one.lo, one.hi), (-1.0, 1.0));
        // Bins are 0.1 wide from -1: -1 and -0.995 in bin 0, -0.45 in 5, 0.01, 0.04
        // and 0.07 in 10, 0.55 in 15, 1.0 in the closed last bin.
        let mut want = vec![0u32; 20];
        for (k, c) in [(0, 2), (5, 1), (10, 3), (15, 1), (19, 1)] {
            want[k] = c;
        }
        assert_eq!(one.counts, want);
        assert_eq!(one.saturated, Some(3.0 / 8.0));
        let mean = values.iter().sum::<f64>() / 8.0;
        assert!((one.mean - mean).abs() < 1e-15);
    }

    #[test]
    fn large_gaussian_weights_saturate_small_ones_vanish_xavier_neither() {
        let big = deep(Init::Gaussian { std: 1.0 });
        let small = deep(Init::Gaussian { std: 0.01 });
        let xavier = deep(Init::Xavier);
        // From the second hidden layer on, 50 terms of size 1 saturate tanh.
        for (l, h) in big.iter().enumerate().take(6).skip(1) {
            assert!(h.saturated.unwrap() > 0.5, "std 1, layer {l}: {h:?}");
            assert!(h.std > 0.8);
        }
        // Each layer multiplies the spread by about 0.01 * sqrt(50) = 0.07.
        assert!(small[2].std < 1e-3, "std 0.01: {}", small[2].std);
        assert!(small[5].std < 1e-7);
        for (l, h) in xavier.iter().enumerate().take(6) {
            assert!(
                h.std > 0.1 && h.std < 0.8,
                "xavier layer {l}: std {}",
                h.std
            );
            assert!(h.saturated.unwrap() < 0.1);
        }
        // The output layer is unbounded: its range is the data's.
        assert_eq!(xavier[6].saturated, None);
        assert!(xavier[6].lo < xavier[6].hi);
    }

    #[test]
    fn bad_bins_and_no_rows_are_errors() {
        let arch = Architecture {
            input_dim: 2,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(3, Activation::Relu)]),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let net = Network::<f64>::zeros(&arch).unwrap();
        let x = Array2::<f64>::zeros((4, 2));
        assert!(layer_histograms(&net, x.view(), 0).is_err());
        assert!(layer_histograms(&net, x.view(), MAX_BINS + 1).is_err());
        assert!(layer_histograms(&net, Array2::zeros((0, 2)).view(), 10).is_err());
        // All-zero relu activations: a unit-wide range around 0, every value in one bin.
        let h = layer_histograms(&net, x.view(), 10).unwrap();
        assert_eq!((h[0].lo, h[0].hi), (-0.5, 0.5));
        assert_eq!(h[0].counts[5], 12);
        assert_eq!(h[0].std, 0.0);
    }
}
