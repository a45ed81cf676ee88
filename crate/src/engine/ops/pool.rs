//! Max pooling: each channel's windows of size x size, stride apart, reduced to their
//! largest value. No parameters and no activation (z = a); forward keeps the winning
//! pixel of every output so that backward routes the gradient to it alone.

use super::conv::output_size;
use super::operation::{Operation, Outputs, Pass, Saved, Shape, Tensor};
use crate::engine::error::Result;
use crate::engine::number::Real;
use serde_json::{json, Map, Value};
use std::hint::select_unpredictable;

/// A max-pooling layer over a (channels, height, width) input.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxPool2d {
    /// The input image.
    pub input: (usize, usize, usize),
    /// Window side.
    pub size: usize,
    /// Step between windows.
    pub stride: usize,
}

impl MaxPool2d {
    /// A pool over `input`, checked to fit.
    pub fn new(input: (usize, usize, usize), size: usize, stride: usize) -> Result<Self> {
        output_size(input.1, size, stride, 0)?;
        output_size(input.2, size, stride, 0)?;
        Ok(MaxPool2d {
            input,
            size,
            stride,
        })
    }

    fn out_hw(&self) -> (usize, usize) {
        let side = |n| (n - self.size) / self.stride + 1;
        (side(self.input.1), side(self.input.2))
    }

    /// [`MaxPool2d::windows`] for 2 x 2 windows 2 apart, the usual halving: each window's
    /// four pixels read straight from its two rows. Both forms pick the winner's index
    /// with an integer select and read its value back, not branches nor a float select
    /// (which V8 compiles to a branch on x64): which pixel wins is data, which a branch
    /// predictor misses half the time, and a miss cost more than the rest of the window.
    fn halve<T: Real>(&self, input: &[T], n: usize, z: &mut [T], saved: &mut [T]) {
        let (c, h, w) = self.input;
        let (oh, ow) = self.out_hw();
        let planes = z
            .chunks_exact_mut(oh * ow)
            .zip(saved.chunks_exact_mut(oh * ow));
        for (plane, (zp, sp)) in planes.enumerate().take(n * c) {
            let image = &input[plane * h * w..(plane + 1) * h * w];
            let origin = (plane % c) * h * w;
            for (oi, (zr, sr)) in zp
                .chunks_exact_mut(ow)
                .zip(sp.chunks_exact_mut(ow))
                .enumerate()
            {
                let top = 2 * oi * w;
                let rows = &image[top..top + 2 * w];
                for (oj, (zo, so)) in zr.iter_mut().zip(sr.iter_mut()).enumerate() {
                    let j = 2 * oj;
                    let mut at = j;
                    for i in [j + 1, w + j, w + j + 1] {
                        at = select_unpredictable(rows[i] > rows[at], i, at);
                    }
                    *zo = rows[at];
                    *so = T::from_f64((origin + top + at) as u32 as f64);
                }
            }
        }
    }

    /// z of `n` images, and the input index (within its example) of each output's
    /// winner, for windows of `size` (which equals `self.size`; a constant where the
    /// caller inlines it). The first largest value of a window wins, read row by row.
    #[inline(always)]
    fn windows<T: Real>(&self, size: usize, input: &[T], n: usize, z: &mut [T], saved: &mut [T]) {
        let (c, h, w) = self.input;
        let (oh, ow) = self.out_hw();
        let st = self.stride;
        let planes = z
            .chunks_exact_mut(oh * ow)
            .zip(saved.chunks_exact_mut(oh * ow));
        for (plane, (zp, sp)) in planes.enumerate().take(n * c) {
            let image = &input[plane * h * w..(plane + 1) * h * w];
            let origin = (plane % c) * h * w;
            for (oi, (zr, sr)) in zp
                .chunks_exact_mut(ow)
                .zip(sp.chunks_exact_mut(ow))
                .enumerate()
            {
                let top = oi * st * w;
                let rows = &image[top..top + size * w];
                for (oj, (zo, so)) in zr.iter_mut().zip(sr.iter_mut()).enumerate() {
                    let left = oj * st;
                    let mut at = left;
                    for ki in 0..size {
                        for kj in 0..size {
                            let i = ki * w + left + kj;
                            at = select_unpredictable(rows[i] > rows[at], i, at);
                        }
                    }
                    *zo = rows[at];
                    *so = T::from_f64((origin + top + at) as f64);
                }
            }
        }
    }
}

