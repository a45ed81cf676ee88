//! Flatten: an image in, its values as a row of features out, channel-major (numpy's
//! `X.reshape(N, -1)`). The trace already stores images channel-major, so forward copies
//! and backward copies the gradient through.

use super::operation::{Operation, Outputs, Pass, Saved, Shape, Tensor};
use crate::engine::number::Real;

/// A flatten of an image of this (channels, height, width).
#[derive(Debug, Clone, PartialEq)]
pub struct Flatten {
    /// The input image.
    pub input: (usize, usize, usize),
}

impl<T: Real> Operation<T> for Flatten {
    fn kind(&self) -> &'static str {
        "flatten"
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
        Shape::Features(self.input.0 * self.input.1 * self.input.2)
    }
    fn scratch_len(&self, _rows: usize) -> usize {
        0
    }
    fn forward(&self, _pass: Pass<T>, input: &[T], _n: usize, out: Outputs<T>, _s: &mut [T]) {
        out.z.copy_from_slice(input);
        out.a.copy_from_slice(input);
    }
    fn backward(
        &self,
        _pass: Pass<T>,
        _n: usize,
        _saved: Saved<T>,
        delta: &mut [T],
        _grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        _scratch: &mut [T],
    ) {
        if let Some(d) = d_input {
            d.copy_from_slice(delta);
        }
    }
}
