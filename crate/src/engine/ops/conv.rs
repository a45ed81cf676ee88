//! The 2-D convolution: F filters of C x KH x KW slide over a zero-padded C x H x W
//! image with stride S (the CMU notebook's `conv_forward`, weights F x C x KH x KW).
//!
//! Both steps go through im2col onto [`gemm_abt`]: for each example the patches are laid
//! out as a (positions, C * KH * KW) matrix, so that z = W cols^T is one product with W
//! seen as an (F, C * KH * KW) matrix, and z comes out channel-major (F x OH x OW), the
//! layout a following flatten reads as numpy's reshape does. That per-example form is
//! the reference (f64, and the scalar kernel); with the simd kernel, on a type whose
//! lanes pay (f32), a mini-batch goes through [`super::conv_batch`] as one product.

use super::conv_batch::Geometry;
use super::operation::{Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};
use crate::engine::activation::Activation;
use crate::engine::error::{EngineError, Result};
use crate::engine::flat::{flat, flat_mut};
use crate::engine::limits;
use crate::engine::number::gemm_abt::gemm_abt;
use crate::engine::number::kernel::{transpose, Kernel};
use crate::engine::number::lanes::Lanes;
use crate::engine::number::Real;
use ndarray::{Array1, Array4};
use serde_json::{json, Map, Value};

/// A convolution's filters, biases, geometry and non-linearity.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d<T> {
    /// W: (F, C, KH, KW).
    pub w: Array4<T>,
    /// b: one per filter.
    pub b: Array1<T>,
    /// The input image.
    pub input: (usize, usize, usize),
    /// Step between patches, in pixels.
    pub stride: usize,
    /// Zeros added on every side.
    pub pad: usize,
    /// f in a = f(z).
    pub activation: Activation,
}

/// W and b, as model files name them.
const PARAMS: [ParamSpec; 2] = [
    ParamSpec {
        name: "weights",
        symbol: "W",
        role: Role::Weight,
    },
    ParamSpec {
        name: "biases",
        symbol: "b",
        role: Role::Bias,
    },
];

/// Output size along one axis: (size + 2 pad - kernel) / stride + 1, or an error when
/// the kernel does not fit or the stride does not land on the far edge.
pub fn output_size(size: usize, kernel: usize, stride: usize, pad: usize) -> Result<usize> {
    let span = size + 2 * pad;
    if kernel == 0 || stride == 0 || kernel > span {
        return Err(EngineError::Model(format!(
            "a kernel of {kernel} with stride {stride} does not fit {size} pixels padded by {pad}"
        )));
    }
    Ok((span - kernel) / stride + 1)
}

impl<T: Real> Conv2d<T> {
    /// Zero filters over a (channels, height, width) input, checked to fit.
    pub fn zeros(
        input: (usize, usize, usize),
        filters: usize,
        kernel: (usize, usize),
        stride: usize,
        pad: usize,
        activation: Activation,
    ) -> Result<Self> {
        if filters == 0 || input.0 == 0 {
            return Err(EngineError::Model(
                "a convolution needs at least 1 filter and 1 input channel".into(),
            ));
        }
        let oh = output_size(input.1, kernel.0, stride, pad)?;
        let ow = output_size(input.2, kernel.1, stride, pad)?;
        let values = filters.checked_mul(oh).and_then(|v| v.checked_mul(ow));
        let weights = [input.0, kernel.0, kernel.1]
            .iter()
            .try_fold(filters, |v, &d| v.checked_mul(d));
        if values.is_none_or(|v| v > limits::MAX_ROW_VALUES) {
            return Err(EngineError::Limit(format!(
                "{filters} feature maps of {oh}x{ow} exceed {} values per example",
                limits::MAX_ROW_VALUES
            )));
        }
        if weights.is_none_or(|v| v > limits::MAX_PARAMETERS) {
            return Err(EngineError::Limit(format!(
                "{filters} filters of {}x{}x{} exceed {} parameters",
                input.0,
                kernel.0,
                kernel.1,
                limits::MAX_PARAMETERS
            )));
        }
        Ok(Conv2d {
            w: Array4::zeros((filters, input.0, kernel.0, kernel.1)),
            b: Array1::zeros(filters),
            input,
            stride,
            pad,
            activation,
        })
    }

