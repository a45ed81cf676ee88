//! The one four-lane type: four values of a real type that add, subtract and multiply
//! lane by lane, so that one generic loop runs as simd128 instructions for f32 in the
//! browser and as plain arrays elsewhere (f64, and native tests). The products, the
//! activations and the dense panels are all written over it.

use super::tanh::tanh_rational;
use std::ops::{Add, Div, Mul, Sub};

/// Four values that add, subtract, multiply and divide lane by lane.
pub trait Lanes<T: Copy + Default>:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// Whether code written over these lanes beats the plain loops for this type: true
    /// for f32 (one simd128 register in the browser, vectorised natively), false for
    /// f64, which the inspection views run at small sizes through the plain loops (and
    /// so keeps the lane kernels and the dense panels out of the module).
    const PAY: bool;
    /// All four lanes set to `v`.
    fn splat(v: T) -> Self;
    /// The first four values of `s`.
    fn load(s: &[T]) -> Self;
    /// Writes the lanes into the first four values of `s`.
    fn store(self, s: &mut [T]);
    /// The four values of `s` from `at`, unchecked: for the kernels' inner loops, which
    /// check their bounds once per block.
    ///
    /// # Safety
    /// `at + 4 <= s.len()`.
    unsafe fn load_at(s: &[T], at: usize) -> Self;
    /// Writes the lanes into `s[at..at + 4]`, unchecked.
    ///
    /// # Safety
    /// `at + 4 <= s.len()`.
    unsafe fn store_at(self, s: &mut [T], at: usize);
    /// self + a b of each lane: one fused multiply-add in a module built with
    /// relaxed SIMD (rounded once, where the plain build rounds the product and the
    /// sum; either is within the f32 tolerances), a multiply and an add otherwise.
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        self + a * b
    }
    /// The sum of the lanes.
    fn sum(self) -> T;
    /// The sums of the lanes of four values, as four lanes: cheaper than four
    /// [`Lanes::sum`] calls.
    fn sum4(q: [Self; 4]) -> Self;
    /// tanh of each lane by this type's fast method: f32 by
    /// [`super::tanh::rational`], f64 by the exact libm function the inspection views
    /// need.
    fn tanh(self) -> Self;
    /// [`Lanes::tanh`] of `N` values at once, lane for lane the same: f32 evaluates them
    /// side by side ([`super::tanh::Each`]), so their latencies overlap.
    #[inline(always)]
    fn tanh_n<const N: usize>(v: [Self; N]) -> [Self; N] {
        v.map(Self::tanh)
    }
    /// max(0, v) of each lane, 0 for NaN (as ReLU).
    fn relu(self) -> Self;
    /// Each lane of self, or 0 where z <= 0 (ReLU's backward step).
    fn zero_where_nonpositive(self, z: Self) -> Self;
    /// The first `n` lanes (n <= 4), the others 0: in registers, where zeroing a few
    /// values in memory would take a `memory.fill`.
    fn keep_first(self, n: usize) -> Self;
    /// `f` of each lane, one at a time.
    #[inline(always)]
    fn map(self, f: impl Fn(T) -> T) -> Self {
        let mut v = [T::default(); 4];
        self.store(&mut v);
        Self::load(&v.map(f))
    }
}

/// Four lanes as an array: LLVM may still vectorise the loops that use it.
#[derive(Clone, Copy, Debug)]
pub struct Four<T>([T; 4]);

impl<T: Copy + Add<Output = T>> Add for Four<T> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        let (a, b) = (self.0, o.0);
        Four([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
    }
}

impl<T: Copy + Sub<Output = T>> Sub for Four<T> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        let (a, b) = (self.0, o.0);
        Four([a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]])
    }
}

impl<T: Copy + Mul<Output = T>> Mul for Four<T> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let (a, b) = (self.0, o.0);
        Four([a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]])
    }
}

impl<T: Copy + Div<Output = T>> Div for Four<T> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let (a, b) = (self.0, o.0);
        Four([a[0] / b[0], a[1] / b[1], a[2] / b[2], a[3] / b[3]])
    }
}

