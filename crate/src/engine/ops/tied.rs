//! A tied layer: its weights are the transpose of an earlier dense layer's W (the UCLA
//! autoencoder's x-hat = W^T W x), with its own biases and activation. It owns no
//! weights: the network hands it layer L's W in the pass and, in backward, lends it
//! L's weight gradient to write its path into, to which L then adds its own, so that
//! both paths meet in one gradient (dC/dW = W x g^T + W g x^T for the autoencoder).

use super::operation::{Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};
use crate::engine::activation::Activation;
use crate::engine::flat::{flat, flat_mut};
use crate::engine::number::gemm_abt::gemm_abt;
use crate::engine::number::kernel::{transpose, Kernel};
use crate::engine::number::Real;
use ndarray::Array1;
use serde_json::{json, Map, Value};

/// A layer z = x W_L + b, a = f(z), where W_L is (units_L, fan_in_L).
#[derive(Debug, Clone, PartialEq)]
pub struct Tied<T> {
    /// L: the index of the dense layer whose W this transposes.
    pub of: usize,
    /// L's units: this layer's inputs.
    pub inputs: usize,
    /// b: one per output (L's inputs).
    pub b: Array1<T>,
    /// f in a = f(z).
    pub activation: Activation,
}

/// b alone: W belongs to layer L.
const PARAMS: [ParamSpec; 1] = [ParamSpec {
    name: "biases",
    symbol: "b",
    role: Role::Bias,
}];

impl<T: Real> Tied<T> {
    /// Zero biases, tied to layer `of` of `inputs` units and `outputs` inputs.
    pub fn zeros(of: usize, inputs: usize, outputs: usize, activation: Activation) -> Self {
        Tied {
            of,
            inputs,
            b: Array1::zeros(outputs),
            activation,
        }
    }

    /// The same layer in another precision.
    pub fn cast<U: Real>(&self) -> Tied<U> {
        Tied {
            of: self.of,
            inputs: self.inputs,
            b: self.b.mapv(|v| U::from_f64(v.to_f64())),
            activation: self.activation,
        }
    }
}

impl<T: Real> Operation<T> for Tied<T> {
    fn kind(&self) -> &'static str {
        "tied"
    }
    fn input_shape(&self) -> Shape {
        Shape::Features(self.inputs)
    }
    fn output_shape(&self) -> Shape {
        Shape::Features(self.b.len())
    }
    fn activation(&self) -> Option<Activation> {
        Some(self.activation)
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn param_shape(&self, _p: usize) -> &[usize] {
        self.b.shape()
    }
    fn param(&self, _p: usize) -> &[T] {
        flat(&self.b)
    }
    fn param_mut(&mut self, _p: usize) -> &mut [T] {
        flat_mut(&mut self.b)
    }
    fn hyper(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("of".into(), json!(self.of));
        m
    }
    fn ties(&self) -> Option<usize> {
        Some(self.of)
    }
    fn scratch_len(&self, rows: usize) -> usize {
        self.inputs * self.b.len() + rows * (self.inputs + self.b.len())
    }
    fn forward(&self, pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, scratch: &mut [T]) {
        let (k, m) = (self.inputs, self.b.len());
        let w_t = &mut scratch[..k * m];
        transpose(pass.tied, w_t, k, m);
        for row in out.z.chunks_exact_mut(m) {
            row.copy_from_slice(flat(&self.b));
        }
        // numpy: z = x @ W + b
        gemm_abt(pass.kernel, input, w_t, out.z, n, m, k, true);
        self.activation
            .apply_all(pass.kernel == Kernel::Simd, out.z, out.a);
    }
    /// `grads` is [db, dW_L]: the network lends L's weight gradient after b's, and this
    /// path is added to it (two tied layers may share one L).
    fn backward(
        &self,
        pass: Pass<T>,
        n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        scratch: &mut [T],
    ) {
        let [db, dw] = grads else {
            unreachable!("a tied layer gets its biases' gradient and the lent W's");
        };
        let (k, m) = (self.inputs, self.b.len());
        self.activation.scale_by_derivative(saved.z, saved.a, delta);
        db.values.fill(T::zero());
        for row in delta.chunks_exact(m) {
            for (b, &d) in db.values.iter_mut().zip(row) {
                *b += d;
            }
        }
        // numpy: dW_L += x.T @ delta, (units_L, fan_in_L)
        let (x_t, rest) = scratch.split_at_mut(k * n);
        let delta_t = &mut rest[..m * n];
        transpose(saved.input, x_t, n, k);
        transpose(delta, delta_t, n, m);
        gemm_abt(pass.kernel, x_t, delta_t, &mut dw.values, k, m, n, true);
        if let Some(d) = d_input {
            // numpy: d_x = delta @ W.T
            gemm_abt(pass.kernel, delta, pass.tied, d, n, k, m, false);
        }
    }
}