    /// F.
    pub fn filters(&self) -> usize {
        self.w.shape()[0]
    }

    /// (KH, KW).
    pub fn kernel(&self) -> (usize, usize) {
        (self.w.shape()[2], self.w.shape()[3])
    }

    fn out_hw(&self) -> Result<(usize, usize)> {
        let (_, h, w) = self.input;
        let (kh, kw) = self.kernel();
        Ok((
            output_size(h, kh, self.stride, self.pad)?,
            output_size(w, kw, self.stride, self.pad)?,
        ))
    }

    /// (OH, OW), checked when the layer was made.
    pub fn output_hw(&self) -> (usize, usize) {
        self.out_hw()
            .expect("the geometry was checked when the layer was made")
    }

    /// The shapes [`super::conv_batch`] works on.
    pub(super) fn geometry(&self) -> Geometry {
        Geometry {
            input: self.input,
            filters: self.filters(),
            kernel: self.kernel(),
            stride: self.stride,
            pad: self.pad,
            output: self.output_hw(),
        }
    }

    /// Whether a pass takes [`super::conv_batch`]'s batched product.
    fn batched(kernel: Kernel) -> bool {
        kernel == Kernel::Simd && T::Lanes::PAY
    }

    /// Values per patch: C * KH * KW.
    fn patch(&self) -> usize {
        let (kh, kw) = self.kernel();
        self.input.0 * kh * kw
    }

    /// The same layer in another precision.
    pub fn cast<U: Real>(&self) -> Conv2d<U> {
        Conv2d {
            w: self.w.mapv(|v| U::from_f64(v.to_f64())),
            b: self.b.mapv(|v| U::from_f64(v.to_f64())),
            input: self.input,
            stride: self.stride,
            pad: self.pad,
            activation: self.activation,
        }
    }

    /// Pixel (c, i, j) of the padded image sits at `image` index, or in the padding.
    fn source(&self, c: usize, i: isize, j: isize) -> Option<usize> {
        let (_, h, w) = self.input;
        (i >= 0 && j >= 0 && (i as usize) < h && (j as usize) < w)
            .then(|| (c * h + i as usize) * w + j as usize)
    }

    /// im2col: row p of `cols` (positions x patch) is the patch under output position p,
    /// in (c, ki, kj) order, zeros where it reaches into the padding.
    fn im2col(&self, image: &[T], cols: &mut [T]) {
        let (oh, ow) = self.output_hw();
        let (kh, kw) = self.kernel();
        let patch = self.patch();
        for (p, row) in cols.chunks_exact_mut(patch).enumerate().take(oh * ow) {
            let (oi, oj) = (p / ow, p % ow);
            let top = (oi * self.stride) as isize - self.pad as isize;
            let left = (oj * self.stride) as isize - self.pad as isize;
            let mut v = row.iter_mut();
            for c in 0..self.input.0 {
                for ki in 0..kh as isize {
                    for kj in 0..kw as isize {
                        let at = self.source(c, top + ki, left + kj);
                        *v.next().expect("a row holds one patch") =
                            at.map_or(T::zero(), |at| image[at]);
                    }
                }
            }
        }
    }

    /// col2im: adds row p of `cols` back onto the pixels its patch came from.
    fn col2im(&self, cols: &[T], image: &mut [T]) {
        let (oh, ow) = self.output_hw();
        let (kh, kw) = self.kernel();
        for (p, row) in cols.chunks_exact(self.patch()).enumerate().take(oh * ow) {
            let (oi, oj) = (p / ow, p % ow);
            let top = (oi * self.stride) as isize - self.pad as isize;
            let left = (oj * self.stride) as isize - self.pad as isize;
            let mut v = row.iter();
            for c in 0..self.input.0 {
                for ki in 0..kh as isize {
                    for kj in 0..kw as isize {
                        let d = *v.next().expect("a row holds one patch");
                        if let Some(at) = self.source(c, top + ki, left + kj) {
                            image[at] += d;
                        }
                    }
                }
            }
        }
    }
}

