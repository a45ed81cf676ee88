//! One fully connected layer: its forward step beside its backward step.
//!
//! Shapes, for a batch of N rows: the layer maps a_prev (N, fan_in) to
//! z = a_prev W^T + b and a = f(z), both (N, units). W is (units, fan_in): row j holds
//! the weights into unit j (the PyTorch `nn.Linear` layout). The steps work on
//! row-major slices of the trace's buffers and put every product in the kernels'
//! C (+)= A B^T shape.

use super::activation::Activation;
use super::kernels::{gemm_abt, transpose, Kernel};
use super::real::Real;
use ndarray::{Array1, Array2};

/// A dense layer's parameters and non-linearity.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<T> {
    /// W: (units, fan_in).
    pub w: Array2<T>,
    /// b: (units).
    pub b: Array1<T>,
    /// f in a = f(z).
    pub activation: Activation,
}

/// Scratch length [`Dense::backward`] needs for `rows` rows.
pub fn scratch_len(rows: usize, fan_in: usize, units: usize) -> usize {
    (rows * (units + fan_in)).max(units * fan_in)
}

impl<T: Real> Dense<T> {
    /// A layer of zeros, to be filled by an initialiser or a model file.
    pub fn zeros(fan_in: usize, units: usize, activation: Activation) -> Self {
        Dense {
            w: Array2::zeros((units, fan_in)),
            b: Array1::zeros(units),
            activation,
        }
    }

    /// Number of units (rows of W).
    pub fn units(&self) -> usize {
        self.w.nrows()
    }

    /// Number of inputs (columns of W).
    pub fn fan_in(&self) -> usize {
        self.w.ncols()
    }

    fn params(&self) -> (&[T], &[T]) {
        (
            self.w
                .as_slice()
                .expect("layer weights are a standard-layout array"),
            self.b.as_slice().expect("layer biases are contiguous"),
        )
    }

    /// Forward over `n` rows: z = a_prev W^T + b, a = f(z).
    /// a_prev: n * fan_in values; z, a: n * units values, overwritten.
    pub fn forward(&self, kernel: Kernel, a_prev: &[T], n: usize, z: &mut [T], a: &mut [T]) {
        let (w, b) = self.params();
        let (m, k) = (self.units(), self.fan_in());
        // numpy: z = a_prev.dot(W.T) + b
        for row in z.chunks_exact_mut(m) {
            row.copy_from_slice(b);
        }
        gemm_abt(kernel, a_prev, w, z, n, m, k, true);
        let f = self.activation;
        for (a, &z) in a.iter_mut().zip(z.iter()) {
            *a = f.apply(z);
        }
    }

    /// Backward over `n` rows. On entry `delta` holds dC/da for this layer; on exit it
    /// holds delta = dC/dz = dC/da * f'(z) (BP1 at the output, the second half of BP2
    /// below it). Then db = sum over rows of delta (BP3), dW = delta^T a_prev (BP4) and,
    /// when asked, dC/da_prev = delta W (the first half of BP2 for the layer below).
    /// Slices: a_prev n * fan_in; z, a, delta n * units; dw like W; db like b; scratch
    /// at least [`scratch_len`].
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        kernel: Kernel,
        n: usize,
        a_prev: &[T],
        z: &[T],
        a: &[T],
        delta: &mut [T],
        dw: &mut [T],
        db: &mut [T],
        da_prev: Option<&mut [T]>,
        scratch: &mut [T],
    ) {
        let (m, k) = (self.units(), self.fan_in());
        let f = self.activation;
        for ((d, &z), &a) in delta.iter_mut().zip(z).zip(a) {
            *d *= f.derivative(z, a);
        }
        // numpy: db = delta.sum(axis=0)
        db.fill(T::zero());
        for row in delta.chunks_exact(m) {
            for (b, &d) in db.iter_mut().zip(row) {
                *b += d;
            }
        }
        // numpy: dW = delta.T.dot(a_prev), as (delta^T)(a_prev^T)^T
        let (delta_t, rest) = scratch.split_at_mut(m * n);
        let a_prev_t = &mut rest[..k * n];
        transpose(delta, delta_t, n, m);
        transpose(a_prev, a_prev_t, n, k);
        gemm_abt(kernel, delta_t, a_prev_t, dw, m, k, n, false);
        if let Some(da_prev) = da_prev {
            // numpy: da_prev = delta.dot(W), as delta (W^T)^T
            let (w, _) = self.params();
            let w_t = &mut scratch[..k * m];
            transpose(w, w_t, m, k);
            gemm_abt(kernel, delta, w_t, da_prev, n, k, m, false);
        }
    }
}
