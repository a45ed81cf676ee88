//! C (+)= A B^T, the reduction along contiguous rows of both operands, blocked 4 x 4 on
//! the lanes: it pays when the reduction is long (matrix products, wide layers). The
//! plain reference sits beside the lane kernel and the tests hold them together.

use super::kernel::Kernel;
use super::lanes::Lanes;
use super::row_blocks::for_row_blocks;
use super::scalar::Real;

/// c[r][j] = (accumulate ? c[r][j] : 0) + sum_i a[r][i] b[j][i]; a: (n, k), b: (m, k),
/// c: (n, m), all row-major slices of exactly those lengths. Big products are split by
/// rows between threads ([`for_row_blocks`]), with the same result.
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
    for_row_blocks(c, n, m, n * m * k, |first, rows, c| {
        let a = &a[first * k..(first + rows) * k];
        match kernel {
            Kernel::Simd if T::Lanes::PAY => gemm_abt_lanes(a, b, c, rows, m, k, accumulate),
            _ => gemm_abt_scalar(a, b, c, rows, m, k, accumulate),
        }
    });
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

/// The blocked kernel: 4 rows of A against 4 rows of B, sixteen lane accumulators over
/// k, then horizontal sums; edges fall back to single dot products.
pub fn gemm_abt_lanes<T: Real>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    n: usize,
    m: usize,
    k: usize,
    accumulate: bool,
) {
    assert!(a.len() >= n * k && b.len() >= m * k && c.len() >= n * m);
    if k < 8 {
        // Too short a reduction for lanes to pay: plain dot products, no index checks.
        for (ar, cr) in a.chunks_exact(k).zip(c.chunks_exact_mut(m)) {
            for (bj, o) in b.chunks_exact(k).zip(cr.iter_mut()) {
                let s = ar.iter().zip(bj).fold(T::zero(), |s, (&x, &y)| s + x * y);
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
            let acc = block4x4(a, b, r, j, k, k4);
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
                dot_into(a, b, c, (rr, jj), (m, k, k4), accumulate);
            }
        }
        r += 4;
    }
    for rr in r..n {
        for jj in 0..m {
            dot_into(a, b, c, (rr, jj), (m, k, k4), accumulate);
        }
    }
}

/// [a[r + dr][..k4] . b[j + dj][..k4]] for dr, dj < 4.
#[inline]
fn block4x4<T: Real>(a: &[T], b: &[T], r: usize, j: usize, k: usize, k4: usize) -> [[T; 4]; 4] {
    let mut s = [[T::Lanes::splat(T::zero()); 4]; 4];
    let mut i = 0;
    while i < k4 {
        // SAFETY: r + 3 < n and j + 3 < m, i + 4 <= k4 <= k, and the caller checked
        // a.len() >= n k and b.len() >= m k.
        let av: [T::Lanes; 4] =
            std::array::from_fn(|d| unsafe { T::Lanes::load_at(a, (r + d) * k + i) });
        let bv: [T::Lanes; 4] =
            std::array::from_fn(|d| unsafe { T::Lanes::load_at(b, (j + d) * k + i) });
        for dr in 0..4 {
            for dj in 0..4 {
                s[dr][dj] = s[dr][dj].mul_add(av[dr], bv[dj]);
            }
        }
        i += 4;
    }
    s.map(|row| row.map(|v| v.sum()))
}

/// c[r][j] (+)= a[r] . b[j], the first k4 values on the lanes.
#[inline]
fn dot_into<T: Real>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    (r, j): (usize, usize),
    (m, k, k4): (usize, usize, usize),
    accumulate: bool,
) {
    let ar = &a[r * k..(r + 1) * k];
    let bj = &b[j * k..(j + 1) * k];
    let lanes = ar[..k4]
        .chunks_exact(4)
        .zip(bj[..k4].chunks_exact(4))
        .fold(T::Lanes::splat(T::zero()), |s, (x, y)| {
            s.mul_add(T::Lanes::load(x), T::Lanes::load(y))
        });
    let mut s = lanes.sum();
    for i in k4..k {
        s += ar[i] * bj[i];
    }
    let o = &mut c[r * m + j];
    *o = if accumulate { *o + s } else { s };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::standard_normal;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// The lane and scalar kernels differ only by f32 rounding in the summation order.
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
}