impl<T: Real> Operation<T> for Conv2d<T> {
    fn kind(&self) -> &'static str {
        "conv2d"
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
        let (height, width) = self.output_hw();
        Shape::Image {
            channels: self.filters(),
            height,
            width,
        }
    }
    fn activation(&self) -> Option<Activation> {
        Some(self.activation)
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn param_shape(&self, p: usize) -> &[usize] {
        match p {
            0 => self.w.shape(),
            _ => self.b.shape(),
        }
    }
    fn param(&self, p: usize) -> &[T] {
        match p {
            0 => flat(&self.w),
            _ => flat(&self.b),
        }
    }
    fn param_mut(&mut self, p: usize) -> &mut [T] {
        match p {
            0 => flat_mut(&mut self.w),
            _ => flat_mut(&mut self.b),
        }
    }
    fn hyper(&self) -> Map<String, Value> {
        let (kh, kw) = self.kernel();
        let mut m = Map::new();
        m.insert("filters".into(), json!(self.filters()));
        m.insert("kernel".into(), json!([kh, kw]));
        m.insert("stride".into(), json!(self.stride));
        m.insert("pad".into(), json!(self.pad));
        m
    }
    /// Fan-in C * KH * KW and fan-out F * KH * KW, as PyTorch counts them.
    fn fans(&self, p: usize) -> (usize, usize) {
        let (kh, kw) = self.kernel();
        match p {
            0 => (self.patch(), self.filters() * kh * kw),
            _ => (1, self.filters()),
        }
    }
    /// Per example: the patches (positions x patch), their transpose, delta^T, W^T and
    /// the patches' gradient; or a chunk of the batched path's, whichever is larger (the
    /// kernel is the pass's).
    fn scratch_len(&self, rows: usize) -> usize {
        let (oh, ow) = self.output_hw();
        let (positions, patch, f) = (oh * ow, self.patch(), self.filters());
        let per_example = 3 * positions * patch + positions * f + patch * f;
        per_example.max(if T::Lanes::PAY {
            self.geometry().scratch_len(rows)
        } else {
            0
        })
    }
    fn forward(&self, pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, scratch: &mut [T]) {
        if Self::batched(pass.kernel) {
            let (w, b) = (flat(&self.w), flat(&self.b));
            let g = self.geometry();
            g.forward(
                pass.kernel,
                w,
                b,
                self.activation,
                input,
                n,
                out.z,
                out.a,
                scratch,
            );
            return;
        }
        let (oh, ow) = self.output_hw();
        let (positions, patch, f) = (oh * ow, self.patch(), self.filters());
        let cols = &mut scratch[..positions * patch];
        let w = flat(&self.w);
        let (in_len, out_len) = (self.input_len(), f * positions);
        for r in 0..n {
            self.im2col(&input[r * in_len..(r + 1) * in_len], cols);
            let z = &mut out.z[r * out_len..(r + 1) * out_len];
            for (zf, &b) in z.chunks_exact_mut(positions).zip(self.b.iter()) {
                zf.fill(b);
            }
            // numpy: z = W.reshape(F, -1) @ cols.T + b[:, None]
            gemm_abt(pass.kernel, w, cols, z, f, positions, patch, true);
        }
        self.activation
            .apply_all(pass.kernel == Kernel::Simd, out.z, out.a);
    }
    fn backward(
        &self,
        pass: Pass<T>,
        n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        grads: &mut [Tensor<T>],
        mut d_input: Option<&mut [T]>,
        scratch: &mut [T],
    ) {
        let [dw, db] = grads else {
            unreachable!("a convolution has two parameters");
        };
        self.activation.scale_by_derivative(saved.z, saved.a, delta);
        if Self::batched(pass.kernel) {
            self.geometry().backward(
                pass.kernel,
                flat(&self.w),
                saved.input,
                n,
                delta,
                &mut dw.values,
                &mut db.values,
                d_input,
                scratch,
            );
            return;
        }
        let (oh, ow) = self.output_hw();
        let (positions, patch, f) = (oh * ow, self.patch(), self.filters());
        let (cols, rest) = scratch.split_at_mut(positions * patch);
        let (cols_t, rest) = rest.split_at_mut(positions * patch);
        let (d_cols, rest) = rest.split_at_mut(positions * patch);
        let (delta_t, rest) = rest.split_at_mut(positions * f);
        let w_t = &mut rest[..patch * f];
        let w = flat(&self.w);
        transpose(w, w_t, f, patch);
        dw.values.fill(T::zero());
        db.values.fill(T::zero());
        let (in_len, out_len) = (self.input_len(), f * positions);
        if let Some(d) = d_input.as_deref_mut() {
            d.fill(T::zero());
        }
        for r in 0..n {
            let image = &saved.input[r * in_len..(r + 1) * in_len];
            let d = &delta[r * out_len..(r + 1) * out_len];
            for (b, df) in db.values.iter_mut().zip(d.chunks_exact(positions)) {
                *b += df.iter().fold(T::zero(), |s, &v| s + v);
            }
            self.im2col(image, cols);
            transpose(cols, cols_t, positions, patch);
            // numpy: dW += delta @ cols
            gemm_abt(
                pass.kernel,
                d,
                cols_t,
                &mut dw.values,
                f,
                patch,
                positions,
                true,
            );
            if let Some(d_in) = d_input.as_deref_mut() {
                // numpy: d_cols = delta.T @ W.reshape(F, -1), then col2im
                transpose(d, delta_t, f, positions);
                gemm_abt(
                    pass.kernel,
                    delta_t,
                    w_t,
                    d_cols,
                    positions,
                    patch,
                    f,
                    false,
                );
                self.col2im(d_cols, &mut d_in[r * in_len..(r + 1) * in_len]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct sum, term by term: the reference the im2col product must match.
    fn direct(conv: &Conv2d<f64>, image: &[f64]) -> Vec<f64> {
        let (oh, ow) = conv.output_hw();
        let (kh, kw) = conv.kernel();
        let mut out = Vec::new();
        for f in 0..conv.filters() {
            for oi in 0..oh {
                for oj in 0..ow {
                    let mut s = conv.b[f];
                    for c in 0..conv.input.0 {
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let i = (oi * conv.stride + ki) as isize - conv.pad as isize;
                                let j = (oj * conv.stride + kj) as isize - conv.pad as isize;
                                if let Some(at) = conv.source(c, i, j) {
                                    s += conv.w[[f, c, ki, kj]] * image[at];
                                }
                            }
                        }
                    }
                    out.push(s);
                }
            }
        }
        out
    }

    #[test]
    fn im2col_product_equals_the_direct_sum_for_odd_geometries() {
        for &(input, filters, kernel, stride, pad) in &[
            ((1, 5, 5), 2, (3, 3), 1, 1),
            ((3, 4, 4), 3, (4, 4), 2, 1),
            ((2, 7, 5), 4, (2, 3), 2, 0),
            ((1, 3, 3), 1, (5, 5), 1, 2),
        ] {
            let mut conv =
                Conv2d::<f64>::zeros(input, filters, kernel, stride, pad, Activation::Identity)
                    .unwrap();
            for (i, w) in conv.w.iter_mut().enumerate() {
                *w = ((i * 7 % 11) as f64 - 5.0) / 7.0;
            }
            for (i, b) in conv.b.iter_mut().enumerate() {
                *b = i as f64 * 0.25 - 0.3;
            }
            let n = 2;
            let x: Vec<f64> = (0..n * conv.input_len())
                .map(|i| ((i * 5 % 13) as f64 - 6.0) / 6.0)
                .collect();
            let len = conv.output_len();
            let (mut z, mut a) = (vec![0.0; n * len], vec![0.0; n * len]);
            let mut scratch = vec![0.0; conv.scratch_len(n)];
            let out = Outputs {
                z: &mut z,
                a: &mut a,
                saved: &mut [],
            };
            conv.forward(Pass::eval(Kernel::Scalar), &x, n, out, &mut scratch);
            for r in 0..n {
                let want = direct(&conv, &x[r * conv.input_len()..(r + 1) * conv.input_len()]);
                for (g, w) in z[r * len..(r + 1) * len].iter().zip(&want) {
                    assert!((g - w).abs() < 1e-12, "{input:?} {kernel:?}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn a_kernel_larger_than_the_padded_image_is_refused() {
        let err = Conv2d::<f64>::zeros((1, 2, 2), 1, (5, 5), 1, 1, Activation::Relu).unwrap_err();
        assert!(
            err.to_string()
                .contains("does not fit 2 pixels padded by 1"),
            "{err}"
        );
    }
}
