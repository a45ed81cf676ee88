//! C = start + A B, vectorised along the rows of B and C, so that a layer of 8 units is
//! two lane registers and the bias starts the accumulators: it pays on the narrow
//! layers this app mostly shows, and computes the weight gradient as a sum of outer
//! products without transposing the batch. The plain reference and the loop the
//! compiler vectorises (f64's fast form) sit beside the lane kernel.

use super::kernel::Kernel;
use super::lanes::Lanes;
use super::row_blocks::for_row_blocks;
use super::scalar::Real;

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

impl<T: Real> Start<'_, T> {
    /// The starting value of column j.
    #[inline]
    fn at(&self, j: usize) -> T {
        match self {
            Start::Zero => T::zero(),
            Start::Row(v) => v[j],
        }
    }
}

/// c[i][..] = start + sum over r < kd of A(i, r) b[r][..]; b: (kd, q) and c: (p, q)
/// row-major slices of exactly those lengths. Big products are split by rows between
/// threads ([`for_row_blocks`]), with the same result.
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
    for_row_blocks(c, p, q, p * q * kd, |first, rows, c| {
        let a = Strided {
            data: &a.data[first * a.row..],
            ..a
        };
        match kernel {
            Kernel::Simd if T::Lanes::PAY => gemm_rows_lanes(a, b, c, rows, q, kd, start),
            Kernel::Simd => gemm_rows_axpy(a, b, c, rows, q, kd, start),
            Kernel::Scalar => gemm_rows_scalar(a, b, c, rows, q, kd, start),
        }
    });
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
            let mut s = start.at(j);
            for r in 0..kd {
                s += a.at(i, r) * b[r * q + j];
            }
            c[i * q + j] = s;
        }
    }
}

/// [`gemm_rows`] for the types whose lanes do not pay (f64): each row of C accumulates
/// scaled rows of B, a loop the compiler vectorises, where the reference walks down B's
/// columns.
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

/// [`gemm_rows`] on the lanes: 16, 8 and then 4 columns at a time in registers, four
/// rows of C sharing every load of b where A's layout allows, the accumulators
/// starting from the bias (or zero), edges scalar.
#[allow(clippy::too_many_arguments)]
pub fn gemm_rows_lanes<T: Real>(
    a: Strided<T>,
    b: &[T],
    c: &mut [T],
    p: usize,
    q: usize,
    kd: usize,
    start: Start<T>,
) {
    let b = &b[..kd * q];
    let c = &mut c[..p * q];
    let mut i = 0;
    while i + 4 <= p && q >= 4 {
        let rows = &mut c[i * q..(i + 4) * q];
        if a.col == 1 {
            let r: [&[T]; 4] = std::array::from_fn(|t| &a.data[(i + t) * a.row..][..kd]);
            four_rows(
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
            four_rows(quads, b, rows, start);
        } else {
            break;
        }
        i += 4;
    }
    for (i, row) in c.chunks_exact_mut(q).enumerate().skip(i) {
        let from = &a.data[i * a.row..];
        if a.col == 1 {
            one_row(from[..kd].iter(), b, row, start);
        } else {
            one_row(from.iter().step_by(a.col.max(1)), b, row, start);
        }
    }
}

/// Four rows of [`gemm_rows_lanes`]: rows[t] = start + sum over r of quads[r][t] b[r],
/// 8 and then 4 columns at a time; `rows` holds the four rows back to back.
fn four_rows<T: Real>(
    quads: impl Iterator<Item = [T; 4]> + Clone,
    b: &[T],
    rows: &mut [T],
    start: Start<T>,
) {
    let q = rows.len() / 4;
    let q4 = q / 4 * 4;
    let mut j = 0;
    while j + 8 <= q4 {
        rows4_block::<T, 2>(quads.clone(), b, rows, j, start);
        j += 8;
    }
    if j < q4 {
        rows4_block::<T, 1>(quads.clone(), b, rows, j, start);
    }
    for t in 0..4 {
        for jj in q4..q {
            let mut s = start.at(jj);
            for (x, br) in quads.clone().zip(b.chunks_exact(q)) {
                s += x[t] * br[jj];
            }
            rows[t * q + jj] = s;
        }
    }
}

/// One row of [`gemm_rows_lanes`]: row = start + sum over r of col[r] b[r].
#[inline]
fn one_row<'a, T: Real>(
    col: impl Iterator<Item = &'a T> + Clone,
    b: &[T],
    row: &mut [T],
    start: Start<T>,
) {
    let q = row.len();
    let q4 = q / 4 * 4;
    let mut j = 0;
    while j + 16 <= q4 {
        rows_block::<T, 4>(col.clone(), b, row, j, start);
        j += 16;
    }
    if j + 8 <= q4 {
        rows_block::<T, 2>(col.clone(), b, row, j, start);
        j += 8;
    }
    if j < q4 {
        rows_block::<T, 1>(col.clone(), b, row, j, start);
    }
    for (jj, o) in row.iter_mut().enumerate().skip(q4) {
        let mut s = start.at(jj);
        for (&x, br) in col.clone().zip(b.chunks_exact(q)) {
            s += x * br[jj];
        }
        *o = s;
    }
}

