//! Four lanes of a real type, so that one generic loop runs as simd128 instructions for
//! f32 in the browser and as plain arrays elsewhere (f64, and native tests).

#[cfg(doc)]
use super::activation::Activation;
use super::real::Real;
use std::ops::{Add, Mul, Sub};

/// Four values that add, subtract and multiply lane by lane.
pub trait Quad<T: Real>:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// All four lanes set to `v`.
    fn splat(v: T) -> Self;
    /// The first four values of `s`.
    fn load(s: &[T]) -> Self;
    /// Writes the lanes into the first four values of `s`.
    fn store(self, s: &mut [T]);
    /// The sum of the lanes.
    fn sum(self) -> T;
    /// The sums of the lanes of four values, as four lanes: cheaper than four
    /// [`Quad::sum`] calls.
    fn sum4(q: [Self; 4]) -> Self;
    /// tanh of each lane, by [`Real::tanh_fast`]'s method.
    fn tanh(self) -> Self;
    /// max(0, v) of each lane, 0 for NaN (as [`Activation::Relu`]).
    fn relu(self) -> Self;
    /// Each lane of self, or 0 where z <= 0 (ReLU's backward step).
    fn zero_where_nonpositive(self, z: Self) -> Self;
    /// The first `n` lanes (n <= 4), the others 0: in registers, where zeroing a few
    /// values in memory would take a `memory.fill`.
    fn keep_first(self, n: usize) -> Self;
    /// `f` of each lane, one at a time.
    #[inline(always)]
    fn map(self, f: impl Fn(T) -> T) -> Self {
        let mut v = [T::zero(); 4];
        self.store(&mut v);
        Self::load(&v.map(f))
    }
}

/// The sum of squares of `s`, four lanes at a time (a plain fold would wait on every add).
pub fn sum_squares<T: Real>(s: &[T]) -> T {
    let chunks = s.chunks_exact(4);
    let tail = chunks.remainder().iter().fold(T::zero(), |t, &v| t + v * v);
    let acc = chunks.fold(T::Quad::splat(T::zero()), |acc, c| {
        let v = T::Quad::load(c);
        acc + v * v
    });
    acc.sum() + tail
}

/// True when no value of `s` is NaN or infinite: v * 0 is 0 for finite v and NaN
/// otherwise, and a NaN survives the sum.
pub fn all_finite<T: Real>(s: &[T]) -> bool {
    let zero = T::Quad::splat(T::zero());
    let chunks = s.chunks_exact(4);
    let tail = chunks.remainder().iter().all(|v| v.is_finite());
    let acc = chunks.fold(zero, |acc, c| acc + T::Quad::load(c) * zero);
    tail && acc.sum() == T::zero()
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

impl<T: Real> Quad<T> for Four<T> {
    #[inline(always)]
    fn splat(v: T) -> Self {
        Four([v; 4])
    }
    #[inline(always)]
    fn load(s: &[T]) -> Self {
        Four([s[0], s[1], s[2], s[3]])
    }
    #[inline(always)]
    fn store(self, s: &mut [T]) {
        s[..4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn sum(self) -> T {
        let a = self.0;
        (a[0] + a[2]) + (a[1] + a[3])
    }
    #[inline(always)]
    fn sum4(q: [Self; 4]) -> Self {
        Four(q.map(Self::sum))
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        let mut a = self.0;
        T::tanh_fast(&self.0, &mut a);
        Four(a)
    }
    #[inline(always)]
    fn relu(self) -> Self {
        Four(self.0.map(|v| if v > T::zero() { v } else { T::zero() }))
    }
    #[inline(always)]
    fn keep_first(self, n: usize) -> Self {
        Four(std::array::from_fn(|l| {
            if l < n {
                self.0[l]
            } else {
                T::zero()
            }
        }))
    }
    #[inline(always)]
    fn zero_where_nonpositive(self, z: Self) -> Self {
        Four(std::array::from_fn(|l| {
            if z.0[l] <= T::zero() {
                T::zero()
            } else {
                self.0[l]
            }
        }))
    }
}

/// The f32 lanes the engine uses: a simd128 register in wasm.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::F32x4;

/// The f32 lanes the engine uses: an array off wasm.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type F32x4 = Four<f32>;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::Quad;
    use core::arch::wasm32::*;
    use std::ops::{Add, Mul, Sub};

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

    impl Quad<f32> for F32x4 {
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
            F32x4(crate::engine::kernels::tanh4(self.0))
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
