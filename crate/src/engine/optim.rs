//! Optimisers: how a gradient becomes a parameter update. Their state (velocities,
//! moments) is allocated once per network shape.

use super::error::{EngineError, Result};
use super::network::{Gradients, Network};
use super::number::reduce::{descend_measured, Measured};
use super::number::Real;
use super::ops::Tensor;

/// The update rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// w -= lr * g
    Sgd,
    /// v = beta v - lr g; w += v
    Momentum {
        /// Velocity decay, typically 0.9.
        beta: f64,
    },
    /// Adam (Kingma and Ba) with bias correction.
    Adam {
        /// First-moment decay, typically 0.9.
        beta1: f64,
        /// Second-moment decay, typically 0.999.
        beta2: f64,
        /// Added to the root of the second moment, typically 1e-8.
        eps: f64,
    },
}

impl Optimizer {
    /// The name used in configurations.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Adam { .. } => "adam",
        }
    }

    /// Parses a name with the usual defaults (momentum 0.9; Adam 0.9, 0.999, 1e-8).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "sgd" => Ok(Optimizer::Sgd),
            "momentum" => Ok(Optimizer::Momentum { beta: 0.9 }),
            "adam" => Ok(Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            }),
            _ => Err(EngineError::Model(format!(
                "unknown optimiser \"{name}\" (known: sgd, momentum, adam)"
            ))),
        }
    }
}

/// Optimiser state for one network.
#[derive(Debug, Clone)]
pub struct OptimState<T> {
    /// The rule.
    pub rule: Optimizer,
    /// beta1^t and beta2^t of Adam's bias correction, kept as running products (a powi
    /// call per step would be hoisted into every rule's path).
    beta_powers: (f64, f64),
    /// First moments (momentum's velocities), shaped like the parameters.
    m: Vec<Vec<Tensor<T>>>,
    /// Adam's second moments.
    v: Vec<Vec<Tensor<T>>>,
}

/// What the trainer records of one update: the Euclidean norm of each layer's
/// gradient, and whether every parameter stayed finite. [`OptimState::step`] measures
/// both in its pass over the parameters.
#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// ||dC/dtheta|| of each layer (all its parameters together).
    pub grad_norms: Vec<f64>,
    /// Whether every parameter is finite after the update.
    pub finite: bool,
}

/// Adds g^2 and p * 0 (0 for a finite p, NaN otherwise) of one updated value to `m`.
#[inline(always)]
fn measure<T: Real>(m: &mut Measured<T>, p: T, g: T) {
    m.grad_squares += g * g;
    m.overflow += p * T::zero();
}

impl<T: Real> OptimState<T> {
    /// Fresh state (zero velocities and moments) for `net`.
    pub fn new(rule: Optimizer, net: &Network<T>) -> Self {
        let needs_m = !matches!(rule, Optimizer::Sgd);
        let needs_v = matches!(rule, Optimizer::Adam { .. });
        OptimState {
            rule,
            beta_powers: (1.0, 1.0),
            m: if needs_m {
                net.zeros_like_params()
            } else {
                Vec::new()
            },
            v: if needs_v {
                net.zeros_like_params()
            } else {
                Vec::new()
            },
        }
    }

    /// Applies one update with learning rate `lr`, measuring into `report` (its norms
    /// resized to the layers) in the same pass: each layer's gradient norm, and whether
    /// every parameter is still finite.
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        grads: &Gradients<T>,
        lr: f64,
        report: &mut UpdateReport,
    ) {
        report.grad_norms.resize(net.layers.len(), 0.0);
        let mut overflow = T::zero();
        let lr_t = T::from_f64(lr);
        if let Optimizer::Adam { beta1, beta2, .. } = self.rule {
            self.beta_powers.0 *= beta1;
            self.beta_powers.1 *= beta2;
        }
        for (l, op) in net.layers.iter_mut().enumerate() {
            let mut layer_squares = T::zero();
            for (p, g) in grads.params[l].iter().enumerate() {
                let w = op.param_mut(p);
                let g = &g.values[..];
                let mut seen = Measured {
                    grad_squares: T::zero(),
                    overflow: T::zero(),
                };
                match self.rule {
                    Optimizer::Sgd => seen = descend_measured(w, g, lr_t),
                    Optimizer::Momentum { beta } => {
                        let beta = T::from_f64(beta);
                        let m = &mut self.m[l][p].values;
                        for ((w, v), &g) in w.iter_mut().zip(m).zip(g) {
                            *v = beta * *v - lr_t * g;
                            *w += *v;
                            measure(&mut seen, *w, g);
                        }
                    }
                    Optimizer::Adam { beta1, beta2, eps } => {
                        let c1 = T::from_f64(1.0 / (1.0 - self.beta_powers.0));
                        let c2 = T::from_f64(1.0 / (1.0 - self.beta_powers.1));
                        let (b1, b2, e) =
                            (T::from_f64(beta1), T::from_f64(beta2), T::from_f64(eps));
                        let (one_b1, one_b2) = (T::one() - b1, T::one() - b2);
                        let m = &mut self.m[l][p].values;
                        let v = &mut self.v[l][p].values;
                        for (((w, m), v), &g) in w.iter_mut().zip(m).zip(v).zip(g) {
                            *m = b1 * *m + one_b1 * g;
                            *v = b2 * *v + one_b2 * g * g;
                            *w -= lr_t * (*m * c1) / ((*v * c2).sqrt() + e);
                            measure(&mut seen, *w, g);
                        }
                    }
                }
                layer_squares += seen.grad_squares;
                overflow += seen.overflow;
            }
            report.grad_norms[l] = layer_squares.to_f64().sqrt();
        }
        report.finite = overflow == T::zero();
    }
}
