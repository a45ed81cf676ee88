//! Max pooling: each channel's windows of size x size, stride apart, reduced to their
//! largest value. No parameters and no activation (z = a); forward keeps the winning
//! pixel of every output so that backward routes the gradient to it alone.

use super::conv::output_size;
use super::operation::{Operation, Outputs, Pass, Saved, Shape, Tensor};
use crate::engine::error::Result;
use crate::engine::number::Real;
use serde_json::{json, Map, Value};

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
        let (c, h, w) = self.input;
        let (oh, ow) = self.out_hw();
        let (in_len, out_len) = (c * h * w, c * oh * ow);
        for r in 0..n {
            let image = &input[r * in_len..(r + 1) * in_len];
            for ch in 0..c {
                for oi in 0..oh {
                    for oj in 0..ow {
                        let mut best = (ch * h + oi * self.stride) * w + oj * self.stride;
                        for ki in 0..self.size {
                            for kj in 0..self.size {
                                let at =
                                    (ch * h + oi * self.stride + ki) * w + oj * self.stride + kj;
                                if image[at] > image[best] {
                                    best = at;
                                }
                            }
                        }
                        let o = r * out_len + (ch * oh + oi) * ow + oj;
                        out.z[o] = image[best];
                        out.a[o] = image[best];
                        out.saved[o] = T::from_f64(best as f64);
                    }
                }
            }
        }
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
}
