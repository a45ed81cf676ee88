//! The convolution's fast path: a whole mini-batch as one product on the lanes, where
//! the plain path in `conv.rs` makes one small product per example.
//!
//! The patches of every example of a chunk are laid out transposed, one row per tap
//! (c, ki, kj) and one column per (example, output position): `cols_t` is
//! (C KH KW, rows OH OW). Then
//! - forward: z^T = W cols_t, (F, rows OH OW), by [`gemm_rows`] (four filters share each
//!   load of a tap's row), then scattered to the trace's (rows, F, OH OW) with the bias;
//! - dW = delta^T cols_t^T, by [`gemm_abt`] with the reduction over every position of
//!   the chunk (thousands long, where one example gives OH OW);
//! - d cols_t = W^T delta^T by [`gemm_rows`], added back onto the images (col2im).
//!
//! im2col and col2im go by rows over a zero-padded copy of the chunk's images, so no
//! pixel is tested against the border and a stride-1 row is one run of lane copies.

use crate::engine::activation::Activation;
use crate::engine::number::gemm_abt::gemm_abt;
use crate::engine::number::gemm_rows::{gemm_rows, Start, Strided};
use crate::engine::number::kernel::Kernel;
use crate::engine::number::lanes::Lanes;
use crate::engine::number::Real;

/// Values of scratch one chunk may take, so that a pass over a whole data set
/// (evaluation) needs no more memory than a mini-batch does.
const CHUNK_VALUES: usize = 1 << 16;

/// Most examples in one chunk.
const CHUNK_ROWS: usize = 64;

/// The shapes of one convolution: input (C, H, W), F filters of KH x KW, stride, pad
/// and the output's (OH, OW).
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Input channels, height and width.
    pub input: (usize, usize, usize),
    /// Filters.
    pub filters: usize,
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Step between patches.
    pub stride: usize,
    /// Zeros on every side.
    pub pad: usize,
    /// Output height and width.
    pub output: (usize, usize),
}

/// Copies `src` into `dst` (of the same length) four values at a time on the lanes: a
/// run of a few pixels, too short for a `memory.copy` call to pay.
#[inline(always)]
fn copy_run<T: Real>(src: &[T], dst: &mut [T]) {
    let src = &src[..dst.len()];
    let mut d = dst.chunks_exact_mut(4);
    let mut s = src.chunks_exact(4);
    for (o, v) in (&mut d).zip(&mut s) {
        T::Lanes::load(v).store(o);
    }
    for (o, &v) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *o = v;
    }
}

/// Adds `src` onto `dst` (of the same length), four values at a time.
#[inline(always)]
fn add_run<T: Real>(src: &[T], dst: &mut [T]) {
    let src = &src[..dst.len()];
    let mut d = dst.chunks_exact_mut(4);
    let mut s = src.chunks_exact(4);
    for (o, v) in (&mut d).zip(&mut s) {
        (T::Lanes::load(o) + T::Lanes::load(v)).store(o);
    }
    for (o, &v) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *o += v;
    }
}

impl Geometry {
    fn positions(&self) -> usize {
        self.output.0 * self.output.1
    }

    fn patch(&self) -> usize {
        self.input.0 * self.kernel.0 * self.kernel.1
    }

    fn in_len(&self) -> usize {
        self.input.0 * self.input.1 * self.input.2
    }

    /// (height, width) of the zero-padded image.
    fn padded_hw(&self) -> (usize, usize) {
        (self.input.1 + 2 * self.pad, self.input.2 + 2 * self.pad)
    }

    /// Values of one zero-padded image.
    fn padded_len(&self) -> usize {
        let (hp, wp) = self.padded_hw();
        self.input.0 * hp * wp
    }

    /// Scratch per example: its patches twice (the patches and their gradient), its
    /// outputs or deltas transposed, and its padded image.
    fn per_row(&self) -> usize {
        self.positions() * (2 * self.patch() + self.filters) + self.padded_len()
    }

    /// Examples per chunk for a pass over `rows` rows.
    fn chunk(&self, rows: usize) -> usize {
        (CHUNK_VALUES / self.per_row().max(1))
            .clamp(1, CHUNK_ROWS)
            .min(rows.max(1))
    }

    /// Scratch for passes over up to `rows` rows, one chunk's worth.
    pub fn scratch_len(&self, rows: usize) -> usize {
        self.chunk(rows) * self.per_row()
    }

