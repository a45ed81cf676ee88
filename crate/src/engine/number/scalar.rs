//! The floating-point types the engine runs in: f64 for inspection and gradient checks,
//! f32 for fast training. One scalar trait keeps every formula written once.

use super::lanes::{F32x4, Four, Lanes};
use ndarray::{LinalgScalar, ScalarOperand};
use std::fmt::{Debug, Display};
use std::ops::{AddAssign, MulAssign, Neg, SubAssign};

/// A real number type the networks can be built over (`f32` or `f64`).
pub trait Real:
    LinalgScalar
    + ScalarOperand
    + PartialOrd
    + Default
    + Debug
    + Display
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    /// Four values of this type, a simd128 register where there is one.
    type Lanes: Lanes<Self>;
    /// Converts from f64, rounding to the nearest representable value.
    fn from_f64(v: f64) -> Self;
    /// Widens (or copies) to f64.
    fn to_f64(self) -> f64;
    /// e^x.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// The larger of two values (NaN-ignoring, as `f64::max`).
    fn max(self, other: Self) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $lanes:ty) => {
        impl Real for $t {
            type Lanes = $lanes;

            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
        }
    };
}

impl_real!(f32, F32x4);
impl_real!(f64, Four<f64>);