/// The lanes that start column block j: the bias there, or zeros.
#[inline(always)]
fn start_lanes<T: Real>(start: Start<T>, j: usize) -> T::Lanes {
    match start {
        Start::Zero => T::Lanes::splat(T::zero()),
        Start::Row(v) => T::Lanes::load(&v[j..]),
    }
}

/// row[j..j + 4W] = start + sum over r of col[r] b[r][j..j + 4W], in W lane registers;
/// b holds whole rows of row.len() values.
#[inline]
fn rows_block<'a, T: Real, const W: usize>(
    col: impl Iterator<Item = &'a T>,
    b: &[T],
    row: &mut [T],
    j: usize,
    start: Start<T>,
) {
    let q = row.len();
    assert!(j + 4 * W <= q);
    let mut acc: [T::Lanes; W] = std::array::from_fn(|t| start_lanes(start, j + 4 * t));
    for (&x, br) in col.zip(b.chunks_exact(q)) {
        let s = T::Lanes::splat(x);
        for (t, a) in acc.iter_mut().enumerate() {
            // SAFETY: br holds q values and j + 4W <= q (asserted above).
            *a = a.mul_add(s, unsafe { T::Lanes::load_at(br, j + 4 * t) });
        }
    }
    for (t, a) in acc.iter().enumerate() {
        // SAFETY: as above, for the row of q values.
        unsafe { a.store_at(row, j + 4 * t) };
    }
}

/// rows[t][j..j + 4W] = start + sum over r of quads[r][t] b[r][j..j + 4W] for four
/// rows t back to back in `rows`: 4W accumulators, each b load used four times.
#[inline]
fn rows4_block<T: Real, const W: usize>(
    quads: impl Iterator<Item = [T; 4]>,
    b: &[T],
    rows: &mut [T],
    j: usize,
    start: Start<T>,
) {
    let q = rows.len() / 4;
    assert!(j + 4 * W <= q && rows.len() == 4 * q);
    let first: [T::Lanes; W] = std::array::from_fn(|t| start_lanes(start, j + 4 * t));
    let mut acc = [first; 4];
    for (x, br) in quads.zip(b.chunks_exact(q)) {
        // SAFETY: br holds q values and j + 4W <= q (asserted above).
        let bv: [T::Lanes; W] =
            std::array::from_fn(|t| unsafe { T::Lanes::load_at(br, j + 4 * t) });
        for (row, &xv) in acc.iter_mut().zip(&x) {
            let s = T::Lanes::splat(xv);
            for (a, &bw) in row.iter_mut().zip(&bv) {
                *a = a.mul_add(s, bw);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (t, a) in row.iter().enumerate() {
            // SAFETY: r < 4, j + 4W <= q and rows holds 4q values (asserted above).
            unsafe { a.store_at(rows, r * q + j + 4 * t) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::standard_normal;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

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
            assert!(gap <= 1e-5, "f32 ({p},{q},{kd}): {gap}");
        }
        let gap = row_kernel_gap::<f64>(rng, 6, 7, 5);
        assert!(gap <= 1e-12, "f64: {gap}");
    }
}
