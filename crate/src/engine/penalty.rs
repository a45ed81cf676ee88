//! The penalties on the parameters, in one place: their cost and their share of the
//! gradient, over every parameter whose role is [`Role::Weight`]. A new penalty (L1)
//! joins both functions here.

use super::number::Real;
use super::ops::Role;
use super::ops::{Op, Tensor};

/// The penalty's cost: 1/2 * l2 * the sum of squared weights.
pub fn cost<T: Real>(ops: &[Op<T>], l2: f64) -> T {
    if l2 == 0.0 {
        return T::zero();
    }
    let mut sq = T::zero();
    for op in ops {
        for (p, spec) in op.params().iter().enumerate() {
            if spec.role == Role::Weight {
                sq += op.param(p).iter().fold(T::zero(), |s, &w| s + w * w);
            }
        }
    }
    T::from_f64(0.5 * l2) * sq
}

/// Adds the penalty's gradient, l2 W, to each weight's gradient; `grads` is shaped
/// like the operations' parameters, operation by operation.
pub fn add_gradients<T: Real>(ops: &[Op<T>], l2: f64, grads: &mut [Vec<Tensor<T>>]) {
    if l2 == 0.0 {
        return;
    }
    let l2 = T::from_f64(l2);
    for (op, g) in ops.iter().zip(grads) {
        for (p, spec) in op.params().iter().enumerate() {
            if spec.role == Role::Weight {
                for (g, &w) in g[p].values.iter_mut().zip(op.param(p)) {
                    *g += l2 * w;
                }
            }
        }
    }
}
