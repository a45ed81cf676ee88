//! A sequence of operations with a loss: the forward pass that keeps its trace, and
//! backprop over a whole batch (the vectorised four fundamental equations) or one
//! example at a time (the loop form the notebooks start from). Everything here goes
//! through [`crate::engine::ops::Operation`]; no layer kind is named but where an architecture is built.

use super::error::{EngineError, Result};
use super::flat::{flat, flat_mut};
use super::limits;
use super::loss::{Loss, Reduction};
use super::number::kernel::Kernel;
use super::number::Real;
pub use super::ops::spec::LayerSpec;
use super::ops::{Mode, Op, Outputs, Pass, Saved, Shape, Tensor};
use super::penalty::{self, Penalty};
use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};

/// The architecture, without weights: what a user picks on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Width of an input row.
    pub input_dim: usize,
    /// (channels, height, width) when the rows are images, channel-major: what a first
    /// convolution or pool reads. Its product is `input_dim`.
    pub input_shape: Option<(usize, usize, usize)>,
    /// Each layer's kind and settings, input side first; the last is the output.
    pub layers: Vec<LayerSpec>,
    /// Cost of the output.
    pub loss: Loss,
    /// Mean or sum over the rows of a batch.
    pub reduction: Reduction,
    /// L2 penalty strength: the cost gains 1/2 * l2 * sum of squared weights (not biases).
    pub l2: f64,
}

impl Architecture {
    /// Checks sizes against [`limits`] and the loss against the output, before anything
    /// is allocated.
    pub fn check(&self) -> Result<()> {
        let dense: Option<Vec<usize>> = self.layers.iter().map(LayerSpec::units).collect();
        match dense {
            Some(units) => {
                limits::check_architecture(self.input_dim, units.iter().copied())?;
                check_output(self.loss, units.last().copied().unwrap_or(0))?;
            }
            // Other kinds' widths and parameter counts are checked as they are built.
            None => limits::check_architecture(self.input_dim, self.layers.iter().map(|_| 1))?,
        }
        if let Some((c, h, w)) = self.input_shape {
            if c.checked_mul(h).and_then(|ch| ch.checked_mul(w)) != Some(self.input_dim) {
                return Err(EngineError::Model(format!(
                    "input_shape {c}x{h}x{w} does not hold input_dim {} values",
                    self.input_dim
                )));
            }
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(EngineError::Model(format!(
                "l2 must be a finite number >= 0, got {}",
                self.l2
            )));
        }
        Ok(())
    }
}

/// The loss's demand on the output width.
fn check_output(loss: Loss, out: usize) -> Result<()> {
    if loss == Loss::SigmoidCrossEntropy && out != 1 {
        return Err(EngineError::Model(format!(
            "sigmoid_cross_entropy needs exactly 1 output unit, the last layer has {out}"
        )));
    }
    Ok(())
}

/// A network over the real type `T`: operations, input side first, and a loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T> {
    /// Width of an input row.
    pub input_dim: usize,
    /// The operations, input side first.
    pub layers: Vec<Op<T>>,
    /// Cost of the output.
    pub loss: Loss,
    /// Mean or sum over the rows of a batch.
    pub reduction: Reduction,
    /// L2 penalty strength (weights only).
    pub l2: f64,
    /// L1 penalty strength (weights only); see [`Penalty`].
    pub l1: f64,
    /// Which kernel runs the matrix products.
    pub kernel: Kernel,
}

/// Every pre-activation and activation of one forward pass, kept for backprop and for
/// the page. Buffers hold up to `capacity` rows; the pass fills the first `rows`.
#[derive(Debug, Clone)]
pub struct Trace<T> {
    rows: usize,
    /// z of each layer: (capacity, units).
    pub z: Vec<Array2<T>>,
    /// a[0] is the input, a[l + 1] = f(z[l]): (capacity, width).
    pub a: Vec<Array2<T>>,
    /// What each operation's forward kept for its backward ([`crate::engine::ops::Operation::saved_len`]).
    pub saved: Vec<Vec<T>>,
    /// The mode and seed the last forward ran in; backward runs in the same.
    mode: Mode,
    seed: u64,
    scratch: Vec<T>,
}

