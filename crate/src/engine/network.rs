//! A stack of dense layers with a loss: the forward pass that keeps its trace, and
//! backprop over a whole batch (the vectorised four fundamental equations) or one
//! example at a time (the loop form the notebooks start from).

use super::activation::Activation;
use super::error::{EngineError, Result};
use super::flat::{flat, flat_mut};
use super::layer::{scratch_len, Dense};
use super::limits;
use super::loss::{Loss, Reduction};
use super::number::kernel::Kernel;
use super::number::reduce::sum_squares;
use super::number::Real;
use ndarray::{s, Array1, Array2, ArrayView2, Axis};

/// The architecture, without weights: what a user picks on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// Width of an input row.
    pub input_dim: usize,
    /// (units, activation) of each layer, input side first; the last is the output.
    pub layers: Vec<(usize, Activation)>,
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
        limits::check_architecture(self.input_dim, self.layers.iter().map(|l| l.0))?;
        let out = self.layers.last().map(|l| l.0).unwrap_or(0);
        if self.loss == Loss::SigmoidCrossEntropy && out != 1 {
            return Err(EngineError::Model(format!(
                "sigmoid_cross_entropy needs exactly 1 output unit, the last layer has {out}"
            )));
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

/// A dense network over the real type `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T> {
    /// Width of an input row.
    pub input_dim: usize,
    /// Layers, input side first.
    pub layers: Vec<Dense<T>>,
    /// Cost of the output.
    pub loss: Loss,
    /// Mean or sum over the rows of a batch.
    pub reduction: Reduction,
    /// L2 penalty strength (weights only).
    pub l2: f64,
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
    w_t: Vec<T>,
}

impl<T: Real> Trace<T> {
    /// Buffers for batches of up to `capacity` rows.
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        let mut a = vec![Array2::zeros((capacity, net.input_dim))];
        let mut z = Vec::with_capacity(net.layers.len());
        for layer in &net.layers {
            z.push(Array2::zeros((capacity, layer.units())));
            a.push(Array2::zeros((capacity, layer.units())));
        }
        let w_t = vec![T::zero(); net.layers.iter().map(|l| l.w.len()).max().unwrap_or(0)];
        Trace { rows: 0, z, a, w_t }
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

/// dC/dW and dC/db of every layer, and the deltas dC/dz that produced them.
#[derive(Debug, Clone)]
pub struct Gradients<T> {
    /// dC/dW per layer, shaped like W.
    pub dw: Vec<Array2<T>>,
    /// dC/db per layer, shaped like b.
    pub db: Vec<Array1<T>>,
    /// delta = dC/dz per layer: (capacity, units); the first `rows` of the last pass.
    pub delta: Vec<Array2<T>>,
    scratch: Vec<T>,
}

impl<T: Real> Gradients<T> {
    /// Zeroed buffers for batches of up to `capacity` rows.
    pub fn new(net: &Network<T>, capacity: usize) -> Self {
        Gradients {
            dw: net
                .layers
                .iter()
                .map(|l| Array2::zeros(l.w.raw_dim()))
                .collect(),
            db: net
                .layers
                .iter()
                .map(|l| Array1::zeros(l.units()))
                .collect(),
            delta: net
                .layers
                .iter()
                .map(|l| Array2::zeros((capacity, l.units())))
                .collect(),
            scratch: vec![
                T::zero();
                net.layers
                    .iter()
                    .map(|l| scratch_len(capacity, l.fan_in(), l.units()))
                    .max()
                    .unwrap_or(0)
            ],
        }
    }

    /// Euclidean norm of layer `l`'s gradient (weights and biases together).
    pub fn layer_norm(&self, l: usize) -> f64 {
        (sum_squares(flat(&self.dw[l])) + sum_squares(flat(&self.db[l])))
            .to_f64()
            .sqrt()
    }
}

impl<T: Real> Network<T> {
    /// Zero weights of the given architecture (checked first).
    pub fn zeros(arch: &Architecture) -> Result<Self> {
        arch.check()?;
        let mut fan_in = arch.input_dim;
        let mut layers = Vec::with_capacity(arch.layers.len());
        for &(units, act) in &arch.layers {
            layers.push(Dense::zeros(fan_in, units, act));
            fan_in = units;
        }
        Ok(Network {
            input_dim: arch.input_dim,
            layers,
            loss: arch.loss,
            reduction: arch.reduction,
            l2: arch.l2,
            kernel: Kernel::default(),
        })
    }

    /// The architecture this network has.
    pub fn architecture(&self) -> Architecture {
        Architecture {
            input_dim: self.input_dim,
            layers: self
                .layers
                .iter()
                .map(|l| (l.units(), l.activation))
                .collect(),
            loss: self.loss,
            reduction: self.reduction,
            l2: self.l2,
        }
    }

    /// Width of the output.
    pub fn output_dim(&self) -> usize {
        self.layers
            .last()
            .map(|l| l.units())
            .unwrap_or(self.input_dim)
    }

    /// Total number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers.iter().map(|l| l.w.len() + l.b.len()).sum()
    }

