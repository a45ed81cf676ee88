//! One fully connected layer: its forward step beside its backward step.
//!
//! Shapes, for a batch of N rows: the layer maps a_prev (N, fan_in) to
//! z = a_prev W^T + b and a = f(z), both (N, units). W is (units, fan_in): row j holds
//! the weights into unit j (the PyTorch `nn.Linear` layout).

use super::activation::Activation;
use super::real::Real;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

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

    /// Forward: z = a_prev W^T + b, a = f(z).
    /// a_prev: (N, fan_in); z, a: (N, units), overwritten.
    pub fn forward(&self, a_prev: ArrayView2<T>, mut z: ArrayViewMut2<T>, mut a: ArrayViewMut2<T>) {
        // numpy: z = a_prev.dot(W.T) + b
        z.assign(&self.b.view().insert_axis(Axis(0)));
        general_mat_mul(T::one(), &a_prev, &self.w.t(), T::one(), &mut z);
        let f = self.activation;
        Zip::from(&mut a).and(&z).for_each(|a, &z| *a = f.apply(z));
    }

    /// Backward. On entry `delta` holds dC/da for this layer; on exit it holds
    /// delta = dC/dz = dC/da * f'(z) (BP1 at the output, the second half of BP2 below it).
    /// Then db = sum over rows of delta (BP3), dW = delta^T a_prev (BP4), and, when asked,
    /// dC/da_prev = delta W (the first half of BP2 for the layer below).
    /// Shapes: a_prev (N, fan_in); z, a, delta (N, units); dw like W; db like b.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        a_prev: ArrayView2<T>,
        z: ArrayView2<T>,
        a: ArrayView2<T>,
        mut delta: ArrayViewMut2<T>,
        mut dw: ArrayViewMut2<T>,
        mut db: ArrayViewMut1<T>,
        da_prev: Option<ArrayViewMut2<T>>,
    ) {
        let f = self.activation;
        Zip::from(&mut delta)
            .and(&z)
            .and(&a)
            .for_each(|d, &z, &a| *d *= f.derivative(z, a));
        // numpy: db = delta.sum(axis=0)
        db.fill(T::zero());
        for row in delta.outer_iter() {
            db += &row;
        }
        // numpy: dW = delta.T.dot(a_prev)
        general_mat_mul(T::one(), &delta.t(), &a_prev, T::zero(), &mut dw);
        if let Some(mut da_prev) = da_prev {
            // numpy: da_prev = delta.dot(W)
            general_mat_mul(T::one(), &delta, &self.w, T::zero(), &mut da_prev);
        }
    }
}
