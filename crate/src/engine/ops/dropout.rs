//! Inverted dropout: in training each value is kept with probability 1 - p and scaled by
//! 1 / (1 - p), so that evaluation, which copies, needs no rescaling. The mask is drawn
//! from the pass's seed (the trainer's seed and step), kept for backward, and is the same
//! for the same seed: how the gradient check holds it fixed.

use super::operation::{Mode, Operation, Outputs, Pass, Saved, Shape, Tensor};
use crate::engine::error::{EngineError, Result};
use crate::engine::number::Real;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Map, Value};

/// A dropout layer over rows of this shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropout {
    /// The shape in, and out.
    pub shape: Shape,
    /// The probability of dropping a value, in [0, 1).
    pub p: f64,
}

impl Dropout {
    /// Dropout with probability `p`, checked to lie in [0, 1).
    pub fn new(shape: Shape, p: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(EngineError::Model(format!(
                "p must be a probability from 0 up to (not including) 1, got {p}"
            )));
        }
        Ok(Dropout { shape, p })
    }
}

impl<T: Real> Operation<T> for Dropout {
    fn kind(&self) -> &'static str {
        "dropout"
    }
    fn input_shape(&self) -> Shape {
        self.shape
    }
    fn output_shape(&self) -> Shape {
        self.shape
    }
    fn hyper(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("p".into(), json!(self.p));
        m
    }
    fn scratch_len(&self, _rows: usize) -> usize {
        0
    }
    /// The mask: 0 or 1 / (1 - p) per value.
    fn saved_len(&self, rows: usize) -> usize {
        rows * self.shape.len()
    }
    fn forward(&self, pass: Pass<T>, input: &[T], _n: usize, out: Outputs<T>, _s: &mut [T]) {
        match pass.mode {
            Mode::Eval => out.saved.fill(T::one()),
            Mode::Train => {
                let mut rng = StdRng::seed_from_u64(pass.seed);
                let keep = T::from_f64(1.0 / (1.0 - self.p));
                for m in out.saved.iter_mut() {
                    *m = if rng.random::<f64>() < self.p {
                        T::zero()
                    } else {
                        keep
                    };
                }
            }
        }
        for ((z, &x), &m) in out.z.iter_mut().zip(input).zip(out.saved.iter()) {
            *z = x * m;
        }
        out.a.copy_from_slice(out.z);
    }
    fn backward(
        &self,
        _pass: Pass<T>,
        _n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        _grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        _scratch: &mut [T],
    ) {
        if let Some(d) = d_input {
            for ((d, &g), &m) in d.iter_mut().zip(delta.iter()).zip(saved.saved) {
                *d = g * m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::number::kernel::Kernel;

    fn run(mode: Mode, seed: u64) -> Vec<f64> {
        let d = Dropout::new(Shape::Features(1000), 0.25).unwrap();
        let x = vec![2.0; 1000];
        let (mut z, mut a, mut m) = (vec![0.0; 1000], vec![0.0; 1000], vec![0.0; 1000]);
        let pass = Pass {
            mode,
            seed,
            ..Pass::eval(Kernel::Scalar)
        };
        let out = Outputs {
            z: &mut z,
            a: &mut a,
            saved: &mut m,
        };
        Operation::<f64>::forward(&d, pass, &x, 1, out, &mut []);
        a
    }

    #[test]
    fn training_drops_about_p_and_scales_the_rest_evaluation_copies() {
        let a = run(Mode::Train, 7);
        let dropped = a.iter().filter(|&&v| v == 0.0).count();
        assert!(
            (200..300).contains(&dropped),
            "{dropped} of 1000 dropped at p = 0.25"
        );
        assert!(a
            .iter()
            .all(|&v| v == 0.0 || (v - 2.0 / 0.75).abs() < 1e-12));
        assert_eq!(run(Mode::Train, 7), a, "the same seed gives the same mask");
        assert_ne!(run(Mode::Train, 8), a, "another seed another");
        assert!(run(Mode::Eval, 7).iter().all(|&v| v == 2.0));
    }
}
