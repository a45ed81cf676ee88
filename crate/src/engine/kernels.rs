//! The dense-layer products in two families, each with a scalar reference that is
//! obviously right and a SIMD form (wasm simd128 on the web; 4-lane portable code that
//! compilers vectorise elsewhere):
//! - [`gemm_abt`]: C (+)= A B^T, the reduction along contiguous rows of both operands,
//!   blocked 4 x 4; it pays when the reduction is long (matrix products, wide layers);
//! - [`gemm_rows`]: C = start + A B, vectorised along the rows of B and C, so that a
//!   layer of 8 units is two registers and the bias starts the accumulators; it pays on
//!   the narrow layers this app mostly shows, and computes the weight gradient as a sum
//!   of outer products without transposing the batch.

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

/// A matrix read through strides: element (i, r) is `data[i * row + r * col]`, so one
/// buffer serves as A or as A^T.
#[derive(Debug, Clone, Copy)]
pub struct Strided<'a, T> {
    /// The elements.
    pub data: &'a [T],
    /// Step between consecutive i.
    pub row: usize,
    /// Step between consecutive r.
    pub col: usize,
}

impl<T: Copy> Strided<'_, T> {
    #[inline]
    fn at(&self, i: usize, r: usize) -> T {
        self.data[i * self.row + r * self.col]
    }
}

/// Where the accumulators of [`gemm_rows`] start.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a, T> {
    /// From zero.
    Zero,
    /// From this vector, in every row of C (a layer's bias).
    Row(&'a [T]),
}

/// c[i][..] = start + sum over r < kd of A(i, r) b[r][..]; b: (kd, q) and c: (p, q)
/// row-major slices of exactly those lengths.
#[allow(clippy::too_many_arguments)]
pub fn gemm_rows<T: Real>(
    kernel: Kernel,
    a: Strided<T>,
    b: &[T],
    c: &mut [T],
    p: usize,
    q: usize,
    kd: usize,
    start: Start<T>,
) {
    debug_assert!(b.len() == kd * q && c.len() == p * q);
    match kernel {
        Kernel::Simd => T::gemm_rows_fast(a, b, c, p, q, kd, start),
        Kernel::Scalar => gemm_rows_scalar(a, b, c, p, q, kd, start),
    }
}

/// The reference for [`gemm_rows`]: one sum per output.
#[allow(clippy::too_many_arguments)]
pub fn gemm_rows_scalar<T: Real>(
    a: Strided<T>,
    b: &[T],
    c: &mut [T],
    p: usize,
    q: usize,
    kd: usize,
    start: Start<T>,
) {
    for i in 0..p {
        for j in 0..q {
            let mut s = match start {
                Start::Zero => T::zero(),
                Start::Row(v) => v[j],
            };
            for r in 0..kd {
                s += a.at(i, r) * b[r * q + j];
            }
            c[i * q + j] = s;
        }
    }
}

/// [`gemm_rows`] for f64 (and any [`Real`]): each row of C accumulates scaled rows of
/// B, a loop the compiler vectorises, where the reference walks down B's columns.
#[allow(clippy::too_many_arguments)]
pub fn gemm_rows_axpy<T: Real>(
    a: Strided<T>,
    b: &[T],
    c: &mut [T],
    p: usize,
    q: usize,
    kd: usize,
    start: Start<T>,
) {
    for (i, row) in c.chunks_exact_mut(q).enumerate().take(p) {
        match start {
            Start::Zero => row.fill(T::zero()),
            Start::Row(v) => row.copy_from_slice(v),
        }
        for (r, br) in b.chunks_exact(q).enumerate().take(kd) {
            let x = a.at(i, r);
            for (o, &v) in row.iter_mut().zip(br) {
                *o += x * v;
            }
        }
    }
}

/// [`gemm_rows`] for f32: 16, 8 and then 4 columns at a time in registers, the
/// accumulators starting from the bias (or zero), edges scalar.
#[allow(clippy::too_many_arguments)]
pub fn gemm_rows_f32(
    a: Strided<f32>,
    b: &[f32],
    c: &mut [f32],
    p: usize,
    q: usize,
    kd: usize,
    start: Start<f32>,
) {
    let b = &b[..kd * q];
    let c = &mut c[..p * q];
    // Four rows of C at a time share every load of b.
    let mut i = 0;
    while i + 4 <= p && q >= 4 {
        let rows = &mut c[i * q..(i + 4) * q];
        if a.col == 1 {
            let r: [&[f32]; 4] = std::array::from_fn(|t| &a.data[(i + t) * a.row..][..kd]);
            rows_f32(
                (0..kd).map(|k| [r[0][k], r[1][k], r[2][k], r[3][k]]),
                b,
                rows,
                start,
            );
        } else if a.row == 1 {
            let quads = a.data[i..]
                .chunks(a.col)
                .take(kd)
                .map(|ch| [ch[0], ch[1], ch[2], ch[3]]);
            rows_f32(quads, b, rows, start);
        } else {
            break;
        }
        i += 4;
    }
    for (i, row) in c.chunks_exact_mut(q).enumerate().skip(i) {
        let from = &a.data[i * a.row..];
        if a.col == 1 {
            row_f32(from[..kd].iter(), b, row, start);
        } else {
            row_f32(from.iter().step_by(a.col.max(1)), b, row, start);
        }
    }
}

