//! The fast tanh: a rational approximation accurate to 4.5e-7 relative to tanh z
//! (within the 5e-7 the activation tests hold every f32 tanh to), because the libm call is the largest single cost of a narrow tanh
//! network, and inside the panel step the tanh is still a third of the arithmetic. One
//! formula serves the scalar reference and the lanes ([`rational`] is generic over the
//! arithmetic), so the two cannot drift apart; [`Each`] runs it over several registers
//! at once. The f64 paths keep libm's exact tanh.

use std::ops::{Add, Div, Mul};

/// Where f32 tanh rounds to +-1: inputs are clamped to it first.
pub const CLAMP: f32 = 7.905_311;

/// Numerator coefficients of x^1, x^3, x^5, x^7: a degree-7 over degree-8 rational
/// fitted to tanh on [0, CLAMP] for the least largest relative error (Lawson's
/// iteration), rounded to f32. Seven multiply-adds, where the degree-13 over degree-6
/// one it replaces took nine.
const NUM: [f32; 4] = [0.999_999_9, 0.129_339_58, 2.959_976_4e-3, 1.152_637_4e-5];
/// Denominator coefficients of x^2, x^4, x^6, x^8 (the constant term is 1).
const DEN: [f32; 4] = [0.462_671_85, 2.385_206_1e-2, 2.399_412_9e-4, 2.490_779_7e-7];

/// x num(x^2) / den(x^2) for an x already clamped to [-CLAMP, CLAMP], in any type with
/// the arithmetic (f32, or four lanes of it, the coefficients made by `splat`), each
/// Horner step p x^2 + c by `madd(p, x^2, c)` (fused where the lanes have it).
#[inline(always)]
pub fn rational<V>(x: V, splat: impl Fn(f32) -> V, madd: impl Fn(V, V, V) -> V) -> V
where
    V: Copy + Add<Output = V> + Mul<Output = V> + Div<Output = V>,
{
    let x2 = x * x;
    let num = NUM[..3]
        .iter()
        .rev()
        .fold(splat(NUM[3]), |p, &c| madd(p, x2, splat(c)));
    let den = DEN[..3]
        .iter()
        .rev()
        .fold(splat(DEN[3]), |p, &c| madd(p, x2, splat(c)));
    x * num / madd(den, x2, splat(1.0))
}

/// `N` values of an arithmetic type taken together, operation by operation: [`rational`]
/// over `Each` evaluates the registers of a panel's unit side by side, so their
/// independent Horner chains and divisions overlap instead of each waiting on the one
/// before. Every lane sees the same operations in the same order as alone.
#[derive(Clone, Copy, Debug)]
pub struct Each<V, const N: usize>(pub [V; N]);

impl<V: Copy + Add<Output = V>, const N: usize> Add for Each<V, N> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Each(std::array::from_fn(|k| self.0[k] + o.0[k]))
    }
}

impl<V: Copy + Mul<Output = V>, const N: usize> Mul for Each<V, N> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Each(std::array::from_fn(|k| self.0[k] * o.0[k]))
    }
}

impl<V: Copy + Div<Output = V>, const N: usize> Div for Each<V, N> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        Each(std::array::from_fn(|k| self.0[k] / o.0[k]))
    }
}

/// The scalar reference: tanh z by [`rational`], z clamped first.
#[inline]
pub fn tanh_rational(z: f32) -> f32 {
    rational(z.clamp(-CLAMP, CLAMP), |c| c, |p, x2, c| p * x2 + c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rational_tanh_is_within_5e_7_relative_everywhere_and_never_past_one() {
        let mut worst = 0f64;
        for i in -240_000..=240_000 {
            let x = i as f32 * 5e-5;
            let exact = f64::from(x).tanh();
            let got = tanh_rational(x);
            let err = (f64::from(got) - exact).abs();
            assert!(
                err <= 5e-7 * exact.abs(),
                "tanh({x}) = {got}, exact {exact}"
            );
            assert!(got.abs() <= 1.0, "tanh({x}) = {got}");
            worst = worst.max(err);
        }
        // The bound is the fit's, not a loose one: the largest error is close to it.
        assert!(worst > 3e-7, "{worst}");
        for big in [-1e30f32, -9.0, 9.0, 1e30] {
            assert!((tanh_rational(big) - big.signum()).abs() <= 5e-7, "{big}");
        }
        assert!(tanh_rational(f32::NAN).is_nan());
    }

    #[test]
    fn the_rational_over_several_values_at_once_is_the_rational_of_each_bit_for_bit() {
        let x: [f32; 3] = [-0.731, 1e-3, 5.25];
        let together = rational(Each(x), |c| Each([c; 3]), |p, x2, c| p * x2 + c);
        for (got, &x) in together.0.iter().zip(&x) {
            assert_eq!(got.to_bits(), tanh_rational(x).to_bits(), "{x}");
        }
    }
}
