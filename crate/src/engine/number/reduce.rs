//! Reductions over whole buffers, four lanes at a time (a plain fold would wait on
//! every add): the plain descent step fused with the gradient norms and the trainer's
//! overflow check, one pass over the parameters ([`descend_measured`]).

use super::lanes::Lanes;
use super::scalar::Real;

/// What one pass of an update saw of a parameter: the sum of squares of its gradient
/// (four lanes of partial sums, then the tail) and a value that is 0 when every updated parameter is
/// finite and NaN otherwise (the sum of p * 0: 0 for a finite p, NaN for NaN or an
/// infinity, and a NaN survives the sum).
#[derive(Debug, Clone, Copy)]
pub struct Measured<T> {
    /// Sum of g^2.
    pub grad_squares: T,
    /// 0 when every new parameter is finite, NaN otherwise.
    pub overflow: T,
}

impl<T: Real> Measured<T> {
    /// Whether every parameter the pass wrote is finite.
    pub fn finite(self) -> bool {
        self.overflow == T::zero()
    }
}

/// p -= lr g, measuring in the same pass what the trainer records of each step: the
/// gradient's sum of squares and whether the new
/// parameters are finite. One pass instead of three over a small network's weights.
pub fn descend_measured<T: Real>(p: &mut [T], g: &[T], lr: T) -> Measured<T> {
    let zero = T::Lanes::splat(T::zero());
    let rate = T::Lanes::splat(lr);
    let (mut sq, mut chk) = (zero, zero);
    let mut pc = p.chunks_exact_mut(4);
    let mut gc = g.chunks_exact(4);
    for (p, g) in (&mut pc).zip(&mut gc) {
        let gv = T::Lanes::load(g);
        let pv = T::Lanes::load(p) - rate * gv;
        pv.store(p);
        sq = sq + gv * gv;
        chk = chk + pv * zero;
    }
    let (mut tail_sq, mut tail_chk) = (T::zero(), T::zero());
    for (p, &g) in pc.into_remainder().iter_mut().zip(gc.remainder()) {
        *p -= lr * g;
        tail_sq += g * g;
        tail_chk += *p * T::zero();
    }
    Measured {
        grad_squares: sq.sum() + tail_sq,
        overflow: chk.sum() + tail_chk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The separate pass the trainer made before: the norms recorded stay the same.
    fn sum_squares<T: Real>(s: &[T]) -> T {
        let chunks = s.chunks_exact(4);
        let tail = chunks.remainder().iter().fold(T::zero(), |t, &v| t + v * v);
        let acc = chunks.fold(T::Lanes::splat(T::zero()), |acc, c| {
            let v = T::Lanes::load(c);
            acc + v * v
        });
        acc.sum() + tail
    }

    #[test]
    fn the_measured_descent_updates_and_measures_as_the_separate_passes_do() {
        for len in [0, 3, 4, 11, 105] {
            let g: Vec<f32> = (0..len).map(|i| (i as f32 * 0.73).sin()).collect();
            let start: Vec<f32> = (0..len).map(|i| i as f32 * 0.1 - 2.0).collect();
            let mut p = start.clone();
            let m = descend_measured(&mut p, &g, 0.03);
            for ((p, s), g) in p.iter().zip(&start).zip(&g) {
                assert_eq!(p.to_bits(), (s - 0.03 * g).to_bits());
            }
            assert_eq!(m.grad_squares.to_bits(), sum_squares(&g).to_bits(), "{len}");
            assert!(m.finite(), "{len}");
            if len > 0 {
                for (at, big) in [(0, f32::MAX), (len - 1, f32::INFINITY)] {
                    let mut p = start.clone();
                    let mut g = g.clone();
                    p[at] = big;
                    g[at] = -f32::MAX;
                    assert!(!descend_measured(&mut p, &g, 1.0).finite(), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn every_value_counts_in_the_sum_of_squares_and_the_overflow_check() {
        let mut v: Vec<f32> = (0..11).map(|i| i as f32 - 5.0).collect();
        assert_eq!(sum_squares(&v), v.iter().map(|x| x * x).sum::<f32>());
        let g = vec![0.0f32; v.len()];
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for i in [0, 7, 10] {
                let keep = v[i];
                v[i] = bad;
                assert!(!descend_measured(&mut v, &g, 0.1).finite(), "{bad} at {i}");
                v[i] = keep;
            }
        }
    }
}