    /// The `m` images of `images` with `pad` zeros on every side, into `padded`.
    fn pad_images<T: Real>(&self, images: &[T], m: usize, padded: &mut [T]) {
        let (_, h, w) = self.input;
        let (_, wp) = self.padded_hw();
        let padded = &mut padded[..m * self.padded_len()];
        if self.pad == 0 {
            padded.copy_from_slice(&images[..padded.len()]);
            return;
        }
        padded.fill(T::zero());
        let rows = images[..m * self.in_len()].chunks_exact(w);
        // Image row `row` (over every example and channel) is padded row `row`
        // of its channel, `pad` rows and columns in.
        for (row, from) in rows.enumerate() {
            let (plane, i) = (row / h, row % h);
            let at = (plane * (h + 2 * self.pad) + i + self.pad) * wp + self.pad;
            copy_run(from, &mut padded[at..at + w]);
        }
    }

    /// Crops the padding off `m` padded image gradients, into `images`.
    fn crop_images<T: Real>(&self, padded: &[T], m: usize, images: &mut [T]) {
        let (_, h, w) = self.input;
        let (_, wp) = self.padded_hw();
        for (row, to) in images[..m * self.in_len()].chunks_exact_mut(w).enumerate() {
            let (plane, i) = (row / h, row % h);
            let at = (plane * (h + 2 * self.pad) + i + self.pad) * wp + self.pad;
            copy_run(&padded[at..at + w], to);
        }
    }

    /// Visits every (tap, example, output row) of a chunk of `m` padded images: the
    /// offset of that output row in the tap-major patches, and of the padded pixel
    /// its first column reads.
    fn by_rows(&self, m: usize, mut visit: impl FnMut(usize, usize)) {
        let (c, _, _) = self.input;
        let (kh, kw) = self.kernel;
        let (oh, ow) = self.output;
        let (hp, wp) = self.padded_hw();
        let columns = m * self.positions();
        for ch in 0..c {
            for ki in 0..kh {
                for kj in 0..kw {
                    let tap = (ch * kh + ki) * kw + kj;
                    for r in 0..m {
                        let plane = (r * c + ch) * hp;
                        for oi in 0..oh {
                            let at = tap * columns + r * self.positions() + oi * ow;
                            visit(at, (plane + oi * self.stride + ki) * wp + kj);
                        }
                    }
                }
            }
        }
    }

    /// im2col of `m` padded images into `cols_t` (patch, m positions), one tap per row.
    fn im2col<T: Real>(&self, padded: &[T], m: usize, cols_t: &mut [T]) {
        let ow = self.output.1;
        self.by_rows(m, |at, from| {
            let cols = &mut cols_t[at..at + ow];
            if self.stride == 1 {
                copy_run(&padded[from..from + ow], cols);
            } else {
                for (oj, o) in cols.iter_mut().enumerate() {
                    *o = padded[from + oj * self.stride];
                }
            }
        });
    }

    /// col2im: adds each column of `cols_t` onto the padded pixel its tap read.
    fn col2im<T: Real>(&self, cols_t: &[T], m: usize, padded: &mut [T]) {
        let ow = self.output.1;
        self.by_rows(m, |at, to| {
            let cols = &cols_t[at..at + ow];
            if self.stride == 1 {
                add_run(cols, &mut padded[to..to + ow]);
            } else {
                for (oj, &d) in cols.iter().enumerate() {
                    padded[to + oj * self.stride] += d;
                }
            }
        });
    }

    /// z and a = f(z) of `n` examples, (n, F, OH OW), chunk by chunk.
    #[allow(clippy::too_many_arguments)]
    pub fn forward<T: Real>(
        &self,
        kernel: Kernel,
        weights: &[T],
        biases: &[T],
        activation: Activation,
        input: &[T],
        n: usize,
        z: &mut [T],
        a: &mut [T],
        scratch: &mut [T],
    ) {
        let (positions, patch, f) = (self.positions(), self.patch(), self.filters);
        let chunk = self.chunk(n);
        let w = Strided {
            data: weights,
            row: patch,
            col: 1,
        };
        for r0 in (0..n).step_by(chunk) {
            let m = chunk.min(n - r0);
            let columns = m * positions;
            let (cols_t, rest) = scratch.split_at_mut(patch * columns);
            let (z_t, padded) = rest.split_at_mut(f * columns);
            self.pad_images(&input[r0 * self.in_len()..], m, padded);
            self.im2col(padded, m, cols_t);
            // numpy: z^T = W.reshape(F, -1) @ cols_t
            gemm_rows(kernel, w, cols_t, z_t, f, columns, patch, Start::Zero);
            let out = &mut z[r0 * f * positions..(r0 + m) * f * positions];
            for (r, example) in out.chunks_exact_mut(f * positions).enumerate() {
                for ((map, from), &b) in example
                    .chunks_exact_mut(positions)
                    .zip(z_t.chunks_exact(columns))
                    .zip(biases)
                {
                    for (o, &v) in map.iter_mut().zip(&from[r * positions..]) {
                        *o = v + b;
                    }
                }
            }
        }
        activation.apply_all(true, z, a);
    }

