//! The floating-point types the engine runs in: f64 for inspection and gradient checks,
//! f32 for fast training. One trait keeps every formula written once.

use super::kernels::{self, Start, Strided};
use super::quad::{F32x4, Four, Quad};
use ndarray::{LinalgScalar, ScalarOperand};
use std::fmt::{Debug, Display};
use std::ops::{AddAssign, MulAssign, Neg, SubAssign};

/// A real number type the networks can be built over (`f32` or `f64`).
pub trait Real:
    LinalgScalar
    + ScalarOperand
    + PartialOrd
    + Debug
    + Display
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
{
    /// Converts from f64, rounding to the nearest representable value.
    fn from_f64(v: f64) -> Self;
    /// Widens (or copies) to f64.
    fn to_f64(self) -> f64;
    /// Four lanes of this type, a simd128 register where there is one.
    type Quad: Quad<Self>;
    /// Whether the trainer takes [`crate::engine::panel`]'s step when a network is
    /// small: for f32, whose lanes are a simd128 register. f64 trains only for the
    /// benchmark, through the general step, and leaves the panel code out of the module.
    const PANELS: bool;
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
    /// C (+)= A B^T with this type's fastest kernel; see
    /// [`crate::engine::kernels::gemm_abt`] for the shapes.
    #[allow(clippy::too_many_arguments)]
    fn gemm_abt_fast(
        a: &[Self],
        b: &[Self],
        c: &mut [Self],
        n: usize,
        m: usize,
        k: usize,
        accumulate: bool,
    );
    /// [`crate::engine::kernels::gemm_rows`] with this type's fastest kernel.
    #[allow(clippy::too_many_arguments)]
    fn gemm_rows_fast(
        a: Strided<Self>,
        b: &[Self],
        c: &mut [Self],
        p: usize,
        q: usize,
        kd: usize,
        start: Start<Self>,
    );
    /// a = tanh z element-wise with this type's fastest method (f32: vectorised and
    /// within a few ulp; f64: the exact libm function the inspection views need).
    fn tanh_fast(z: &[Self], a: &mut [Self]);
}

macro_rules! impl_real {
    ($t:ty, $quad:ty, $panels:expr, $gemm:path, $rows:path, $tanh:path) => {
        impl Real for $t {
            type Quad = $quad;
            const PANELS: bool = $panels;

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
            #[inline]
            fn gemm_abt_fast(
                a: &[Self],
                b: &[Self],
                c: &mut [Self],
                n: usize,
                m: usize,
                k: usize,
                accumulate: bool,
            ) {
                $gemm(a, b, c, n, m, k, accumulate)
            }
            #[inline]
            fn gemm_rows_fast(
                a: Strided<Self>,
                b: &[Self],
                c: &mut [Self],
                p: usize,
                q: usize,
                kd: usize,
                start: Start<Self>,
            ) {
                $rows(a, b, c, p, q, kd, start)
            }
            #[inline]
            fn tanh_fast(z: &[Self], a: &mut [Self]) {
                $tanh(z, a)
            }
        }
    };
}

impl_real!(
    f32,
    F32x4,
    true,
    kernels::gemm_abt_f32,
    kernels::gemm_rows_f32,
    kernels::tanh_f32
);
impl_real!(
    f64,
    Four<f64>,
    false,
    kernels::gemm_abt_scalar,
    kernels::gemm_rows_axpy,
    exact_tanh
);

fn exact_tanh(z: &[f64], a: &mut [f64]) {
    for (o, &x) in a.iter_mut().zip(z) {
        *o = x.tanh();
    }
}
