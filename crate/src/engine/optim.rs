//! Optimisers: how a gradient becomes a parameter update. Their state (velocities,
//! moments) is allocated once per network shape.

use super::error::{EngineError, Result};
use super::flat::{flat, flat_mut};
use super::network::{Gradients, Network};
use super::number::Real;
use ndarray::{Array1, Array2, Zip};

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
    m: Vec<(Array2<T>, Array1<T>)>,
    v: Vec<(Array2<T>, Array1<T>)>,
}

/// p -= lr g over slices, which the compiler vectorises (ndarray's general zip does not).
fn descend<T: Real>(p: &mut [T], g: &[T], lr: T) {
    for (p, &g) in p.iter_mut().zip(g) {
        *p -= lr * g;
    }
}

fn zeros_like<T: Real>(net: &Network<T>) -> Vec<(Array2<T>, Array1<T>)> {
    net.layers
        .iter()
        .map(|l| (Array2::zeros(l.w.raw_dim()), Array1::zeros(l.b.raw_dim())))
        .collect()
}

impl<T: Real> OptimState<T> {
    /// Fresh state (zero velocities and moments) for `net`.
    pub fn new(rule: Optimizer, net: &Network<T>) -> Self {
        let needs_m = !matches!(rule, Optimizer::Sgd);
        let needs_v = matches!(rule, Optimizer::Adam { .. });
        OptimState {
            rule,
            beta_powers: (1.0, 1.0),
            m: if needs_m { zeros_like(net) } else { Vec::new() },
            v: if needs_v { zeros_like(net) } else { Vec::new() },
        }
    }

    /// Applies one update with learning rate `lr`.
    pub fn step(&mut self, net: &mut Network<T>, grads: &Gradients<T>, lr: f64) {
        let lr_t = T::from_f64(lr);
        if let Optimizer::Adam { beta1, beta2, .. } = self.rule {
            self.beta_powers.0 *= beta1;
            self.beta_powers.1 *= beta2;
        }
        for (l, layer) in net.layers.iter_mut().enumerate() {
            let (dw, db) = (&grads.dw[l], &grads.db[l]);
            match self.rule {
                Optimizer::Sgd => {
                    descend(flat_mut(&mut layer.w), flat(dw), lr_t);
                    descend(flat_mut(&mut layer.b), flat(db), lr_t);
                }
                Optimizer::Momentum { beta } => {
                    let beta = T::from_f64(beta);
                    let (mw, mb) = &mut self.m[l];
                    let upd = |p: &mut T, v: &mut T, g: &T| {
                        *v = beta * *v - lr_t * *g;
                        *p += *v;
                    };
                    Zip::from(&mut layer.w).and(mw).and(dw).for_each(upd);
                    Zip::from(&mut layer.b).and(mb).and(db).for_each(upd);
                }
                Optimizer::Adam { beta1, beta2, eps } => {
                    let c1 = T::from_f64(1.0 / (1.0 - self.beta_powers.0));
                    let c2 = T::from_f64(1.0 / (1.0 - self.beta_powers.1));
                    let (b1, b2, e) = (T::from_f64(beta1), T::from_f64(beta2), T::from_f64(eps));
                    let (one_b1, one_b2) = (T::one() - b1, T::one() - b2);
                    let upd = |p: &mut T, m: &mut T, v: &mut T, g: &T| {
                        *m = b1 * *m + one_b1 * *g;
                        *v = b2 * *v + one_b2 * *g * *g;
                        *p -= lr_t * (*m * c1) / ((*v * c2).sqrt() + e);
                    };
                    let (mw, mb) = &mut self.m[l];
                    let (vw, vb) = &mut self.v[l];
                    Zip::from(&mut layer.w)
                        .and(mw)
                        .and(vw)
                        .and(dw)
                        .for_each(upd);
                    Zip::from(&mut layer.b)
                        .and(mb)
                        .and(vb)
                        .and(db)
                        .for_each(upd);
                }
            }
        }
    }
}
