//! The dense-layer matrix product, C (+)= A B^T with A (n, k) and B (m, k) row-major,
//! in two forms: a scalar reference that is obviously right, and a blocked SIMD form
//! (wasm simd128 on the web; 4-lane portable code that compilers vectorise elsewhere).
//! Every product in a layer's forward and backward pass is put in this one shape, with
//! the reduction running along contiguous rows of both operands.

use super::real::Real;

/// Which implementation runs the products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// Blocked 4 x 4 SIMD kernel for f32; f64 uses the scalar loops.
    #[default]
    Simd,
    /// The plain triple loop.
    Scalar,
}

impl Kernel {
    /// Parses "simd" or "scalar".
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "simd" => Some(Kernel::Simd),
            "scalar" => Some(Kernel::Scalar),
            _ => None,
        }
    }
}

/// c[r][j] = (accumulate ? c[r][j] : 0) + sum_i a[r][i] b[j][i]; a: (n, k), b: (m, k),
/// c: (n, m), all row-major slices of exactly those lengths.
#[allow(clippy::too_many_arguments)]
pub fn gemm_abt<T: Real>(
    kernel: Kernel,
    a: &[T],
    b: &[T],
    c: &mut [T],
    n: usize,
    m: usize,
    k: usize,
    accumulate: bool,
) {
    debug_assert!(a.len() == n * k && b.len() == m * k && c.len() == n * m);
    match kernel {
        Kernel::Simd => T::gemm_abt_fast(a, b, c, n, m, k, accumulate),
        Kernel::Scalar => gemm_abt_scalar(a, b, c, n, m, k, accumulate),
    }
}

/// The reference: one dot product per output.
pub fn gemm_abt_scalar<T: Real>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    n: usize,
    m: usize,
    k: usize,
    accumulate: bool,
) {
    for r in 0..n {
        let ar = &a[r * k..(r + 1) * k];
        for j in 0..m {
            let bj = &b[j * k..(j + 1) * k];
            let mut s = if accumulate { c[r * m + j] } else { T::zero() };
            for i in 0..k {
                s += ar[i] * bj[i];
            }
            c[r * m + j] = s;
        }
    }
}

