//! The dense operation, one fully connected layer: its forward step beside its
//! backward step.
//!
//! Shapes, for a batch of N rows: the layer maps a_prev (N, fan_in) to
//! z = a_prev W^T + b and a = f(z), both (N, units). W is (units, fan_in): row j holds
//! the weights into unit j (the PyTorch `nn.Linear` layout). The steps work on
//! row-major slices of the trace's buffers and put every product in the kernels'
//! C (+)= A B^T shape.

use super::operation::{Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};
use crate::engine::activation::Activation;
use crate::engine::flat::{flat, flat_mut};
use crate::engine::number::gemm_abt::gemm_abt;
use crate::engine::number::gemm_rows::{gemm_rows, Start, Strided};
use crate::engine::number::kernel::{transpose, Kernel};
use crate::engine::number::Real;
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

/// Scratch length [`Dense::backward`] needs for `rows` rows.
pub fn scratch_len(rows: usize, fan_in: usize, units: usize) -> usize {
    (rows * (units + fan_in)).max(units * fan_in)
}

/// Narrowest row worth a 4-lane register: below it [`gemm_rows`] would run its
/// scalar edge loop, and the blocked dot products of [`gemm_abt`] serve better.
const LANES: usize = 4;

/// Fan-in from which the forward product takes [`gemm_abt`]: its 4 x 4 blocks read both
/// operands along contiguous rows, where [`gemm_rows`] would stride through a W^T that
/// no longer fits in the first-level cache.
const LONG_FAN_IN: usize = 128;

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
        (flat(&self.w), flat(&self.b))
    }

    /// The same layer in another precision.
    pub fn cast<U: Real>(&self) -> Dense<U> {
        Dense {
            w: self.w.mapv(|v| U::from_f64(v.to_f64())),
            b: self.b.mapv(|v| U::from_f64(v.to_f64())),
            activation: self.activation,
        }
    }

    /// Forward over `n` rows: z = a_prev W^T + b, a = f(z).
    /// a_prev: n * fan_in values; z, a: n * units values, overwritten; scratch at least
    /// units * fan_in values.
    pub fn forward(
        &self,
        kernel: Kernel,
        a_prev: &[T],
        n: usize,
        z: &mut [T],
        a: &mut [T],
        scratch: &mut [T],
    ) {
        let (w, b) = self.params();
        let (m, k) = (self.units(), self.fan_in());
        // numpy: z = a_prev.dot(W.T) + b
        if kernel == Kernel::Simd && m >= LANES && k < LONG_FAN_IN {
            // Along the units: each row of z starts from b and adds a_prev[r][i] W^T[i].
            let w_t = &mut scratch[..k * m];
            transpose(w, w_t, m, k);
            let rows = Strided {
                data: a_prev,
                row: k,
                col: 1,
            };
            gemm_rows(kernel, rows, w_t, z, n, m, k, Start::Row(b));
        } else {
            for row in z.chunks_exact_mut(m) {
                row.copy_from_slice(b);
            }
            gemm_abt(kernel, a_prev, w, z, n, m, k, true);
        }
        self.activation.apply_all(kernel == Kernel::Simd, z, a);
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
        self.activation.scale_by_derivative(z, a, delta);
        // numpy: db = delta.sum(axis=0)
        db.fill(T::zero());
        for row in delta.chunks_exact(m) {
            for (b, &d) in db.iter_mut().zip(row) {
                *b += d;
            }
        }
        // numpy: dW = delta.T.dot(a_prev)
        match kernel {
            Kernel::Simd if k >= LANES || m < LANES => {
                // A sum of outer products delta[r]^T a_prev[r], along the fan-in.
                let delta_t = Strided {
                    data: &*delta,
                    row: 1,
                    col: m,
                };
                gemm_rows(kernel, delta_t, a_prev, dw, m, k, n, Start::Zero);
            }
            Kernel::Simd => {
                // A narrow fan-in: the same sum along the units, into dW^T.
                let dw_t = &mut scratch[..k * m];
                let a_prev_t = Strided {
                    data: a_prev,
                    row: 1,
                    col: k,
                };
                gemm_rows(kernel, a_prev_t, delta, dw_t, k, m, n, Start::Zero);
                transpose(dw_t, dw, k, m);
            }
            Kernel::Scalar => {
                // As (delta^T)(a_prev^T)^T.
                let (delta_t, rest) = scratch.split_at_mut(m * n);
                let a_prev_t = &mut rest[..k * n];
                transpose(delta, delta_t, n, m);
                transpose(a_prev, a_prev_t, n, k);
                gemm_abt(kernel, delta_t, a_prev_t, dw, m, k, n, false);
            }
        }
        if let Some(da_prev) = da_prev {
            // numpy: da_prev = delta.dot(W)
            let (w, _) = self.params();
            match kernel {
                Kernel::Simd => {
                    let rows = Strided {
                        data: &*delta,
                        row: m,
                        col: 1,
                    };
                    gemm_rows(kernel, rows, w, da_prev, n, k, m, Start::Zero);
                }
                Kernel::Scalar => {
                    // As delta (W^T)^T.
                    let w_t = &mut scratch[..k * m];
                    transpose(w, w_t, m, k);
                    gemm_abt(kernel, delta, w_t, da_prev, n, k, m, false);
                }
            }
        }
    }
}

