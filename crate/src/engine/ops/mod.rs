//! Layers as operations. A network is a sequence of operations; each one has its
//! forward beside its backward, exposes its parameters by name ("weights", "biases";
//! later "gamma", "beta"), and maps an input shape to an output shape. Everything above
//! (the network and its trace and gradients, the optimiser, the penalties, the
//! initialiser, the gradient check, the ledger and the model file) works through
//! [`Operation`] and never names a layer kind; the one place that lists the kinds is
//! [`Op`].

pub mod batchnorm;
pub mod conv;
pub mod conv_batch;
pub mod dense;
pub mod dropout;
pub mod flatten;
pub mod operation;
pub mod panel;
pub mod pool;
pub mod spec;
pub mod tied;

pub use operation::{Mode, Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};

use crate::engine::number::Real;
use batchnorm::BatchNorm;
use conv::Conv2d;
use dense::Dense;
use dropout::Dropout;
use flatten::Flatten;
use pool::MaxPool2d;
use tied::Tied;

/// Every layer kind the engine has: the one list a new kind joins.
#[derive(Debug, Clone, PartialEq)]
pub enum Op<T> {
    /// A fully connected layer.
    Dense(Dense<T>),
    /// A 2-D convolution.
    Conv2d(Conv2d<T>),
    /// Max pooling.
    MaxPool2d(MaxPool2d),
    /// An image to a row of features.
    Flatten(Flatten),
    /// Inverted dropout.
    Dropout(Dropout),
    /// Batch normalisation.
    BatchNorm(BatchNorm<T>),
    /// The transpose of an earlier dense layer's weights.
    Tied(Tied<T>),
}

impl<T: Real> Op<T> {
    /// The operation behind the kind.
    pub fn get(&self) -> &(dyn Operation<T> + 'static) {
        match self {
            Op::Dense(d) => d,
            Op::Conv2d(c) => c,
            Op::MaxPool2d(p) => p,
            Op::Flatten(f) => f,
            Op::Dropout(d) => d,
            Op::BatchNorm(b) => b,
            Op::Tied(t) => t,
        }
    }

    /// The operation behind the kind, writable.
    pub fn get_mut(&mut self) -> &mut (dyn Operation<T> + 'static) {
        match self {
            Op::Dense(d) => d,
            Op::Conv2d(c) => c,
            Op::MaxPool2d(p) => p,
            Op::Flatten(f) => f,
            Op::Dropout(d) => d,
            Op::BatchNorm(b) => b,
            Op::Tied(t) => t,
        }
    }

    /// The dense layer, for the dense stack's fast path and the views that draw dense
    /// weights (filters, diagram).
    pub fn dense(&self) -> Option<&Dense<T>> {
        match self {
            Op::Dense(d) => Some(d),
            _ => None,
        }
    }

    /// The dense layer, writable.
    pub fn dense_mut(&mut self) -> Option<&mut Dense<T>> {
        match self {
            Op::Dense(d) => Some(d),
            _ => None,
        }
    }

    /// The same operation in another precision.
    pub fn cast<U: Real>(&self) -> Op<U> {
        match self {
            Op::Dense(d) => Op::Dense(d.cast()),
            Op::Conv2d(c) => Op::Conv2d(c.cast()),
            Op::MaxPool2d(p) => Op::MaxPool2d(p.clone()),
            Op::Flatten(f) => Op::Flatten(f.clone()),
            Op::Dropout(d) => Op::Dropout(d.clone()),
            Op::BatchNorm(b) => Op::BatchNorm(b.cast()),
            Op::Tied(t) => Op::Tied(t.cast()),
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