impl<T: Real> Trace<T> {
    /// Buffers for batches of up to `capacity` rows.
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        let mut a = vec![Array2::zeros((capacity, net.input_dim))];
        let mut z = Vec::with_capacity(net.layers.len());
        for op in &net.layers {
            z.push(Array2::zeros((capacity, op.output_len())));
            a.push(Array2::zeros((capacity, op.output_len())));
        }
        let scratch = vec![T::zero(); net.scratch_len(capacity)];
        let saved = net
            .layers
            .iter()
            .map(|op| vec![T::zero(); op.saved_len(capacity)])
            .collect();
        Trace {
            rows: 0,
            z,
            a,
            saved,
            mode: Mode::Eval,
            seed: 0,
            scratch,
        }
    }

    /// Rows filled by the last forward pass.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Rows the buffers can hold.
    pub fn capacity(&self) -> usize {
        self.a[0].nrows()
    }

    /// z of layer `l`, filled rows only.
    pub fn z(&self, l: usize) -> ArrayView2<'_, T> {
        self.z[l].slice(s![..self.rows, ..])
    }

    /// a[l] (a[0] = input), filled rows only.
    pub fn a(&self, l: usize) -> ArrayView2<'_, T> {
        self.a[l].slice(s![..self.rows, ..])
    }

    /// The input buffer (capacity rows), for [`Network::forward_rows`].
    pub fn input_mut(&mut self) -> &mut [T] {
        flat_mut(&mut self.a[0])
    }

    /// The network output, filled rows only.
    pub fn output(&self) -> ArrayView2<'_, T> {
        self.a(self.a.len() - 1)
    }
}

/// dC/dtheta of every parameter of every operation, and the deltas dC/dz that
/// produced them.
#[derive(Debug, Clone)]
pub struct Gradients<T> {
    /// Per operation, one gradient per parameter, shaped like it, in the order of
    /// [`crate::engine::ops::Operation::params`].
    pub params: Vec<Vec<Tensor<T>>>,
    /// delta = dC/dz per layer: (capacity, units); the first `rows` of the last pass.
    pub delta: Vec<Array2<T>>,
    scratch: Vec<T>,
}

impl<T: Real> Gradients<T> {
    /// Zeroed buffers for batches of up to `capacity` rows.
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        Gradients {
            params: net.zeros_like_params(),
            delta: net
                .layers
                .iter()
                .map(|op| Array2::zeros((capacity, op.output_len())))
                .collect(),
            scratch: vec![T::zero(); net.scratch_len(capacity)],
        }
    }

    /// dC/dW of layer `l`, for the operations whose first parameter is a weight matrix.
    pub fn dw(&self, l: usize) -> ArrayView2<'_, T> {
        self.params[l][0]
            .matrix()
            .expect("the first parameter is a weight matrix")
    }

    /// dC/db of layer `l`, for the operations whose second parameter is a bias vector.
    pub fn db(&self, l: usize) -> ArrayView1<'_, T> {
        self.params[l][1]
            .vector()
            .expect("the second parameter is a bias vector")
    }
}

impl<T: Real> Network<T> {
    /// Zero weights of the given architecture (checked first).
    pub fn zeros(arch: &Architecture) -> Result<Self> {
        arch.check()?;
        let mut shape = match arch.input_shape {
            Some((channels, height, width)) => Shape::Image {
                channels,
                height,
                width,
            },
            None => Shape::Features(arch.input_dim),
        };
        let mut layers: Vec<Op<T>> = Vec::with_capacity(arch.layers.len());
        let mut params = 0usize;
        for (i, spec) in arch.layers.iter().enumerate() {
            let op = spec.build(shape, &layers).map_err(|e| {
                let s = e.to_string();
                let s = s.strip_prefix("model: ").unwrap_or(&s).to_string();
                match e {
                    EngineError::Limit(_) => EngineError::Limit(format!("layer {}: {s}", i + 1)),
                    _ => EngineError::Model(format!("layer {}: {s}", i + 1)),
                }
            })?;
            params += op.parameter_count();
            if params > limits::MAX_PARAMETERS {
                return Err(EngineError::Limit(format!(
                    "the network has more than {} parameters",
                    limits::MAX_PARAMETERS
                )));
            }
            shape = op.output_shape();
            layers.push(op);
        }
        check_output(arch.loss, shape.len())?;
        Ok(Network {
            input_dim: arch.input_dim,
            layers,
            loss: arch.loss,
            reduction: arch.reduction,
            l2: arch.l2,
            l1: 0.0,
            kernel: Kernel::default(),
        })
    }