impl<T: Real> Operation<T> for Dense<T> {
    fn kind(&self) -> &'static str {
        "dense"
    }
    fn input_shape(&self) -> Shape {
        Shape::Features(self.fan_in())
    }
    fn output_shape(&self) -> Shape {
        Shape::Features(self.units())
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
    fn scratch_len(&self, rows: usize) -> usize {
        scratch_len(rows, self.fan_in(), self.units())
    }
    fn forward(&self, pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, scratch: &mut [T]) {
        Dense::forward(self, pass.kernel, input, n, out.z, out.a, scratch);
    }
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
        let [dw, db] = grads else {
            unreachable!("a dense layer has two parameters");
        };
        Dense::backward(
            self,
            pass.kernel,
            n,
            saved.input,
            saved.z,
            saved.a,
            delta,
            &mut dw.values,
            &mut db.values,
            d_input,
            scratch,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::ALL;
    use crate::engine::init::standard_normal;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
        (0..len).map(|_| standard_normal(rng) as f32).collect()
    }

    /// Everything one layer's two steps produce, for one kernel.
    fn steps(layer: &Dense<f32>, kernel: Kernel, x: &[f32], up: &[f32], n: usize) -> Vec<Vec<f32>> {
        let (m, k) = (layer.units(), layer.fan_in());
        let mut scratch = vec![0.0; scratch_len(n, k, m)];
        let (mut z, mut a) = (vec![0.0; n * m], vec![0.0; n * m]);
        layer.forward(kernel, x, n, &mut z, &mut a, &mut scratch);
        let mut delta = up.to_vec();
        let (mut dw, mut db, mut da_prev) = (vec![0.0; m * k], vec![0.0; m], vec![0.0; n * k]);
        layer.backward(
            kernel,
            n,
            x,
            &z,
            &a,
            &mut delta,
            &mut dw,
            &mut db,
            Some(&mut da_prev),
            &mut scratch,
        );
        vec![z, a, delta, dw, db, da_prev]
    }

    #[test]
    fn simd_and_scalar_layers_agree_for_every_activation_and_edge_shape() {
        let rng = &mut StdRng::seed_from_u64(3);
        for &(n, k, m) in &[
            (1, 2, 8),
            (10, 2, 8),
            (10, 8, 8),
            (10, 8, 1),
            (7, 3, 5),
            (32, 64, 128),
            (5, 130, 6),
        ] {
            for act in ALL {
                let mut layer = Dense::zeros(k, m, act);
                layer
                    .w
                    .iter_mut()
                    .for_each(|w| *w = standard_normal(rng) as f32 / (k as f32).sqrt());
                layer
                    .b
                    .iter_mut()
                    .for_each(|b| *b = standard_normal(rng) as f32 * 0.1);
                let (x, up) = (random(rng, n * k), random(rng, n * m));
                let fast = steps(&layer, Kernel::Simd, &x, &up, n);
                let slow = steps(&layer, Kernel::Scalar, &x, &up, n);
                for (what, (f, s)) in ["z", "a", "delta", "dW", "db", "da_prev"]
                    .iter()
                    .zip(fast.iter().zip(&slow))
                {
                    for (f, s) in f.iter().zip(s) {
                        assert!(
                            (f - s).abs() <= 1e-5 * (1.0 + s.abs()),
                            "{} ({n},{k},{m}) {what}: {f} vs {s}",
                            act.name()
                        );
                    }
                }
            }
        }
    }
}
