//! The blow-up guard: it notices training that has gone wrong while every number is
//! still finite (a loss far above its running minimum, weights grown by orders of
//! magnitude, a ReLU layer whose every unit is dead) and says what probably caused it:
//! the learning rate, or the initial weight scale.

use super::activation::Activation;
use super::network::Network;
use super::number::Real;
use ndarray::ArrayView2;

/// Weight of the newest cost in the smoothed cost.
const SMOOTHING: f64 = 0.2;
/// Steps before the guard judges the loss: the smoothed cost needs a few to settle.
const WARM_UP: u64 = 5;
/// The smoothed cost has blown up when it exceeds this many times its running minimum...
const LOSS_RATIO: f64 = 10.0;
/// ...and this many times where it started.
const START_RATIO: f64 = 2.0;
/// A layer's weights have blown up when their norm exceeds this many times their norm
/// at the start (or 1, if that was smaller).
const WEIGHT_RATIO: f64 = 100.0;
/// An initial layer whose weights' RMS exceeds Xavier's by this factor is "large".
const LARGE_INIT: f64 = 10.0;

/// What the guard found, worded for the student.
#[derive(Debug, Clone, PartialEq)]
pub struct Blowup {
    /// "loss", "weights", "dead_relu" or "non_finite".
    pub kind: &'static str,
    /// What happened, with the numbers.
    pub what: String,
}

/// The guard's running record of one training run.
#[derive(Debug, Clone)]
pub struct Guard {
    smoothed: f64,
    start: f64,
    lowest: f64,
    seen: u64,
    start_norms: Vec<f64>,
    /// (layer, RMS, Xavier's RMS) of the first initial layer far above Xavier's scale.
    large_init: Option<(usize, f64, f64)>,
}

impl Guard {
    /// Starts watching `net`, whose weights are the run's initial ones.
    pub fn new<T: Real>(net: &Network<T>) -> Self {
        let large_init = net.layers.iter().enumerate().find_map(|(l, layer)| {
            let (fan_out, fan_in) = layer.weights().dim();
            let rms = norm(layer.weights().view()) / (layer.weights().len().max(1) as f64).sqrt();
            let xavier = (2.0 / (fan_in + fan_out) as f64).sqrt();
            (rms > LARGE_INIT * xavier).then_some((l + 1, rms, xavier))
        });
        Guard {
            smoothed: f64::NAN,
            start: f64::NAN,
            lowest: f64::INFINITY,
            seen: 0,
            start_norms: net
                .layers
                .iter()
                .map(|l| norm(l.weights().view()))
                .collect(),
            large_init,
        }
    }

    /// Judges the cost of one step.
    pub fn cost(&mut self, cost: f64) -> Option<Blowup> {
        self.seen += 1;
        self.smoothed = if self.smoothed.is_nan() {
            cost
        } else {
            self.smoothed + SMOOTHING * (cost - self.smoothed)
        };
        if self.seen == WARM_UP {
            self.start = self.smoothed;
        }
        if self.seen < WARM_UP {
            return None;
        }
        self.lowest = self.lowest.min(self.smoothed);
        let high =
            self.smoothed > LOSS_RATIO * self.lowest && self.smoothed > START_RATIO * self.start;
        high.then(|| Blowup {
            kind: "loss",
            what: format!(
                "the loss rose to {} (smoothed over the last steps), far above its lowest, {}",
                readable(self.smoothed),
                readable(self.lowest)
            ),
        })
    }

    /// Judges the weights, and the activations of the rows in `activations` (per layer:
    /// rows × units, the output layer last), at the end of an epoch.
    pub fn epoch<T: Real>(
        &self,
        net: &Network<T>,
        activations: Option<Vec<ArrayView2<T>>>,
    ) -> Option<Blowup> {
        for (l, (layer, &start)) in net.layers.iter().zip(&self.start_norms).enumerate() {
            let now = norm(layer.weights().view());
            if now > WEIGHT_RATIO * start.max(1.0) {
                return Some(Blowup {
                    kind: "weights",
                    what: format!(
                        "the weights of layer {} grew from norm {} to {}",
                        l + 1,
                        readable(start),
                        readable(now)
                    ),
                });
            }
        }
        let activations = activations?;
        for (l, (layer, a)) in net.layers.iter().zip(activations).enumerate() {
            if layer.activation_or_identity() == Activation::Relu
                && a.nrows() > 0
                && a.iter().all(|v| *v == T::zero())
            {
                return Some(Blowup {
                    kind: "dead_relu",
                    what: format!(
                        "every ReLU unit of layer {} is dead: each outputs 0 for all {} rows checked, so no gradient flows through it",
                        l + 1,
                        a.nrows()
                    ),
                });
            }
        }
        None
    }