    /// The architecture this network has.
    pub fn architecture(&self) -> Architecture {
        let input_shape = match self.layers.first().map(|op| op.input_shape()) {
            Some(Shape::Image {
                channels,
                height,
                width,
            }) => Some((channels, height, width)),
            _ => None,
        };
        Architecture {
            input_dim: self.input_dim,
            input_shape,
            layers: self.layers.iter().map(LayerSpec::of).collect(),
            loss: self.loss,
            reduction: self.reduction,
            l2: self.l2,
        }
    }

    /// The input's shape, then each operation's output shape: what the network editor
    /// shows as "1×8×8 → 8×8×8 → 8×4×4 → 128 → 10".
    pub fn shapes(&self) -> Vec<Shape> {
        let input = self
            .layers
            .first()
            .map_or(Shape::Features(self.input_dim), |op| op.input_shape());
        std::iter::once(input)
            .chain(self.layers.iter().map(|op| op.output_shape()))
            .collect()
    }

    /// [`Network::shapes`] written out, joined by arrows.
    pub fn shapes_text(&self) -> String {
        let parts: Vec<String> = self.shapes().into_iter().map(Shape::describe).collect();
        parts.join(" → ")
    }

    /// Width of the output.
    pub fn output_dim(&self) -> usize {
        self.layers
            .last()
            .map(|op| op.output_len())
            .unwrap_or(self.input_dim)
    }

    /// Total number of parameters (weights and biases).
    pub fn parameter_count(&self) -> usize {
        self.layers.iter().map(|op| op.parameter_count()).sum()
    }

