//! The one training step: forward, cost and backward of a mini-batch, leaving the
//! gradients for the optimiser. A dense stack small enough for the panels takes their
//! fast path ([`crate::engine::ops::panel`]); every other network goes through the
//! trace. Both take dC/da from [`crate::engine::loss`] and the penalties from
//! [`crate::engine::penalty`], so each formula exists once.

use super::batch::{BatchOutcome, Source};
use super::flat::flat_mut;
use super::network::{Gradients, Network, Trace};
use super::number::kernel::Kernel;
use super::number::lanes::Lanes;
use super::number::Real;
use super::ops::panel::Panels;
use super::ops::Mode;
use super::penalty;
use ndarray::{s, Array2};

/// The buffers of the step for one network shape and batch size, allocated once.
#[derive(Debug, Clone)]
pub struct Step<T> {
    trace: Trace<T>,
    batch_y: Array2<T>,
    panels: Option<Panels<T>>,
}

impl<T: Real> Step<T> {
    /// Buffers for `net` and batches of up to `capacity` rows; the panels where the
    /// type's lanes pay and the stack fits them.
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        Step {
            trace: Trace::new(net, capacity),
            batch_y: Array2::zeros((capacity, net.output_dim())),
            panels: if T::Lanes::PAY {
                Panels::new(net.input_dim, &net.layers)
            } else {
                None
            },
        }
    }

    /// The largest batch the buffers hold.
    pub fn capacity(&self) -> usize {
        self.batch_y.nrows()
    }

    /// Whether a step of `net` takes the panels' fast path.
    pub fn takes_panels(&self, net: &Network<T>) -> bool {
        self.panels.is_some() && net.kernel == Kernel::Simd
    }

    /// Forward and backward over the rows `batch` of `rows` (at most
    /// [`Step::capacity`]) in training mode, leaving dC/dtheta, penalties included, in
    /// `grads`; `seed` draws this step's dropout masks.
    pub fn run(
        &mut self,
        net: &Network<T>,
        rows: Source<T>,
        batch: &[usize],
        grads: &mut Gradients<T>,
        seed: u64,
    ) -> BatchOutcome<T> {
        // The constant keeps the panel code out of the types whose lanes do not pay.
        if let (true, Some(panels), Kernel::Simd) = (T::Lanes::PAY, &mut self.panels, net.kernel) {
            let stack = (&net.layers[..], net.loss, net.reduction);
            let outcome = panels.step(stack, rows, batch, &mut grads.params);
            penalty::add_gradients(&net.layers, net.penalties(), &mut grads.params);
            return BatchOutcome {
                cost: outcome.cost + net.penalty(),
                correct: outcome.correct,
            };
        }
        let n = batch.len();
        gather(rows.x, net.input_dim, batch, self.trace.input_mut());
        gather(rows.y, net.output_dim(), batch, flat_mut(&mut self.batch_y));
        let by = self.batch_y.slice(s![..n, ..]);
        net.forward_rows_in(Mode::Train, seed, n, &mut self.trace);
        let cost = net.cost(&self.trace, by);
        net.backward_into(&self.trace, by, grads);
        let mut correct = 0;
        if let Some(labels) = rows.labels {
            let out = self.trace.output();
            let out = out.as_slice().expect("the trace's output is contiguous");
            correct = out
                .chunks_exact(net.output_dim())
                .zip(batch)
                .filter(|(row, &i)| net.class_of(row) == labels[i])
                .count() as u64;
        }
        BatchOutcome { cost, correct }
    }

    /// After [`Step::run`]: the operations with running state (batch norm) update it from
    /// the step's training forward. The panels' dense stacks have none.
    pub fn update_state(&self, net: &mut Network<T>) {
        if !self.takes_panels(net) {
            net.update_state(&self.trace);
        }
    }
}

/// Copies rows `idx` of `src` (rows of `width` values) into the first rows of `dst`,
/// value by value (a row of circles is two numbers, too short for a memcpy call to pay).
fn gather<T: Real>(src: &[T], width: usize, idx: &[usize], dst: &mut [T]) {
    for (out, &i) in dst.chunks_exact_mut(width).zip(idx) {
        for (o, &v) in out.iter_mut().zip(&src[i * width..(i + 1) * width]) {
            *o = v;
        }
    }
}