impl<T: Real> Operation<T> for MaxPool2d {
    fn kind(&self) -> &'static str {
        "maxpool2d"
    }
    fn input_shape(&self) -> Shape {
        let (channels, height, width) = self.input;
        Shape::Image {
            channels,
            height,
            width,
        }
    }
    fn output_shape(&self) -> Shape {
        let (height, width) = self.out_hw();
        Shape::Image {
            channels: self.input.0,
            height,
            width,
        }
    }
    fn hyper(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("size".into(), json!(self.size));
        m.insert("stride".into(), json!(self.stride));
        m
    }
    fn scratch_len(&self, _rows: usize) -> usize {
        0
    }
    /// The input index of each output's winner (exact in f32 below 2^24 values).
    fn saved_len(&self, rows: usize) -> usize {
        rows * <Self as Operation<T>>::output_len(self)
    }
    fn forward(&self, _pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, _s: &mut [T]) {
        // The common windows as constants, so that their loops unroll.
        match (self.size, self.stride) {
            (2, 2) => self.halve(input, n, out.z, out.saved),
            (2, _) => self.windows(2, input, n, out.z, out.saved),
            (3, _) => self.windows(3, input, n, out.z, out.saved),
            (size, _) => self.windows(size, input, n, out.z, out.saved),
        }
        out.a.copy_from_slice(out.z);
    }
    fn backward(
        &self,
        _pass: Pass<T>,
        n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        _grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        _scratch: &mut [T],
    ) {
        let Some(d_input) = d_input else { return };
        let (c, h, w) = self.input;
        let (oh, ow) = self.out_hw();
        let (in_len, out_len) = (c * h * w, c * oh * ow);
        d_input.fill(T::zero());
        for r in 0..n {
            for o in 0..out_len {
                let at = saved.saved[r * out_len + o].to_f64() as usize;
                d_input[r * in_len + at] += delta[r * out_len + o];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::number::kernel::Kernel;

    #[test]
    fn each_window_keeps_its_largest_value_and_backward_routes_to_it() {
        let pool = MaxPool2d::new((1, 4, 4), 2, 2).unwrap();
        let x: Vec<f64> = vec![
            1., 2., 5., 0., //
            3., 4., 1., 1., //
            0., 0., -1., -2., //
            9., 0., -3., -4.,
        ];
        let (mut z, mut a, mut saved) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]);
        let out = Outputs {
            z: &mut z,
            a: &mut a,
            saved: &mut saved,
        };
        pool.forward(Pass::eval(Kernel::Scalar), &x, 1, out, &mut []);
        assert_eq!(a, [4., 5., 9., -1.]);
        let mut d = vec![0.0; 16];
        let mut delta = vec![1., 2., 3., 4.];
        let s = Saved {
            input: &x,
            z: &z,
            a: &a,
            saved: &saved,
        };
        pool.backward(
            Pass::eval(Kernel::Scalar),
            1,
            s,
            &mut delta,
            &mut [],
            Some(&mut d),
            &mut [],
        );
        let mut want = vec![0.0; 16];
        (want[5], want[2], want[12], want[10]) = (1., 2., 3., 4.);
        assert_eq!(d, want);
    }

    #[test]
    fn the_unrolled_windows_equal_a_plain_scan_on_every_size_stride_and_tie() {
        for (input, size, stride) in [
            ((2, 8, 8), 2, 2),
            ((3, 7, 5), 3, 2),
            ((1, 6, 9), 4, 1),
            ((2, 5, 5), 1, 1),
            ((1, 9, 7), 3, 3),
        ] {
            let pool = MaxPool2d::new(input, size, stride).unwrap();
            let n = 3;
            let len = <MaxPool2d as Operation<f64>>::output_len(&pool);
            let in_len = input.0 * input.1 * input.2;
            // Few distinct values, so that windows hold ties.
            let x: Vec<f64> = (0..n * in_len).map(|i| ((i * 7919) % 5) as f64).collect();
            let (mut z, mut a, mut saved) =
                (vec![0.0; n * len], vec![0.0; n * len], vec![0.0; n * len]);
            let out = Outputs {
                z: &mut z,
                a: &mut a,
                saved: &mut saved,
            };
            pool.forward(Pass::eval(Kernel::Scalar), &x, n, out, &mut []);
            let (c, h, w) = input;
            let (oh, ow) = pool.out_hw();
            for r in 0..n {
                for ch in 0..c {
                    for oi in 0..oh {
                        for oj in 0..ow {
                            let mut best = (ch * h + oi * stride) * w + oj * stride;
                            for ki in 0..size {
                                for kj in 0..size {
                                    let at = (ch * h + oi * stride + ki) * w + oj * stride + kj;
                                    if x[r * in_len + at] > x[r * in_len + best] {
                                        best = at;
                                    }
                                }
                            }
                            let o = r * len + (ch * oh + oi) * ow + oj;
                            assert_eq!(
                                saved[o], best as f64,
                                "{input:?} {size} {stride}: output {o}"
                            );
                            assert_eq!((z[o], a[o]), (x[r * in_len + best], x[r * in_len + best]));
                        }
                    }
                }
            }
        }
    }
}