/// Writes the transpose of `src` (rows, cols) into `dst` (cols, rows).
pub fn transpose<T: Copy>(src: &[T], dst: &mut [T], rows: usize, cols: usize) {
    for r in 0..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/// The blocked f32 kernel: 4 rows of A against 4 rows of B, sixteen 4-lane
/// accumulators over k, then horizontal sums; edges fall back to single dot products.
pub fn gemm_abt_f32(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    n: usize,
    m: usize,
    k: usize,
    accumulate: bool,
) {
    if k < 8 {
        // Too short a reduction for lanes to pay: plain dot products, no index checks.
        for (ar, cr) in a.chunks_exact(k).zip(c.chunks_exact_mut(m)) {
            for (bj, o) in b.chunks_exact(k).zip(cr.iter_mut()) {
                let s = ar.iter().zip(bj).fold(0.0f32, |s, (&x, &y)| s + x * y);
                *o = if accumulate { *o + s } else { s };
            }
        }
        return;
    }
    let k4 = k / 4 * 4;
    let mut r = 0;
    while r + 4 <= n {
        let mut j = 0;
        while j + 4 <= m {
            let mut acc = [[0.0f32; 4]; 4];
            lanes::block4x4(a, b, r, j, k, k4, &mut acc);
            for (dr, row) in acc.iter().enumerate() {
                for (dj, &v) in row.iter().enumerate() {
                    let mut s = v;
                    for i in k4..k {
                        s += a[(r + dr) * k + i] * b[(j + dj) * k + i];
                    }
                    let o = &mut c[(r + dr) * m + j + dj];
                    *o = if accumulate { *o + s } else { s };
                }
            }
            j += 4;
        }
        for rr in r..r + 4 {
            for jj in j..m {
                dot_into(a, b, c, rr, jj, m, k, k4, accumulate);
            }
        }
        r += 4;
    }
    for rr in r..n {
        for jj in 0..m {
            dot_into(a, b, c, rr, jj, m, k, k4, accumulate);
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[inline]
fn dot_into(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    r: usize,
    j: usize,
    m: usize,
    k: usize,
    k4: usize,
    accumulate: bool,
) {
    let ar = &a[r * k..(r + 1) * k];
    let bj = &b[j * k..(j + 1) * k];
    let mut s = lanes::dot(&ar[..k4], &bj[..k4]);
    for i in k4..k {
        s += ar[i] * bj[i];
    }
    let o = &mut c[r * m + j];
    *o = if accumulate { *o + s } else { s };
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    //! wasm simd128: f32x4 registers.
    use core::arch::wasm32::*;

    #[inline]
    fn load(s: &[f32], at: usize) -> v128 {
        debug_assert!(at + 4 <= s.len());
        // SAFETY: the caller keeps `at + 4 <= s.len()` (k4 is a multiple of 4 within
        // each row), and v128_load has no alignment requirement.
        unsafe { v128_load(s.as_ptr().add(at) as *const v128) }
    }

    #[inline]
    fn sum(v: v128) -> f32 {
        f32x4_extract_lane::<0>(v)
            + f32x4_extract_lane::<1>(v)
            + f32x4_extract_lane::<2>(v)
            + f32x4_extract_lane::<3>(v)
    }

    /// acc[dr][dj] = a[r + dr][..k4] . b[j + dj][..k4].
    #[inline]
    pub fn block4x4(
        a: &[f32],
        b: &[f32],
        r: usize,
        j: usize,
        k: usize,
        k4: usize,
        acc: &mut [[f32; 4]; 4],
    ) {
        let mut s = [[f32x4_splat(0.0); 4]; 4];
        let mut i = 0;
        while i < k4 {
            let av = [
                load(a, r * k + i),
                load(a, (r + 1) * k + i),
                load(a, (r + 2) * k + i),
                load(a, (r + 3) * k + i),
            ];
            let bv = [
                load(b, j * k + i),
                load(b, (j + 1) * k + i),
                load(b, (j + 2) * k + i),
                load(b, (j + 3) * k + i),
            ];
            for dr in 0..4 {
                for dj in 0..4 {
                    s[dr][dj] = f32x4_add(s[dr][dj], f32x4_mul(av[dr], bv[dj]));
                }
            }
            i += 4;
        }
        for dr in 0..4 {
            for dj in 0..4 {
                acc[dr][dj] = sum(s[dr][dj]);
            }
        }
    }

    /// x . y over equal lengths that are multiples of 4.
    #[inline]
    pub fn dot(x: &[f32], y: &[f32]) -> f32 {
        let mut s = f32x4_splat(0.0);
        let mut i = 0;
        while i < x.len() {
            s = f32x4_add(s, f32x4_mul(load(x, i), load(y, i)));
            i += 4;
        }
        sum(s)
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    //! The same blocking on 4-lane arrays, which native compilers vectorise.

    #[inline]
    pub fn block4x4(
        a: &[f32],
        b: &[f32],
        r: usize,
        j: usize,
        k: usize,
        k4: usize,
        acc: &mut [[f32; 4]; 4],
    ) {
        let mut s = [[[0.0f32; 4]; 4]; 4];
        let mut i = 0;
        while i < k4 {
            for dr in 0..4 {
                let ar = &a[(r + dr) * k + i..(r + dr) * k + i + 4];
                for dj in 0..4 {
                    let bj = &b[(j + dj) * k + i..(j + dj) * k + i + 4];
                    for l in 0..4 {
                        s[dr][dj][l] += ar[l] * bj[l];
                    }
                }
            }
            i += 4;
        }
        for dr in 0..4 {
            for dj in 0..4 {
                acc[dr][dj] = s[dr][dj].iter().sum();
            }
        }
    }

    #[inline]
    pub fn dot(x: &[f32], y: &[f32]) -> f32 {
        let mut s = [0.0f32; 4];
        for (xc, yc) in x.chunks_exact(4).zip(y.chunks_exact(4)) {
            for l in 0..4 {
                s[l] += xc[l] * yc[l];
            }
        }
        s.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::standard_normal;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// The SIMD and scalar kernels differ only by f32 rounding in the summation order.
    const F32_SUM_TOL: f32 = 1e-5;

    #[test]
    fn simd_kernel_agrees_with_the_scalar_reference_on_every_edge_shape() {
        let rng = &mut StdRng::seed_from_u64(1);
        for &(n, m, k) in &[
            (1, 1, 1),
            (3, 5, 2),
            (4, 4, 4),
            (10, 8, 8),
            (7, 9, 13),
            (32, 10, 64),
            (33, 65, 127),
        ] {
            let a: Vec<f32> = (0..n * k).map(|_| standard_normal(rng) as f32).collect();
            let b: Vec<f32> = (0..m * k).map(|_| standard_normal(rng) as f32).collect();
            for accumulate in [false, true] {
                let start: Vec<f32> = (0..n * m).map(|i| i as f32 * 0.01).collect();
                let mut fast = start.clone();
                let mut slow = start.clone();
                gemm_abt(Kernel::Simd, &a, &b, &mut fast, n, m, k, accumulate);
                gemm_abt(Kernel::Scalar, &a, &b, &mut slow, n, m, k, accumulate);
                for (f, s) in fast.iter().zip(&slow) {
                    assert!(
                        (f - s).abs() <= F32_SUM_TOL * (1.0 + s.abs()),
                        "({n},{m},{k}): {f} vs {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn transpose_round_trips() {
        let src: Vec<i32> = (0..12).collect();
        let mut t = vec![0; 12];
        let mut back = vec![0; 12];
        transpose(&src, &mut t, 3, 4);
        assert_eq!(t[1], 4);
        transpose(&t, &mut back, 4, 3);
        assert_eq!(back, src);
    }
}