    /// The whole message: what happened, at which step, and the likely cause.
    pub fn explain(&self, what: &str, step: u64, learning_rate: f64) -> String {
        let cause = match self.large_init {
            Some((layer, rms, xavier)) => format!(
                "The likely cause is the initial weight scale: layer {layer} started with weights of RMS {}, where Xavier's would be {}. Choose a smaller scale (or Xavier) and reset.",
                readable(rms),
                readable(xavier)
            ),
            None => format!(
                "The likely cause is the learning rate, {}: lower it (try a tenth).",
                readable(learning_rate)
            ),
        };
        format!("{what}, at step {step}. {cause}")
    }

    /// Starts the loss record afresh: after a restore, or when the student trains on
    /// past a blow-up on purpose.
    pub fn rebase(&mut self) {
        self.smoothed = f64::NAN;
        self.lowest = f64::INFINITY;
        self.seen = 0;
    }
}

/// The Euclidean norm, scaled by the largest magnitude first so that weights of 1e200
/// do not overflow to infinity.
fn norm<T: Real>(w: ArrayView2<T>) -> f64 {
    let top = w.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs()));
    if top == 0.0 || !top.is_finite() {
        return top;
    }
    top * w
        .iter()
        .map(|v| (v.to_f64() / top).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// A number as a person reads it: four significant digits, in exponent form when very
/// large or small (never a 300-digit integer).
pub fn readable(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{:.4}", v);
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() || t == "-" {
            "0".into()
        } else {
            t.into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use ndarray::Array2;

    fn net(scale: f64, activation: Activation) -> Network<f64> {
        let arch = Architecture {
            input_dim: 2,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(4, activation), (1, Activation::Identity)]),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut n = Network::zeros(&arch).unwrap();
        for l in &mut n.layers {
            l.weights_mut().fill(0.3 * scale);
        }
        n
    }

    #[test]
    fn a_loss_that_settles_is_left_alone_and_one_that_soars_is_caught() {
        let mut g = Guard::new(&net(1.0, Activation::Tanh));
        for i in 0..500 {
            let noisy = 0.7 * (-(i as f64) / 50.0).exp() + 0.02 * ((i % 7) as f64);
            assert_eq!(g.cost(noisy), None, "step {i}");
        }
        let mut fired = None;
        for i in 0..20 {
            fired = fired.or(g.cost(40.0).map(|b| (i, b)));
        }
        let (after, b) = fired.expect("the guard fires");
        assert!(after < 10, "within a few steps, not {after}");
        assert_eq!(b.kind, "loss");
        assert!(b.what.contains("far above its lowest"), "{}", b.what);
    }

    #[test]
    fn the_cause_is_the_learning_rate_unless_the_initial_weights_were_huge() {
        let g = Guard::new(&net(1.0, Activation::Tanh));
        assert!(g.explain("x", 3, 100.0).contains("learning rate, 100:"));
        let g = Guard::new(&net(1e200, Activation::Tanh));
        let text = g.explain("x", 3, 0.03);
        assert!(text.contains("initial weight scale"), "{text}");
        assert!(text.contains("3.000e199"), "{text}");
    }

    #[test]
    fn weights_grown_a_hundredfold_and_a_dead_relu_layer_are_caught() {
        let start = net(1.0, Activation::Relu);
        let g = Guard::new(&start);
        assert_eq!(g.epoch(&start, None), None);
        let grown = net(1000.0, Activation::Relu);
        assert_eq!(g.epoch(&grown, None).unwrap().kind, "weights");
        let alive = Array2::from_elem((3, 4), 0.5);
        let dead = Array2::<f64>::zeros((3, 4));
        let out = Array2::<f64>::zeros((3, 1));
        assert_eq!(g.epoch(&start, Some(vec![alive.view(), out.view()])), None);
        let b = g
            .epoch(&start, Some(vec![dead.view(), out.view()]))
            .unwrap();
        assert_eq!(b.kind, "dead_relu");
        assert!(b.what.contains("layer 1"), "{}", b.what);
        let tanh = net(1.0, Activation::Tanh);
        assert_eq!(g.epoch(&tanh, Some(vec![dead.view(), out.view()])), None);
    }

    #[test]
    fn numbers_read_as_a_person_writes_them() {
        assert_eq!(readable(100.0), "100");
        assert_eq!(readable(0.03), "0.03");
        assert_eq!(readable(1e300), "1.000e300");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(-2.5), "-2.5");
    }
}
