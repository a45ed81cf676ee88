//! Splitting a product's output rows between threads. With the `threads` feature (the
//! threaded wasm module, loaded where the page is cross-origin isolated) a product big
//! enough to pay for waking a second thread is cut into blocks of whole rows of C, one
//! per thread of rayon's pool; without it, or for small products, it is one call.
//!
//! Every block starts at a multiple of four rows, so the kernels' four-row blocking,
//! and with it every output's sequence of multiply-adds, is the same as in one call
//! over all rows: the threaded products equal the single-threaded ones bit for bit,
//! whatever the number of threads or the order they run in.

/// Multiply-adds from which a product is split: below it the wake-up of a second
/// thread costs more than the half of the product it takes.
pub const SPLIT_MIN_MACS: usize = 1 << 20;

/// Calls `f(first, rows, block)` on disjoint blocks of whole rows of `c` (`n` rows of
/// `row_len` values) that together cover them all: `block` holds rows
/// `first..first + rows`. A product of `macs` multiply-adds of at least
/// [`SPLIT_MIN_MACS`] is cut into one block per thread of the pool (with the `threads`
/// feature); otherwise `f` runs once over all rows.
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
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        if threads > 1 && macs >= SPLIT_MIN_MACS && n >= 8 && row_len > 0 {
            let per = n.div_ceil(threads).next_multiple_of(4);
            c[..n * row_len]
                .par_chunks_mut(per * row_len)
                .enumerate()
                .for_each(|(b, block)| f(b * per, block.len() / row_len, block));
            return;
        }
    }
    f(0, n, c);
}

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

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    }

    fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
        (0..len).map(|_| standard_normal(rng) as f32).collect()
    }

    #[test]
    fn blocks_cover_every_row_once_from_multiples_of_four() {
        for (threads, n, blocks) in [(2, 256, 2), (3, 130, 3), (2, 9, 2), (1, 256, 1)] {
            let seen = Mutex::new(Vec::new());
            let mut c = vec![0u32; n * 5];
            pool(threads).install(|| {
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
        pool(2).install(|| {
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
                pool(threads).install(|| gemm_abt(Kernel::Simd, &a, &b, &mut got, n, m, k, true));
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
                    pool(threads).install(|| {
                        gemm_rows(Kernel::Simd, strided, &b_rows, &mut got, n, m, k, start)
                    });
                    assert!(got == want, "gemm_rows ({n},{m},{k}) on {threads} threads");
                }
            }
        }
    }
}