    /// Every weight and bias, layer by layer, W (row-major) then b: the order of
    /// snapshots and timeline moments.
    pub fn parameters(&self) -> impl Iterator<Item = T> + '_ {
        self.layers
            .iter()
            .flat_map(|l| l.w.iter().chain(l.b.iter()).copied())
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
        let targets = self
            .layers
            .iter_mut()
            .flat_map(|l| l.w.iter_mut().chain(l.b.iter_mut()));
        for (t, &v) in targets.zip(values) {
            *t = v;
        }
        Ok(())
    }

    /// The same network in another precision.
    pub fn cast<U: Real>(&self) -> Network<U> {
        Network {
            input_dim: self.input_dim,
            layers: self
                .layers
                .iter()
                .map(|l| Dense {
                    w: l.w.mapv(|v| U::from_f64(v.to_f64())),
                    b: l.b.mapv(|v| U::from_f64(v.to_f64())),
                    activation: l.activation,
                })
                .collect(),
            loss: self.loss,
            reduction: self.reduction,
            l2: self.l2,
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

    /// Forward pass over the first `n` rows of the trace's input, which the caller has
    /// filled (the trainer gathers its mini-batch straight into it).
    pub fn forward_rows(&self, n: usize, trace: &mut Trace<T>) {
        trace.rows = n;
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, after) = trace.a.split_at_mut(l + 1);
            let units = layer.units();
            layer.forward(
                self.kernel,
                &flat(&before[l])[..n * layer.fan_in()],
                n,
                &mut flat_mut(&mut trace.z[l])[..n * units],
                &mut flat_mut(&mut after[0])[..n * units],
                &mut trace.w_t,
            );
        }
    }

    /// Forward pass with fresh buffers; checks the input width.
    pub fn forward(&self, x: ArrayView2<T>) -> Result<Trace<T>> {
        self.check_input(&x)?;
        let mut trace = Trace::new(self, x.nrows());
        self.forward_into(x, &mut trace);
        Ok(trace)
    }

    /// 1/2 * l2 * sum of squared weights.
    pub fn penalty(&self) -> T {
        if self.l2 == 0.0 {
            return T::zero();
        }
        let sq = self
            .layers
            .iter()
            .map(|l| l.w.iter().fold(T::zero(), |s, &w| s + w * w))
            .fold(T::zero(), |s, v| s + v);
        T::from_f64(0.5 * self.l2) * sq
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
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let (units, fan_in) = (layer.units(), layer.fan_in());
            let (below, here) = grads.delta.split_at_mut(l);
            let da_prev = below.last_mut().map(|d| &mut flat_mut(d)[..n * fan_in]);
            layer.backward(
                self.kernel,
                n,
                &flat(&trace.a[l])[..n * fan_in],
                &flat(&trace.z[l])[..n * units],
                &flat(&trace.a[l + 1])[..n * units],
                &mut flat_mut(&mut here[0])[..n * units],
                flat_mut(&mut grads.dw[l]),
                flat_mut(&mut grads.db[l]),
                da_prev,
                &mut grads.scratch,
            );
        }
        self.add_penalty_gradients(&mut grads.dw);
    }

    /// Adds the L2 penalty's share, l2 W, to each layer's dC/dW.
    pub fn add_penalty_gradients(&self, dw: &mut [Array2<T>]) {
        if self.l2 == 0.0 {
            return;
        }
        let l2 = T::from_f64(self.l2);
        for (dw, layer) in dw.iter_mut().zip(&self.layers) {
            dw.scaled_add(l2, &layer.w);
        }
    }

    /// Forward and batch backward of (x, y) with fresh buffers: (cost, trace, gradients).
    pub fn cost_and_gradients(
        &self,
        x: ArrayView2<T>,
        y: ArrayView2<T>,
    ) -> Result<(T, Trace<T>, Gradients<T>)> {
        let trace = self.forward(x)?;
        let mut grads = Gradients::new(self, x.nrows());
        self.backward_into(&trace, y, &mut grads);
        Ok((self.cost(&trace, y), trace, grads))
    }

    /// The loop form: backprop one example at a time and add up the gradients, each
    /// scaled as the reduction says (1/N for mean), then add the L2 term once. Gives the
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
        let mut trace = Trace::new(&single, 1);
        let mut one = Gradients::new(&single, 1);
        let mut total = Gradients::new(self, 1);
        for r in 0..n {
            single.forward_into(x.slice(s![r..r + 1, ..]), &mut trace);
            single.backward_into(&trace, y.slice(s![r..r + 1, ..]), &mut one);
            for l in 0..self.layers.len() {
                total.dw[l].scaled_add(scale, &one.dw[l]);
                total.db[l].scaled_add(scale, &one.db[l]);
            }
        }
        self.add_penalty_gradients(&mut total.dw);
        Ok(total)
    }

    /// Predicted class of each row of a traced output: argmax for several outputs, and
    /// for a single output class 1 when it passes the threshold (0 for a sigmoid
    /// cross-entropy logit, 0.5 otherwise).
    pub fn classes_of(&self, output: ArrayView2<T>) -> Vec<usize> {
        output
            .axis_iter(Axis(0))
            .map(|row| self.class_of(row.as_slice().expect("output rows are contiguous")))
            .collect()
    }

    /// The predicted class of one output row (see [`Network::classes_of`]).
    pub fn class_of(&self, row: &[T]) -> usize {
        if row.len() == 1 {
            let threshold = if self.loss == Loss::SigmoidCrossEntropy {
                T::zero()
            } else {
                T::from_f64(0.5)
            };
            usize::from(row[0] > threshold)
        } else {
            argmax(row.iter().copied())
        }
    }
}

/// Index of the largest value (the first on ties; NaN never wins).
pub fn argmax<T: Real>(values: impl Iterator<Item = T>) -> usize {
    let mut best = 0;
    let mut best_v: Option<T> = None;
    for (i, v) in values.enumerate() {
        if best_v.is_none_or(|b| v > b) {
            best = i;
            best_v = Some(v);
        }
    }
    best
}