/// Four rows of [`gemm_rows_f32`]: rows[t] = start + sum over r of quads[r][t] b[r],
/// 8 and then 4 columns at a time; `rows` holds the four rows back to back.
fn rows_f32(
    quads: impl Iterator<Item = [f32; 4]> + Clone,
    b: &[f32],
    rows: &mut [f32],
    start: Start<f32>,
) {
    let q = rows.len() / 4;
    let q4 = q / 4 * 4;
    let mut j = 0;
    while j + 8 <= q4 {
        lanes::rows4_block::<2>(quads.clone(), b, rows, j, start);
        j += 8;
    }
    if j < q4 {
        lanes::rows4_block::<1>(quads.clone(), b, rows, j, start);
    }
    for t in 0..4 {
        for jj in q4..q {
            let mut s = match start {
                Start::Zero => 0.0,
                Start::Row(v) => v[jj],
            };
            for (x, br) in quads.clone().zip(b.chunks_exact(q)) {
                s += x[t] * br[jj];
            }
            rows[t * q + jj] = s;
        }
    }
}

/// One row of [`gemm_rows_f32`]: row = start + sum over r of col[r] b[r].
#[inline]
fn row_f32<'a>(
    col: impl Iterator<Item = &'a f32> + Clone,
    b: &[f32],
    row: &mut [f32],
    start: Start<f32>,
) {
    let q = row.len();
    let q4 = q / 4 * 4;
    let mut j = 0;
    while j + 16 <= q4 {
        lanes::rows_block::<4>(col.clone(), b, row, j, start);
        j += 16;
    }
    if j + 8 <= q4 {
        lanes::rows_block::<2>(col.clone(), b, row, j, start);
        j += 8;
    }
    if j < q4 {
        lanes::rows_block::<1>(col.clone(), b, row, j, start);
    }
    for (jj, o) in row.iter_mut().enumerate().skip(q4) {
        let mut s = match start {
            Start::Zero => 0.0,
            Start::Row(v) => v[jj],
        };
        for (&x, br) in col.clone().zip(b.chunks_exact(q)) {
            s += x * br[jj];
        }
        *o = s;
    }
}

/// tanh of every element, by a rational approximation accurate to a few f32 ulp
/// (largest error 4e-7 near |z| = 8, about 1e-7 relative near 0): the libm call is the
/// largest single cost of a narrow tanh network.
pub fn tanh_f32(z: &[f32], a: &mut [f32]) {
    lanes::tanh(z, a);
}

/// The scalar form of [`tanh_f32`]'s approximation: an odd degree-13 polynomial over an
/// even degree-6 one, on z clamped to where f32 tanh rounds to +-1.
#[inline]
pub fn tanh_rational(z: f32) -> f32 {
    let x = z.clamp(-TANH_CLAMP, TANH_CLAMP);
    let x2 = x * x;
    let mut num = TANH_NUM[6];
    for &c in TANH_NUM[..6].iter().rev() {
        num = num * x2 + c;
    }
    let mut den = TANH_DEN[3];
    for &c in TANH_DEN[..3].iter().rev() {
        den = den * x2 + c;
    }
    x * num / den
}

const TANH_CLAMP: f32 = 7.905_311;
/// Numerator coefficients of x^1, x^3, ..., x^13 (published with Eigen's float tanh).
const TANH_NUM: [f32; 7] = [
    4.893_524_6e-3,
    6.372_619_5e-4,
    1.485_722_4e-5,
    5.122_297_3e-8,
    -8.604_672e-11,
    2.000_188e-13,
    -2.760_768_4e-16,
];
/// Denominator coefficients of x^0, x^2, x^4, x^6.
const TANH_DEN: [f32; 4] = [4.893_525e-3, 2.268_434_7e-3, 1.185_347_1e-4, 1.198_258_4e-6];