macro_rules! impl_four {
    ($t:ty, $pay:expr, $tanh:expr) => {
        impl Lanes<$t> for Four<$t> {
            const PAY: bool = $pay;
            #[inline(always)]
            fn splat(v: $t) -> Self {
                Four([v; 4])
            }
            #[inline(always)]
            fn load(s: &[$t]) -> Self {
                Four([s[0], s[1], s[2], s[3]])
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                s[..4].copy_from_slice(&self.0);
            }
            #[inline(always)]
            unsafe fn load_at(s: &[$t], at: usize) -> Self {
                debug_assert!(at + 4 <= s.len());
                // SAFETY: the caller keeps at + 4 <= s.len().
                Self::load(unsafe { s.get_unchecked(at..at + 4) })
            }
            #[inline(always)]
            unsafe fn store_at(self, s: &mut [$t], at: usize) {
                debug_assert!(at + 4 <= s.len());
                // SAFETY: as in `load_at`.
                self.store(unsafe { s.get_unchecked_mut(at..at + 4) })
            }
            #[inline(always)]
            fn sum(self) -> $t {
                let a = self.0;
                (a[0] + a[2]) + (a[1] + a[3])
            }
            #[inline(always)]
            fn sum4(q: [Self; 4]) -> Self {
                Four(q.map(Self::sum))
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                Four(self.0.map($tanh))
            }
            #[inline(always)]
            fn relu(self) -> Self {
                Four(self.0.map(|v| if v > 0.0 { v } else { 0.0 }))
            }
            #[inline(always)]
            fn keep_first(self, n: usize) -> Self {
                Four(std::array::from_fn(|l| if l < n { self.0[l] } else { 0.0 }))
            }
            #[inline(always)]
            fn zero_where_nonpositive(self, z: Self) -> Self {
                Four(std::array::from_fn(|l| {
                    if z.0[l] <= 0.0 {
                        0.0
                    } else {
                        self.0[l]
                    }
                }))
            }
        }
    };
}

impl_four!(f64, false, f64::tanh);
impl_four!(f32, true, tanh_rational);

/// The f32 lanes the engine uses: a simd128 register in wasm.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::F32x4;

