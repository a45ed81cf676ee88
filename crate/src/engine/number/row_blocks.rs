//! Splitting a product's output rows between threads. With the `threads` feature (the
//! threaded wasm module, loaded where the page is cross-origin isolated) a product big
//! enough to pay for a second thread is cut into blocks of whole rows of C, one per
//! thread of the [`Team`]; without it, or for small products, it is one call.
//!
//! Every block starts at a multiple of four rows, so the kernels' four-row blocking,
//! and with it every output's sequence of multiply-adds, is the same as in one call
//! over all rows: the threaded products equal the single-threaded ones bit for bit,
//! whatever the number of threads or the order they run in.

#[cfg(feature = "threads")]
use super::team::Team;

/// Multiply-adds from which a product is split: below it handing half of it to a
/// second thread costs more than the half saves.
pub const SPLIT_MIN_MACS: usize = 1 << 20;

/// Calls `f(first, rows, block)` on disjoint blocks of whole rows of `c` (`n` rows of
/// `row_len` values) that together cover them all: `block` holds rows
/// `first..first + rows`. A product of `macs` multiply-adds of at least
/// [`SPLIT_MIN_MACS`] is cut into one block per thread of [`Team::current`] (with the
/// `threads` feature); otherwise `f` runs once over all rows.
#[cfg_attr(not(feature = "threads"), allow(unused_variables))]
pub fn for_row_blocks<T: Send>(
    c: &mut [T],
    n: usize,
    row_len: usize,
    macs: usize,
    f: impl Fn(usize, usize, &mut [T]) + Sync,
) {
    #[cfg(feature = "threads")]
    {
        // The size first: most products are small, and they need not look up the team.
        let team = (macs >= SPLIT_MIN_MACS && n >= 8 && row_len > 0).then(Team::current);
        if let Some(team) = team.filter(|t| t.threads() > 1) {
            let per = n.div_ceil(team.threads()).next_multiple_of(4);
            let rows = Rows(c[..n * row_len].as_mut_ptr());
            team.run(&|b| {
                let first = b * per;
                if first < n {
                    let count = per.min(n - first);
                    // SAFETY: blocks `b * per..` are disjoint ranges of rows inside
                    // `c[..n * row_len]`, each handed to exactly one call, and `run`
                    // returns only when every call is done.
                    let block = unsafe {
                        std::slice::from_raw_parts_mut(rows.at(first * row_len), count * row_len)
                    };
                    f(first, count, block);
                }
            });
            return;
        }
    }
    f(0, n, c);
}

/// The start of `c`, shared by the blocks that each write their own rows of it.
#[cfg(feature = "threads")]
struct Rows<T>(*mut T);

#[cfg(feature = "threads")]
impl<T> Rows<T> {
    /// The address `offset` values in. A method, so that a closure captures the whole
    /// `Rows` (which is `Sync`) rather than its raw pointer field.
    fn at(&self, offset: usize) -> *mut T {
        // SAFETY: callers stay inside the slice `Rows` was made from.
        unsafe { self.0.add(offset) }
    }
}

// SAFETY: the blocks given out through a `Rows` are disjoint, and `T: Send` moves each
// block's values to the thread that writes them.
#[cfg(feature = "threads")]
unsafe impl<T: Send> Sync for Rows<T> {}

#[cfg(all(test, feature = "threads"))]
mod tests {
    use super::super::gemm_abt::{gemm_abt, gemm_abt_lanes};
    use super::super::gemm_rows::{gemm_rows, gemm_rows_lanes, Start, Strided};
    use super::super::kernel::Kernel;
    use super::*;
    use crate::engine::init::standard_normal;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::sync::Mutex;

    fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
        (0..len).map(|_| standard_normal(rng) as f32).collect()
    }

    #[test]
    fn blocks_cover_every_row_once_from_multiples_of_four() {
        for (threads, n, blocks) in [(2, 256, 2), (3, 130, 3), (2, 9, 2), (1, 256, 1)] {
            let seen = Mutex::new(Vec::new());
            let mut c = vec![0u32; n * 5];
            Team::on_std_threads(threads).install(|| {
                for_row_blocks(&mut c, n, 5, SPLIT_MIN_MACS, |first, rows, block| {
                    assert_eq!(block.len(), rows * 5);
                    block.fill(1 + first as u32);
                    seen.lock().unwrap().push((first, rows));
                })
            });
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            assert_eq!(seen.len(), blocks, "{threads} threads, {n} rows: {seen:?}");
            let mut next = 0;
            for &(first, rows) in &seen {
                assert_eq!((first, first % 4), (next, 0), "{seen:?}");
                assert!(c[first * 5..(first + rows) * 5]
                    .iter()
                    .all(|&v| v == 1 + first as u32));
                next = first + rows;
            }
            assert_eq!(next, n);
        }
        let mut c = vec![0u32; 256 * 5];
        let calls = Mutex::new(0);
        Team::on_std_threads(2).install(|| {
            for_row_blocks(&mut c, 256, 5, SPLIT_MIN_MACS - 1, |_, _, _| {
                *calls.lock().unwrap() += 1
            })
        });
        assert_eq!(
            calls.into_inner().unwrap(),
            1,
            "a small product stays whole"
        );
    }

    /// W3-256's product and the products of a 256-unit layer over a batch of 64, on 2
    /// and 3 threads, against one call of the kernel over all rows: equal bit for bit.
    #[test]
    fn threaded_products_equal_the_single_threaded_kernels_exactly() {
        let rng = &mut StdRng::seed_from_u64(15);
        for &(n, m, k) in &[
            (256, 256, 256),
            (64, 256, 64),
            (256, 64, 64),
            (130, 70, 129),
        ] {
            let (a, b) = (random(rng, n * k), random(rng, m * k));
            let start = random(rng, n * m);
            let mut want = start.clone();
            gemm_abt_lanes(&a, &b, &mut want, n, m, k, true);
            for threads in [2, 3] {
                let mut got = start.clone();
                Team::on_std_threads(threads)
                    .install(|| gemm_abt(Kernel::Simd, &a, &b, &mut got, n, m, k, true));
                assert!(got == want, "gemm_abt ({n},{m},{k}) on {threads} threads");
            }
            let (x, bias) = (random(rng, n * k), random(rng, m));
            let b_rows = random(rng, k * m);
            for (strided, start) in [
                (
                    Strided {
                        data: &x[..],
                        row: k,
                        col: 1,
                    },
                    Start::Row(&bias[..]),
                ),
                (
                    Strided {
                        data: &x[..],
                        row: 1,
                        col: n,
                    },
                    Start::Zero,
                ),
            ] {
                let mut want = vec![0.0; n * m];
                gemm_rows_lanes(strided, &b_rows, &mut want, n, m, k, start);
                for threads in [2, 3] {
                    let mut got = vec![f32::NAN; n * m];
                    Team::on_std_threads(threads).install(|| {
                        gemm_rows(Kernel::Simd, strided, &b_rows, &mut got, n, m, k, start)
                    });
                    assert!(got == want, "gemm_rows ({n},{m},{k}) on {threads} threads");
                }
            }
        }
    }
}