    /// dW, db and (when asked) dC/d(input) of `n` examples from delta = dC/dz
    /// (n, F, OH OW), chunk by chunk; dW and db are overwritten.
    #[allow(clippy::too_many_arguments)]
    pub fn backward<T: Real>(
        &self,
        kernel: Kernel,
        weights: &[T],
        input: &[T],
        n: usize,
        delta: &[T],
        dw: &mut [T],
        db: &mut [T],
        mut d_input: Option<&mut [T]>,
        scratch: &mut [T],
    ) {
        let (positions, patch, f) = (self.positions(), self.patch(), self.filters);
        let chunk = self.chunk(n);
        dw.fill(T::zero());
        db.fill(T::zero());
        let w_t = Strided {
            data: weights,
            row: 1,
            col: patch,
        };
        for r0 in (0..n).step_by(chunk) {
            let m = chunk.min(n - r0);
            let columns = m * positions;
            let (cols_t, rest) = scratch.split_at_mut(patch * columns);
            let (delta_t, rest) = rest.split_at_mut(f * columns);
            let (d_cols_t, padded) = rest.split_at_mut(patch * columns);
            let from = &delta[r0 * f * positions..(r0 + m) * f * positions];
            for (r, example) in from.chunks_exact(f * positions).enumerate() {
                for (map, to) in example
                    .chunks_exact(positions)
                    .zip(delta_t.chunks_exact_mut(columns))
                {
                    to[r * positions..(r + 1) * positions].copy_from_slice(map);
                }
            }
            for (b, row) in db.iter_mut().zip(delta_t.chunks_exact(columns)) {
                *b += row.iter().fold(T::zero(), |s, &v| s + v);
            }
            self.pad_images(&input[r0 * self.in_len()..], m, padded);
            self.im2col(padded, m, cols_t);
            // numpy: dW += delta^T @ cols_t^T
            gemm_abt(kernel, delta_t, cols_t, dw, f, patch, columns, true);
            if let Some(d_in) = d_input.as_deref_mut() {
                // numpy: d_cols_t = W.reshape(F, -1).T @ delta^T, then col2im
                gemm_rows(
                    kernel,
                    w_t,
                    delta_t,
                    d_cols_t,
                    patch,
                    columns,
                    f,
                    Start::Zero,
                );
                let padded = &mut padded[..m * self.padded_len()];
                padded.fill(T::zero());
                self.col2im(d_cols_t, m, padded);
                self.crop_images(padded, m, &mut d_in[r0 * self.in_len()..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::standard_normal;
    use crate::engine::ops::conv::Conv2d;
    use crate::engine::ops::{Operation, Outputs, Pass, Saved, Tensor};
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    /// z, a, dW, db and dC/d(input) of one forward and backward on `kernel`.
    type Run = [Vec<f32>; 5];

    fn run(conv: &Conv2d<f32>, kernel: Kernel, x: &[f32], upstream: &[f32], n: usize) -> Run {
        let len = conv.output_len();
        let (mut z, mut a) = (vec![0.0; n * len], vec![0.0; n * len]);
        let mut scratch = vec![0.0; conv.scratch_len(n)];
        let out = Outputs {
            z: &mut z,
            a: &mut a,
            saved: &mut [],
        };
        conv.forward(Pass::eval(kernel), x, n, out, &mut scratch);
        let mut delta = upstream.to_vec();
        let mut grads: Vec<Tensor<f32>> =
            (0..2).map(|p| Tensor::zeros(conv.param_shape(p))).collect();
        // Stale values, which backward must overwrite.
        grads.iter_mut().for_each(|g| g.values.fill(7.0));
        let mut d_input = vec![3.0; x.len()];
        let saved = Saved {
            input: x,
            z: &z,
            a: &a,
            saved: &[],
        };
        conv.backward(
            Pass::eval(kernel),
            n,
            saved,
            &mut delta,
            &mut grads,
            Some(&mut d_input),
            &mut scratch,
        );
        let [dw, db] = grads.try_into().expect("two parameters");
        [z, a, dw.values, db.values, d_input]
    }

    /// The batched product against the per-example reference on random geometries:
    /// every stride, pad 0 to 2, one to three channels, kernels 1x1 to 5x5, square or
    /// not, and batches that span several chunks. Equal within f32 rounding: the sums
    /// are the same, in another order.
    #[test]
    fn the_batched_product_equals_the_per_example_reference() {
        let rng = &mut StdRng::seed_from_u64(16);
        let mut shapes = vec![
            ((1, 8, 8), 8, (3, 3), 1, 1, 32),
            ((3, 7, 5), 4, (2, 3), 2, 0, 5),
            ((2, 6, 9), 5, (5, 4), 2, 2, 3),
            ((1, 4, 4), 2, (1, 1), 1, 0, 70),
            ((3, 28, 28), 6, (5, 5), 1, 2, 9),
        ];
        for _ in 0..40 {
            let c = rng.random_range(1..=3);
            let (h, w) = (rng.random_range(1..=10), rng.random_range(1..=10));
            let kernel = (rng.random_range(1..=5), rng.random_range(1..=5));
            let (stride, pad) = (rng.random_range(1..=3), rng.random_range(0..=2));
            shapes.push((
                (c, h, w),
                rng.random_range(1..=9),
                kernel,
                stride,
                pad,
                rng.random_range(1..=40),
            ));
        }
        let mut checked = 0;
        for (input, filters, kernel, stride, pad, n) in shapes {
            let activation =
                [Activation::Relu, Activation::Tanh, Activation::Identity][checked % 3];
            let Ok(mut conv) =
                Conv2d::<f32>::zeros(input, filters, kernel, stride, pad, activation)
            else {
                continue;
            };
            let mut draw = |v: &mut f32| *v = standard_normal(rng) as f32;
            conv.w.iter_mut().for_each(&mut draw);
            conv.b.iter_mut().for_each(&mut draw);
            let x: Vec<f32> = (0..n * conv.input_len())
                .map(|_| standard_normal(rng) as f32)
                .collect();
            let up: Vec<f32> = (0..n * conv.output_len())
                .map(|_| standard_normal(rng) as f32)
                .collect();
            let fast = run(&conv, Kernel::Simd, &x, &up, n);
            let slow = run(&conv, Kernel::Scalar, &x, &up, n);
            for (what, (f, s)) in ["z", "a", "dW", "db", "d_input"]
                .iter()
                .zip(fast.iter().zip(&slow))
            {
                assert_eq!(f.len(), s.len());
                let scale = s.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                for (i, (a, b)) in f.iter().zip(s).enumerate() {
                    assert!(
                        (a - b).abs() <= 2e-5 * scale,
                        "{input:?} F {filters} {kernel:?} stride {stride} pad {pad} n {n}: {what}[{i}] {a} vs {b}"
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 30, "only {checked} geometries fitted");
    }

    #[test]
    fn big_images_are_split_into_chunks_within_the_scratch_budget() {
        let g = Conv2d::<f32>::zeros((3, 28, 28), 6, (5, 5), 1, 2, Activation::Relu)
            .unwrap()
            .geometry();
        assert!(g.chunk(1000) < 9, "{}", g.chunk(1000));
        assert!(g.scratch_len(1000) <= CHUNK_VALUES.max(g.per_row()));
        let small = Conv2d::<f32>::zeros((1, 8, 8), 8, (3, 3), 1, 1, Activation::Relu)
            .unwrap()
            .geometry();
        assert_eq!(small.chunk(32), 32, "a W4 batch is one product");
        let all = small.chunk(1797);
        assert!(all >= 32 && all * small.per_row() <= CHUNK_VALUES, "{all}");
    }

    /// W4 of the benchmark, trained on the simd kernel (the batched convolution, and the
    /// dense layer's lane kernels) and on the scalar one (the per-example reference):
    /// the same weights after 20 steps, within f32 rounding.
    #[test]
    fn the_digits_convnet_trains_the_same_on_both_paths() {
        use crate::engine::session::{Session, SessionConfig};
        let trained = |kernel: &str| {
            let json = serde_json::json!({
                "data": {"kind": "digits", "validation": 0, "seed": 1},
                "features": {"derived": [], "standardize": false},
                "network": {"hidden": [
                    {"kind": "conv2d", "filters": 8, "kernel": [3, 3], "stride": 1, "pad": 1, "activation": "relu"},
                    {"kind": "maxpool2d", "size": 2, "stride": 2},
                    {"kind": "flatten"}],
                    "output": "identity", "loss": "softmax_cross_entropy", "init": "he", "seed": 1},
                "training": {"learning_rate": 0.05, "batch_size": 32, "kernel": kernel}
            });
            let config = SessionConfig::from_json(&json.to_string()).unwrap();
            let digits = include_bytes!("../../../../www/data/digits.bin");
            let mut s = Session::new(config, Some(digits)).unwrap();
            for _ in 0..20 {
                s.trainer.step().unwrap();
            }
            s.trainer.net.parameters().collect::<Vec<f32>>()
        };
        let (fast, slow) = (trained("simd"), trained("scalar"));
        let worst = fast
            .iter()
            .zip(&slow)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "the paths drift apart by {worst}");
    }
}