/// The f32 lanes the engine uses: an array off wasm.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type F32x4 = Four<f32>;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::Lanes;
    use crate::engine::number::tanh::{rational, Each, CLAMP};
    use core::arch::wasm32::*;
    use std::ops::{Add, Div, Mul, Sub};

    /// One simd128 register of four f32.
    #[derive(Clone, Copy, Debug)]
    pub struct F32x4(v128);

    impl Add for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
    }

    impl Sub for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            F32x4(f32x4_sub(self.0, o.0))
        }
    }

    impl Mul for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
    }

    impl Div for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            F32x4(f32x4_div(self.0, o.0))
        }
    }

    impl Lanes<f32> for F32x4 {
        const PAY: bool = true;
        #[inline(always)]
        fn splat(v: f32) -> Self {
            F32x4(f32x4_splat(v))
        }
        #[inline(always)]
        fn load(s: &[f32]) -> Self {
            assert!(s.len() >= 4);
            // SAFETY: four f32 are in bounds (checked above); v128_load allows any alignment.
            F32x4(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            assert!(s.len() >= 4);
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        #[inline(always)]
        unsafe fn load_at(s: &[f32], at: usize) -> Self {
            debug_assert!(at + 4 <= s.len());
            // SAFETY: the caller keeps at + 4 <= s.len(); v128_load allows any alignment.
            F32x4(unsafe { v128_load(s.as_ptr().add(at) as *const v128) })
        }
        #[inline(always)]
        unsafe fn store_at(self, s: &mut [f32], at: usize) {
            debug_assert!(at + 4 <= s.len());
            // SAFETY: as in `load_at`.
            unsafe { v128_store(s.as_mut_ptr().add(at) as *mut v128, self.0) }
        }
        #[cfg(target_feature = "relaxed-simd")]
        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            F32x4(f32x4_relaxed_madd(a.0, b.0, self.0))
        }
        #[inline(always)]
        fn sum(self) -> f32 {
            let v = self.0;
            let pairs = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
            let all = f32x4_add(pairs, i32x4_shuffle::<1, 0, 3, 2>(pairs, pairs));
            f32x4_extract_lane::<0>(all)
        }
        #[inline(always)]
        fn sum4(q: [Self; 4]) -> Self {
            // Pairwise sums of lanes 0+2 and 1+3, two values per register, then of those.
            let [a, b, c, d] = q.map(|x| x.0);
            let ab = f32x4_add(
                i32x4_shuffle::<0, 4, 1, 5>(a, b),
                i32x4_shuffle::<2, 6, 3, 7>(a, b),
            );
            let cd = f32x4_add(
                i32x4_shuffle::<0, 4, 1, 5>(c, d),
                i32x4_shuffle::<2, 6, 3, 7>(c, d),
            );
            F32x4(f32x4_add(
                i32x4_shuffle::<0, 1, 4, 5>(ab, cd),
                i32x4_shuffle::<2, 3, 6, 7>(ab, cd),
            ))
        }
        #[inline(always)]
        fn tanh(self) -> Self {
            let [a] = Self::tanh_n([self]);
            a
        }
        #[inline(always)]
        fn tanh_n<const N: usize>(v: [Self; N]) -> [Self; N] {
            // pmin and pmax are one instruction each and keep a NaN z.
            let clamp = |v: Self| {
                F32x4(f32x4_pmin(
                    f32x4_pmax(v.0, f32x4_splat(-CLAMP)),
                    f32x4_splat(CLAMP),
                ))
            };
            let madd = |p: Each<Self, N>, x2: Each<Self, N>, c: Each<Self, N>| {
                Each(std::array::from_fn(|k| c.0[k].mul_add(p.0[k], x2.0[k])))
            };
            rational(Each(v.map(clamp)), |c| Each([F32x4::splat(c); N]), madd).0
        }
        #[inline(always)]
        fn relu(self) -> Self {
            // pmax(0, v) = 0 < v ? v : 0, so a NaN gives 0.
            F32x4(f32x4_pmax(f32x4_splat(0.0), self.0))
        }
        #[inline(always)]
        fn keep_first(self, n: usize) -> Self {
            let mask = match n {
                0 => u32x4(0, 0, 0, 0),
                1 => u32x4(!0, 0, 0, 0),
                2 => u32x4(!0, !0, 0, 0),
                3 => u32x4(!0, !0, !0, 0),
                _ => u32x4(!0, !0, !0, !0),
            };
            F32x4(v128_and(self.0, mask))
        }
        #[inline(always)]
        fn zero_where_nonpositive(self, z: Self) -> Self {
            // z <= 0 is false for a NaN z, which keeps its lane, as the scalar step does.
            F32x4(v128_andnot(self.0, f32x4_le(z.0, f32x4_splat(0.0))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_sums_at_once_match_one_at_a_time() {
        let q: [F32x4; 4] = std::array::from_fn(|i| {
            let v: Vec<f32> = (0..4).map(|l| (i * 4 + l) as f32 * 0.37 - 2.0).collect();
            F32x4::load(&v)
        });
        let mut out = [0.0; 4];
        F32x4::sum4(q).store(&mut out);
        assert_eq!(out, q.map(|x| x.sum()));
    }

    #[test]
    fn keep_first_zeros_the_lanes_past_n() {
        let v = F32x4::load(&[1.0, -2.0, f32::NAN, 4.0]);
        for n in 0..=4 {
            let mut out = [9.0; 4];
            v.keep_first(n).store(&mut out);
            for (l, x) in out.iter().enumerate() {
                assert!(
                    if l < n {
                        x.to_bits() == [1.0f32, -2.0, f32::NAN, 4.0][l].to_bits()
                    } else {
                        *x == 0.0
                    },
                    "n={n}: {out:?}"
                );
            }
        }
    }
}
