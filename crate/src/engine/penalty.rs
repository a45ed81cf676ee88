//! The weight penalties added to the cost: L2 (weight decay) and L1 (sparsity). Both
//! act on every parameter whose role is [`Role::Weight`], never on biases, as in the
//! Playground and the notebooks. This is the one place their value and gradient are
//! written, so the plain training step, the fast panel path, the gradient check and
//! the ledger all charge the same cost.
//!
//! C_penalty = l1 * sum |w| + l2 / 2 * sum w^2, and
//! dC_penalty/dw = l1 * sign(w) + l2 * w, where sign(0) = 0: the subgradient of |w| at
//! its kink that leaves a weight sitting exactly at 0 alone.

use super::number::Real;
use super::ops::{Op, Role, Tensor};

/// The strengths of the two penalties; 0 switches one off.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Penalty {
    /// L1 strength: the cost gains l1 * sum of |w|.
    pub l1: f64,
    /// L2 strength: the cost gains l2 / 2 * sum of w^2.
    pub l2: f64,
}

impl Penalty {
    /// True when neither penalty is on, so callers can skip the weights entirely.
    pub fn is_off(self) -> bool {
        self.l1 == 0.0 && self.l2 == 0.0
    }

    /// The penalty of a network's weight tensors (each a flat slice, layer by layer).
    /// Each term is summed tensor by tensor and then over tensors, so an L2-only cost
    /// keeps the rounding it always had.
    pub fn value<'a, T: Real + 'a>(self, weights: impl Iterator<Item = &'a [T]> + Clone) -> T {
        let mut total = T::zero();
        if self.l2 != 0.0 {
            let sq = weights
                .clone()
                .map(|w| w.iter().fold(T::zero(), |s, &v| s + v * v))
                .fold(T::zero(), |s, v| s + v);
            total = T::from_f64(0.5 * self.l2) * sq;
        }
        if self.l1 != 0.0 {
            let abs = weights
                .map(|w| w.iter().fold(T::zero(), |s, &v| s + v.abs()))
                .fold(T::zero(), |s, v| s + v);
            total += T::from_f64(self.l1) * abs;
        }
        total
    }

    /// Adds the penalty's gradient to one tensor's dC/dW: dw += l2 w + l1 sign(w).
    /// w and dw have the same length.
    pub fn add_gradient<T: Real>(self, w: &[T], dw: &mut [T]) {
        if self.l2 != 0.0 {
            let l2 = T::from_f64(self.l2);
            for (d, &v) in dw.iter_mut().zip(w) {
                *d += l2 * v;
            }
        }
        if self.l1 != 0.0 {
            let l1 = T::from_f64(self.l1);
            for (d, &v) in dw.iter_mut().zip(w) {
                *d += l1 * sign(v);
            }
        }
    }
}

/// sign(w): 1, -1, or 0 at 0 (and for NaN, which the guard reports elsewhere).
pub fn sign<T: Real>(w: T) -> T {
    if w > T::zero() {
        T::one()
    } else if w < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

/// The weight parameters of `ops`, each a flat slice, operation by operation.
fn weights<T: Real>(ops: &[Op<T>]) -> impl Iterator<Item = &[T]> + Clone {
    ops.iter().flat_map(|op| {
        op.params()
            .iter()
            .enumerate()
            .filter(|(_, spec)| spec.role == Role::Weight)
            .map(move |(p, _)| op.param(p))
    })
}

/// The penalties' cost over the weights of `ops`.
pub fn cost<T: Real>(ops: &[Op<T>], p: Penalty) -> T {
    if p.is_off() {
        return T::zero();
    }
    p.value(weights(ops))
}

/// Adds the penalties' gradient to each weight's gradient; `grads` is shaped like the
/// operations' parameters, operation by operation.
pub fn add_gradients<T: Real>(ops: &[Op<T>], p: Penalty, grads: &mut [Vec<Tensor<T>>]) {
    if p.is_off() {
        return;
    }
    for (op, g) in ops.iter().zip(grads) {
        for (i, spec) in op.params().iter().enumerate() {
            if spec.role == Role::Weight {
                p.add_gradient(op.param(i), &mut g[i].values);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_and_gradient_follow_the_formulas() {
        let w = [0.5, -2.0, 0.0];
        let p = Penalty { l1: 0.1, l2: 0.0 };
        assert!((p.value([&w[..]].into_iter()) - 0.25).abs() < 1e-15);
        let mut dw = [1.0, 1.0, 1.0];
        p.add_gradient(&w, &mut dw);
        // sign(0) = 0: the weight at the kink gets no push.
        assert_eq!(dw, [1.1, 0.9, 1.0]);
        let both = Penalty { l1: 0.1, l2: 0.2 };
        let v: f64 = both.value([&w[..], &[1.0][..]].into_iter());
        assert!((v - (0.1 * 3.5 + 0.1 * 5.25)).abs() < 1e-15, "{v}");
        let mut dw = [0.0; 3];
        both.add_gradient(&w, &mut dw);
        assert!((dw[0] - 0.2).abs() < 1e-15 && (dw[1] + 0.5).abs() < 1e-15 && dw[2] == 0.0);
        assert!(Penalty::default().is_off() && !p.is_off());
        assert_eq!(Penalty::default().value::<f64>([&w[..]].into_iter()), 0.0);
    }
}
