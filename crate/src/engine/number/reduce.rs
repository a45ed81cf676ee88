//! Reductions over whole buffers, four lanes at a time (a plain fold would wait on
//! every add): the gradient norms and the trainer's overflow check.

use super::lanes::Lanes;
use super::scalar::Real;

/// The sum of squares of `s`.
pub fn sum_squares<T: Real>(s: &[T]) -> T {
    let chunks = s.chunks_exact(4);
    let tail = chunks.remainder().iter().fold(T::zero(), |t, &v| t + v * v);
    let acc = chunks.fold(T::Lanes::splat(T::zero()), |acc, c| {
        let v = T::Lanes::load(c);
        acc + v * v
    });
    acc.sum() + tail
}

/// True when no value of `s` is NaN or infinite: v * 0 is 0 for finite v and NaN
/// otherwise, and a NaN survives the sum.
pub fn all_finite<T: Real>(s: &[T]) -> bool {
    let zero = T::Lanes::splat(T::zero());
    let chunks = s.chunks_exact(4);
    let tail = chunks.remainder().iter().all(|v| v.is_finite());
    let acc = chunks.fold(zero, |acc, c| acc + T::Lanes::load(c) * zero);
    tail && acc.sum() == T::zero()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_see_every_value() {
        let mut v: Vec<f32> = (0..11).map(|i| i as f32 - 5.0).collect();
        assert_eq!(sum_squares(&v), v.iter().map(|x| x * x).sum::<f32>());
        assert!(all_finite(&v));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for i in [0, 7, 10] {
                let keep = v[i];
                v[i] = bad;
                assert!(!all_finite(&v), "{bad} at {i}");
                v[i] = keep;
            }
        }
    }
}
