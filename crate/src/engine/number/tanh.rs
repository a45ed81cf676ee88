//! The fast tanh: a rational approximation accurate to a few f32 ulp (largest error
//! 4e-7 near |z| = 8, about 1e-7 relative near 0), because the libm call is the largest
//! single cost of a narrow tanh network. One polynomial serves the scalar reference and
//! the lanes ([`rational`] is generic over the arithmetic), so the two cannot drift apart.

use std::ops::{Add, Div, Mul};

/// Where f32 tanh rounds to +-1: inputs are clamped to it first.
pub const CLAMP: f32 = 7.905_311;

/// Numerator coefficients of x^1, x^3, ..., x^13 (published with Eigen's float tanh).
const NUM: [f32; 7] = [
    4.893_524_6e-3,
    6.372_619_5e-4,
    1.485_722_4e-5,
    5.122_297_3e-8,
    -8.604_672e-11,
    2.000_188e-13,
    -2.760_768_4e-16,
];
/// Denominator coefficients of x^0, x^2, x^4, x^6.
const DEN: [f32; 4] = [4.893_525e-3, 2.268_434_7e-3, 1.185_347_1e-4, 1.198_258_4e-6];

/// x num(x^2) / den(x^2) for an x already clamped to [-CLAMP, CLAMP]: an odd degree-13
/// polynomial over an even degree-6 one, in any type with the arithmetic (f32, or four
/// lanes of it, the coefficients made by `splat`).
#[inline(always)]
pub fn rational<V>(x: V, splat: impl Fn(f32) -> V) -> V
where
    V: Copy + Add<Output = V> + Mul<Output = V> + Div<Output = V>,
{
    let x2 = x * x;
    let num = NUM[..6]
        .iter()
        .rev()
        .fold(splat(NUM[6]), |p, &c| p * x2 + splat(c));
    let den = DEN[..3]
        .iter()
        .rev()
        .fold(splat(DEN[3]), |p, &c| p * x2 + splat(c));
    x * num / den
}

/// The scalar reference: tanh z by [`rational`], z clamped first.
#[inline]
pub fn tanh_rational(z: f32) -> f32 {
    rational(z.clamp(-CLAMP, CLAMP), |c| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rational_tanh_is_within_a_few_ulp_everywhere() {
        for i in -200_000..=200_000 {
            let x = i as f32 * 5e-5;
            let exact = f64::from(x).tanh();
            let err = (f64::from(tanh_rational(x)) - exact).abs();
            assert!(err <= 5e-7 * exact.abs(), "tanh({x}), exact {exact}");
        }
        for big in [-1e30f32, -9.0, 9.0, 1e30] {
            assert!((tanh_rational(big) - big.signum()).abs() <= 5e-7, "{big}");
        }
    }
}