/// Four-lane tanh for [`crate::engine::quad::F32x4`].
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use lanes::tanh4;

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
    use super::{Start, TANH_CLAMP, TANH_DEN, TANH_NUM};
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

    #[inline]
    fn store(s: &mut [f32], at: usize, v: v128) {
        assert!(at + 4 <= s.len());
        // SAFETY: checked just above; v128_store has no alignment requirement.
        unsafe { v128_store(s.as_mut_ptr().add(at) as *mut v128, v) }
    }

    /// row[j..j + 4W] = start + sum over r of col[r] b[r][j..j + 4W], in W registers;
    /// b holds whole rows of row.len() values.
    #[inline]
    pub fn rows_block<'a, const W: usize>(
        col: impl Iterator<Item = &'a f32>,
        b: &[f32],
        row: &mut [f32],
        j: usize,
        start: Start<f32>,
    ) {
        let q = row.len();
        assert!(j + 4 * W <= q);
        let mut acc = [f32x4_splat(0.0); W];
        if let Start::Row(v) = start {
            for (t, a) in acc.iter_mut().enumerate() {
                *a = load(&v[..q], j + 4 * t);
            }
        }
        for (&x, br) in col.zip(b.chunks_exact(q)) {
            let s = f32x4_splat(x);
            for (t, a) in acc.iter_mut().enumerate() {
                *a = f32x4_add(*a, f32x4_mul(s, load(br, j + 4 * t)));
            }
        }
        for (t, a) in acc.iter().enumerate() {
            store(row, j + 4 * t, *a);
        }
    }

    /// rows[t][j..j + 4W] = start + sum over r of quads[r][t] b[r][j..j + 4W] for four
    /// rows t back to back in `rows`: 4W accumulators, each b load used four times.
    #[inline]
    pub fn rows4_block<const W: usize>(
        quads: impl Iterator<Item = [f32; 4]>,
        b: &[f32],
        rows: &mut [f32],
        j: usize,
        start: Start<f32>,
    ) {
        let q = rows.len() / 4;
        assert!(j + 4 * W <= q);
        let mut acc = [[f32x4_splat(0.0); W]; 4];
        if let Start::Row(v) = start {
            for row in acc.iter_mut() {
                for (t, a) in row.iter_mut().enumerate() {
                    *a = load(&v[..q], j + 4 * t);
                }
            }
        }
        for (x, br) in quads.zip(b.chunks_exact(q)) {
            let bv: [v128; W] = core::array::from_fn(|t| load(br, j + 4 * t));
            for (row, &xv) in acc.iter_mut().zip(&x) {
                let s = f32x4_splat(xv);
                for (a, &bw) in row.iter_mut().zip(&bv) {
                    *a = f32x4_add(*a, f32x4_mul(s, bw));
                }
            }
        }
        for (r, row) in acc.iter().enumerate() {
            for (t, a) in row.iter().enumerate() {
                store(rows, r * q + j + 4 * t, *a);
            }
        }
    }

    /// [`super::tanh_rational`] on four lanes, the polynomials unrolled so that the
    /// coefficients stay in registers across a loop.
    #[inline(always)]
    pub fn tanh4(z: v128) -> v128 {
        let n = TANH_NUM.map(|c| f32x4_splat(c));
        let d = TANH_DEN.map(|c| f32x4_splat(c));
        let step = |p: v128, x2: v128, c: v128| f32x4_add(f32x4_mul(p, x2), c);
        // pmin and pmax are one instruction each and keep a NaN z.
        let x = f32x4_pmin(
            f32x4_pmax(z, f32x4_splat(-TANH_CLAMP)),
            f32x4_splat(TANH_CLAMP),
        );
        let x2 = f32x4_mul(x, x);
        let mut num = step(n[6], x2, n[5]);
        num = step(num, x2, n[4]);
        num = step(num, x2, n[3]);
        num = step(num, x2, n[2]);
        num = step(num, x2, n[1]);
        num = step(num, x2, n[0]);
        let mut den = step(d[3], x2, d[2]);
        den = step(den, x2, d[1]);
        den = step(den, x2, d[0]);
        f32x4_div(f32x4_mul(x, num), den)
    }

    /// [`tanh4`] over a slice, the tail by the scalar form.
    pub fn tanh(z: &[f32], a: &mut [f32]) {
        let n4 = z.len().min(a.len()) / 4 * 4;
        for (zc, ac) in z[..n4].chunks_exact(4).zip(a[..n4].chunks_exact_mut(4)) {
            store(ac, 0, tanh4(load(zc, 0)));
        }
        for (o, &x) in a[n4..].iter_mut().zip(&z[n4..]) {
            *o = super::tanh_rational(x);
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
    use super::Start;

    #[inline]
    pub fn rows_block<'a, const W: usize>(
        col: impl Iterator<Item = &'a f32>,
        b: &[f32],
        row: &mut [f32],
        j: usize,
        start: Start<f32>,
    ) {
        let q = row.len();
        let mut acc = [[0.0f32; 4]; W];
        if let Start::Row(v) = start {
            for (t, a) in acc.iter_mut().enumerate() {
                a.copy_from_slice(&v[j + 4 * t..j + 4 * t + 4]);
            }
        }
        for (&x, br) in col.zip(b.chunks_exact(q)) {
            for (t, a) in acc.iter_mut().enumerate() {
                for (o, &v) in a.iter_mut().zip(&br[j + 4 * t..j + 4 * t + 4]) {
                    *o += x * v;
                }
            }
        }
        for (t, a) in acc.iter().enumerate() {
            row[j + 4 * t..j + 4 * t + 4].copy_from_slice(a);
        }
    }

    #[inline]
    pub fn rows4_block<const W: usize>(
        quads: impl Iterator<Item = [f32; 4]>,
        b: &[f32],
        rows: &mut [f32],
        j: usize,
        start: Start<f32>,
    ) {
        let q = rows.len() / 4;
        let mut acc = [[0.0f32; 8]; 4];
        let w = 4 * W;
        assert!(W <= 2);
        if let Start::Row(v) = start {
            for row in acc.iter_mut() {
                row[..w].copy_from_slice(&v[j..j + w]);
            }
        }
        for (x, br) in quads.zip(b.chunks_exact(q)) {
            for (row, &xv) in acc.iter_mut().zip(&x) {
                for (o, &bv) in row[..w].iter_mut().zip(&br[j..j + w]) {
                    *o += xv * bv;
                }
            }
        }
        for (t, row) in acc.iter().enumerate() {
            rows[t * q + j..t * q + j + w].copy_from_slice(&row[..w]);
        }
    }

    pub fn tanh(z: &[f32], a: &mut [f32]) {
        for (o, &x) in a.iter_mut().zip(z) {
            *o = super::tanh_rational(x);
        }
    }

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

    /// Largest difference between the two kernels of [`gemm_rows`], relative to
    /// 1 + |reference|, on random (p, q, kd) operands read through both strides.
    fn row_kernel_gap<T: Real>(rng: &mut StdRng, p: usize, q: usize, kd: usize) -> f64 {
        let mut random =
            |n: usize| -> Vec<T> { (0..n).map(|_| T::from_f64(standard_normal(rng))).collect() };
        let (a, b) = (random(p * kd), random(kd * q));
        let bias: Vec<T> = (0..q).map(|j| T::from_f64(j as f64 * 0.1)).collect();
        let by_rows = Strided {
            data: &a[..],
            row: kd,
            col: 1,
        };
        let by_columns = Strided {
            data: &a[..],
            row: 1,
            col: p,
        };
        let mut gap = 0.0f64;
        for (strided, start) in [(by_rows, Start::Row(&bias[..])), (by_columns, Start::Zero)] {
            // A sentinel that any output left unwritten turns into a huge gap.
            let mut fast = vec![T::from_f64(1e30); p * q];
            let mut slow = vec![T::from_f64(-1e30); p * q];
            gemm_rows(Kernel::Simd, strided, &b, &mut fast, p, q, kd, start);
            gemm_rows(Kernel::Scalar, strided, &b, &mut slow, p, q, kd, start);
            for (f, s) in fast.iter().zip(&slow) {
                let (f, s) = (f.to_f64(), s.to_f64());
                gap = gap.max((f - s).abs() / (1.0 + s.abs()));
            }
        }
        gap
    }

    #[test]
    fn row_kernel_agrees_with_its_reference_through_both_strides() {
        let rng = &mut StdRng::seed_from_u64(2);
        for &(p, q, kd) in &[(1, 1, 1), (3, 5, 2), (8, 8, 10), (10, 17, 3), (32, 128, 64)] {
            let gap = row_kernel_gap::<f32>(rng, p, q, kd);
            assert!(gap <= f64::from(F32_SUM_TOL), "f32 ({p},{q},{kd}): {gap}");
        }
        let gap = row_kernel_gap::<f64>(rng, 6, 7, 5);
        assert!(gap <= 1e-12, "f64: {gap}");
    }

    #[test]
    fn fast_tanh_is_within_a_few_ulp_everywhere() {
        let z: Vec<f32> = (-200_000..=200_000).map(|i| i as f32 * 5e-5).collect();
        let mut a = vec![0.0; z.len()];
        tanh_f32(&z, &mut a);
        for (&x, &t) in z.iter().zip(&a) {
            let exact = f64::from(x).tanh();
            let err = (f64::from(t) - exact).abs();
            assert!(err <= 5e-7 * exact.abs(), "tanh({x}) = {t}, exact {exact}");
        }
        for big in [-1e30f32, -9.0, 9.0, 1e30] {
            assert!((tanh_rational(big) - big.signum()).abs() <= 5e-7, "{big}");
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