    /// Every parameter, operation by operation, each tensor row-major in the order of
    /// [`Operation::params`] (W then b); [`Network::state`] adds the running statistics.
    pub fn parameters(&self) -> impl Iterator<Item = T> + '_ {
        self.layers.iter().flat_map(|op| {
            (0..op.params().len()).flat_map(move |p| op.get().param(p).iter().copied())
        })
    }

    /// Values in [`Network::state`]: every parameter and every non-trained buffer.
    pub fn state_count(&self) -> usize {
        self.layers
            .iter()
            .map(|op| {
                let buffers: usize = (0..op.buffers().len()).map(|b| op.buffer(b).len()).sum();
                op.parameter_count() + buffers
            })
            .sum()
    }

    /// What a copy of this network needs to evaluate exactly as it does: operation by
    /// operation, its parameters (as [`Network::parameters`]) then its buffers (batch
    /// norm's running statistics), which training moves but the optimiser does not.
    /// The order of snapshots and timeline moments.
    pub fn state(&self) -> impl Iterator<Item = T> + '_ {
        self.layers.iter().flat_map(|op| {
            let params = (0..op.params().len()).flat_map(move |p| op.get().param(p).iter());
            let buffers = (0..op.buffers().len()).flat_map(move |b| op.get().buffer(b).iter());
            params.chain(buffers).copied()
        })
    }

    /// Sets every parameter and buffer from `values`, in the order of [`Network::state`].
    pub fn set_state(&mut self, values: &[T]) -> Result<()> {
        if values.len() != self.state_count() {
            return Err(EngineError::Mismatch(format!(
                "this network holds {} parameters and running statistics, not {}",
                self.state_count(),
                values.len()
            )));
        }
        let mut values = values.iter();
        for op in &mut self.layers {
            for p in 0..op.params().len() {
                for (t, &v) in op.param_mut(p).iter_mut().zip(&mut values) {
                    *t = v;
                }
            }
            for b in 0..op.buffers().len() {
                for (t, &v) in op.buffer_mut(b).iter_mut().zip(&mut values) {
                    *t = v;
                }
            }
        }
        Ok(())
    }

    /// Zeros shaped like every parameter, operation by operation: gradients and
    /// optimiser moments.
    pub fn zeros_like_params(&self) -> Vec<Vec<Tensor<T>>> {
        self.layers
            .iter()
            .map(|op| {
                (0..op.params().len())
                    .map(|p| Tensor::zeros(op.param_shape(p)))
                    .collect()
            })
            .collect()
    }

    /// The most scratch any operation needs for `rows` rows.
    fn scratch_len(&self, rows: usize) -> usize {
        self.layers
            .iter()
            .map(|op| op.scratch_len(rows))
            .max()
            .unwrap_or(0)
    }

    /// Sets every weight and bias from `values`, in the order of [`Network::parameters`].
    pub fn set_parameters(&mut self, values: &[T]) -> Result<()> {
        if values.len() != self.parameter_count() {
            return Err(EngineError::Mismatch(format!(
                "this network has {} weights and biases, not {}",
                self.parameter_count(),
                values.len()
            )));
        }
        let mut values = values.iter();
        for op in &mut self.layers {
            for p in 0..op.params().len() {
                for (t, &v) in op.param_mut(p).iter_mut().zip(&mut values) {
                    *t = v;
                }
            }
        }
        Ok(())
    }

    /// Takes every parameter value of `other`, a network of the same shapes, and its
    /// non-trained buffers (running statistics).
    pub fn copy_parameters_from(&mut self, other: &Network<T>) {
        for (op, from) in self.layers.iter_mut().zip(&other.layers) {
            for p in 0..from.params().len() {
                op.param_mut(p).copy_from_slice(from.param(p));
            }
            for b in 0..from.buffers().len() {
                op.buffer_mut(b).copy_from_slice(from.buffer(b));
            }
        }
    }

    /// The pass operation `l` runs in: its own seed from the trace's, and the W it
    /// borrows if it is tied.
    fn pass(&self, l: usize, mode: Mode, seed: u64) -> Pass<'_, T> {
        let tied = match self.layers[l].ties() {
            Some(of) => self.layers[of].param(0),
            None => &[],
        };
        Pass {
            kernel: self.kernel,
            mode,
            seed: seed ^ (l as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            tied,
        }
    }

    /// Whether a later operation ties its weights to layer `l`'s.
    fn is_tied_to(&self, l: usize) -> bool {
        self.layers.iter().any(|op| op.ties() == Some(l))
    }

    /// After a training forward: each operation updates its buffers (batch norm's
    /// running statistics) from what the pass saved.
    pub fn update_state(&mut self, trace: &Trace<T>) {
        let n = trace.rows;
        for (op, saved) in self.layers.iter_mut().zip(&trace.saved) {
            op.update_state(saved, n);
        }
    }

    /// The same network in another precision.
    pub fn cast<U: Real>(&self) -> Network<U> {
        Network {
            input_dim: self.input_dim,
            layers: self.layers.iter().map(Op::cast).collect(),
            loss: self.loss,
            reduction: self.reduction,
            l2: self.l2,
            l1: self.l1,
            kernel: self.kernel,
        }
    }

    fn check_input(&self, x: &ArrayView2<T>) -> Result<()> {
        if x.ncols() != self.input_dim {
            return Err(EngineError::Mismatch(format!(
                "the model takes {} input features but the data has {}",
                self.input_dim,
                x.ncols()
            )));
        }
        Ok(())
    }

    /// Forward pass into existing buffers. x: (N, input_dim) with N <= trace capacity.
    pub fn forward_into(&self, x: ArrayView2<T>, trace: &mut Trace<T>) {
        trace.a[0].slice_mut(s![..x.nrows(), ..]).assign(&x);
        self.forward_rows(x.nrows(), trace);
    }

    /// Forward pass in evaluation mode over the first `n` rows of the trace's input,
    /// which the caller has filled (the trainer gathers its mini-batch straight into it).
    pub fn forward_rows(&self, n: usize, trace: &mut Trace<T>) {
        self.forward_rows_in(Mode::Eval, 0, n, trace);
    }

    /// [`Network::forward_rows`] in `mode`, with the seed of its random draws.
    pub fn forward_rows_in(&self, mode: Mode, seed: u64, n: usize, trace: &mut Trace<T>) {
        trace.rows = n;
        trace.mode = mode;
        trace.seed = seed;
        for (l, op) in self.layers.iter().enumerate() {
            let (before, after) = trace.a.split_at_mut(l + 1);
            let width = op.output_len();
            let saved_len = op.saved_len(n);
            let out = Outputs {
                z: &mut flat_mut(&mut trace.z[l])[..n * width],
                a: &mut flat_mut(&mut after[0])[..n * width],
                saved: &mut trace.saved[l][..saved_len],
            };
            let input = &flat(&before[l])[..n * op.input_len()];
            op.forward(self.pass(l, mode, seed), input, n, out, &mut trace.scratch);
        }
    }

    /// Forward pass with fresh buffers in evaluation mode; checks the input width.
    pub fn forward(&self, x: ArrayView2<T>) -> Result<Trace<T>> {
        self.forward_in(Mode::Eval, 0, x)
    }

    /// [`Network::forward`] in `mode`, with the seed of its random draws.
    pub fn forward_in(&self, mode: Mode, seed: u64, x: ArrayView2<T>) -> Result<Trace<T>> {
        self.check_input(&x)?;
        let mut trace = Trace::new(self, x.nrows());
        trace.a[0].slice_mut(s![..x.nrows(), ..]).assign(&x);
        self.forward_rows_in(mode, seed, x.nrows(), &mut trace);
        Ok(trace)
    }

    /// The weight penalties this network's cost carries.
    pub fn penalties(&self) -> Penalty {
        Penalty {
            l1: self.l1,
            l2: self.l2,
        }
    }

    /// The penalties' cost ([`penalty::cost`]).
    pub fn penalty(&self) -> T {
        penalty::cost(&self.layers, self.penalties())
    }

    /// Cost C of a traced batch: the reduced loss plus the L2 penalty. y: (N, outputs).
    pub fn cost(&self, trace: &Trace<T>, y: ArrayView2<T>) -> T {
        self.loss.value(trace.output(), y, self.reduction) + self.penalty()
    }

    /// Batch backprop of the traced pass into existing buffers. y: (N, outputs).
    ///
    /// BP1 delta_L = dC/da_L * f'(z_L); BP2 delta_l = (delta_{l+1} W_{l+1}) * f'(z_l);
    /// BP3 dC/db_l = sum over rows of delta_l; BP4 dC/dW_l = delta_l^T a_{l-1} (+ l2 W_l).
    pub fn backward_into(&self, trace: &Trace<T>, y: ArrayView2<T>, grads: &mut Gradients<T>) {
        let n = trace.rows;
        let last = self.layers.len() - 1;
        self.loss.gradient(
            trace.output(),
            y,
            self.reduction,
            grads.delta[last].slice_mut(s![..n, ..]),
        );
        // Tied layers add their paths into the weight gradient of the layer they tie to.
        for op in &self.layers {
            if let Some(of) = op.ties() {
                grads.params[of][0].values.fill(T::zero());
            }
        }
        for l in (0..self.layers.len()).rev() {
            let op = &self.layers[l];
            let pass = self.pass(l, trace.mode, trace.seed);
            let (width, fan_in) = (op.output_len(), op.input_len());
            let (below, here) = grads.delta.split_at_mut(l);
            let d_input = below.last_mut().map(|d| &mut flat_mut(d)[..n * fan_in]);
            let saved = Saved {
                input: &flat(&trace.a[l])[..n * fan_in],
                z: &flat(&trace.z[l])[..n * width],
                a: &flat(&trace.a[l + 1])[..n * width],
                saved: &trace.saved[l][..op.saved_len(n)],
            };
            let delta = &mut flat_mut(&mut here[0])[..n * width];
            let scratch = &mut grads.scratch;
            if let Some(of) = op.ties() {
                // Lend the tied layer layer `of`'s weight gradient, after its own
                // parameters, to add its path into; it runs first (backward goes from
                // the output), and layer `of` adds its own path below.
                let lent = std::mem::take(&mut grads.params[of][0]);
                let params = &mut grads.params[l];
                params.push(lent);
                op.backward(pass, n, saved, delta, params, d_input, scratch);
                grads.params[of][0] = params.pop().expect("the lent gradient is back");
            } else if self.is_tied_to(l) {
                // The tied paths are already in the weight gradient: add this layer's own.
                let tied_path = grads.params[l][0].values.clone();
                let params = &mut grads.params[l];
                op.backward(pass, n, saved, delta, params, d_input, scratch);
                for (g, t) in params[0].values.iter_mut().zip(tied_path) {
                    *g += t;
                }
            } else {
                let params = &mut grads.params[l];
                op.backward(pass, n, saved, delta, params, d_input, scratch);
            }
        }
        penalty::add_gradients(&self.layers, self.penalties(), &mut grads.params);
    }

    /// Forward and batch backward of (x, y) with fresh buffers, in evaluation mode:
    /// (cost, trace, gradients).
    pub fn cost_and_gradients(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
    ) -> Result<(T, Trace<T>, Gradients<T>)> {
        self.cost_and_gradients_in(Mode::Eval, 0, x, y)
    }

    /// [`Network::cost_and_gradients`] in `mode`, with the seed of its random draws.
    pub fn cost_and_gradients_in(
        &self,
        mode: Mode,
        seed: u64,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
    ) -> Result<(T, Trace<T>, Gradients<T>)> {
        let trace = self.forward_in(mode, seed, x)?;
        let mut grads = Gradients::new(self, x.nrows());
        self.backward_into(&trace, y, &mut grads);
        Ok((self.cost(&trace, y), trace, grads))
    }

    /// The loop form: backprop one example at a time and add up the gradients, each
    /// scaled as the reduction says (1/N for mean), then add the penalty terms once. Gives the
    /// same dW and db as the batch form; it exists to show that it does.
    pub fn gradients_per_example(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
    ) -> Result<Gradients<T>> {
        self.check_input(&x)?;
        let n = x.nrows();
        let scale: T = self.reduction.scale(n);
        let mut single = self.clone();
        single.reduction = Reduction::Sum;
        single.l2 = 0.0;
        single.l1 = 0.0;
        let mut trace = Trace::new(&single, 1);
        let mut one = Gradients::new(&single, 1);
        let mut total = Gradients::new(self, 1);
        for r in 0..n {
            single.forward_into(x.slice(s![r..r + 1, ..]), &mut trace);
            single.backward_into(&trace, y.slice(s![r..r + 1, ..]), &mut one);
            for (sum, g) in total
                .params
                .iter_mut()
                .flatten()
                .zip(one.params.iter().flatten())
            {
                for (s, &v) in sum.values.iter_mut().zip(&g.values) {
                    *s += scale * v;
                }
            }
        }
        penalty::add_gradients(&self.layers, self.penalties(), &mut total.params);
        Ok(total)
    }

    /// Predicted class of each row of a traced output ([`Loss::class_of`]).
    pub fn classes_of(&self, output: ArrayView2<T>) -> Vec<usize> {
        output
            .axis_iter(Axis(0))
            .map(|row| self.class_of(row.as_slice().expect("output rows are contiguous")))
            .collect()
    }

    /// The predicted class of one output row ([`Loss::class_of`]).
    pub fn class_of(&self, row: &[T]) -> usize {
        self.loss.class_of(row)
    }
}
