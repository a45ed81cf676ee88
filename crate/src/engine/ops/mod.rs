//! Layers as operations. A network is a sequence of operations; each one has its
//! forward beside its backward, exposes its parameters by name ("weights", "biases";
//! later "gamma", "beta"), and maps an input shape to an output shape. Everything above
//! (the network and its trace and gradients, the optimiser, the penalties, the
//! initialiser, the gradient check, the ledger and the model file) works through
//! [`Operation`] and never names a layer kind; the one place that lists the kinds is
//! [`Op`].

pub mod dense;
pub mod operation;
pub mod panel;

pub use operation::{Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};

use crate::engine::number::Real;
use dense::Dense;

/// Every layer kind the engine has: the one list a new kind joins.
#[derive(Debug, Clone, PartialEq)]
pub enum Op<T> {
    /// A fully connected layer.
    Dense(Dense<T>),
}

impl<T: Real> Op<T> {
    /// The operation behind the kind.
    pub fn get(&self) -> &(dyn Operation<T> + 'static) {
        match self {
            Op::Dense(d) => d,
        }
    }

    /// The operation behind the kind, writable.
    pub fn get_mut(&mut self) -> &mut (dyn Operation<T> + 'static) {
        match self {
            Op::Dense(d) => d,
        }
    }

    /// The dense layer, for the dense stack's fast path and the views that draw dense
    /// weights (filters, diagram).
    pub fn dense(&self) -> Option<&Dense<T>> {
        match self {
            Op::Dense(d) => Some(d),
        }
    }

    /// The dense layer, writable.
    pub fn dense_mut(&mut self) -> Option<&mut Dense<T>> {
        match self {
            Op::Dense(d) => Some(d),
        }
    }

    /// The same operation in another precision.
    pub fn cast<U: Real>(&self) -> Op<U> {
        match self {
            Op::Dense(d) => Op::Dense(d.cast()),
        }
    }
}

impl<T: Real> std::ops::Deref for Op<T> {
    type Target = dyn Operation<T>;
    fn deref(&self) -> &Self::Target {
        self.get()
    }
}

impl<T: Real> std::ops::DerefMut for Op<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.get_mut()
    }
}
