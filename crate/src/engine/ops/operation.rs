//! The operation interface every layer kind implements, and the shapes, parameter
//! names and buffers it is written in.

use crate::engine::activation::Activation;
use crate::engine::number::kernel::Kernel;
use crate::engine::number::Real;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};

/// The shape of one example as an operation sees it: a row of features, or an image
/// of channels x height x width (stored channel-major, as numpy's reshape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A row of this many features.
    Features(usize),
    /// An image, channel-major.
    Image {
        /// Channels.
        channels: usize,
        /// Rows of pixels.
        height: usize,
        /// Pixels per row.
        width: usize,
    },
}

impl Shape {
    /// Values per example: the width of the trace's row.
    pub fn len(self) -> usize {
        match self {
            Shape::Features(n) => n,
            Shape::Image {
                channels,
                height,
                width,
            } => channels * height * width,
        }
    }

    /// True for a shape of no values.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// "1×8×8" for an image (channels × height × width), "128" for features: how the
    /// editor and the diagram write a layer's shape.
    pub fn describe(self) -> String {
        match self {
            Shape::Features(n) => n.to_string(),
            Shape::Image {
                channels,
                height,
                width,
            } => format!("{channels}×{height}×{width}"),
        }
    }
}

/// What a parameter tensor is called and how the layers above treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// The key in model files and in `evaluate`'s gradients ("weights").
    pub name: &'static str,
    /// The symbol in the ledger's equations ("W").
    pub symbol: &'static str,
    /// How the initialiser fills it and whether the penalties see it.
    pub role: Role,
}

/// A parameter's part in the arithmetic, which decides its initial values and penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Multiplies the input (dense or conv weights): drawn by the initialiser from its
    /// fans (dim 0 is fan-out, the rest multiply to fan-in), and penalised.
    Weight,
    /// Added (biases, batch norm's beta): set to the initial bias, not penalised.
    Bias,
    /// Multiplies element-wise (batch norm's gamma): set to 1, not penalised.
    Scale,
}

/// Whether a pass trains or evaluates: dropout draws masks and batch norm uses the
/// batch's statistics only in training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// A training step's pass.
    Train,
    /// Evaluation: inference, validation, the page's views (the default).
    #[default]
    Eval,
}

impl Mode {
    /// Reads `"train"` or `"eval"`.
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "train" => Some(Mode::Train),
            "eval" => Some(Mode::Eval),
            _ => None,
        }
    }
}

/// How a pass runs: the product kernel, the mode, the seed of the training randomness
/// and, for a tied layer, the weights it borrows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pass<'a, T> {
    /// Which implementation runs the products.
    pub kernel: Kernel,
    /// Training or evaluation.
    pub mode: Mode,
    /// Seed of this pass's random draws (dropout masks), from the trainer's seed and
    /// step, different for every operation: the same seed gives the same masks, which is
    /// how the gradient check holds them fixed.
    pub seed: u64,
    /// The W of the layer a tied operation transposes ([`Operation::ties`]), else empty.
    pub tied: &'a [T],
}

impl<'a, T> Pass<'a, T> {
    /// An evaluation pass on `kernel`.
    pub fn eval(kernel: Kernel) -> Self {
        Pass {
            kernel,
            mode: Mode::Eval,
            seed: 0,
            tied: &[],
        }
    }
}

/// The buffers one operation's forward writes, for `n` rows: z (its pre-activation
/// result, kept for backward) and a = f(z), the next operation's input.
#[derive(Debug)]
pub struct Outputs<'a, T> {
    /// n x output length.
    pub z: &'a mut [T],
    /// n x output length.
    pub a: &'a mut [T],
    /// [`Operation::saved_len`] values the operation keeps for its backward.
    pub saved: &'a mut [T],
}

/// What one operation's backward reads of its forward, for `n` rows.
#[derive(Debug, Clone, Copy)]
pub struct Saved<'a, T> {
    /// The input: n x input length.
    pub input: &'a [T],
    /// n x output length.
    pub z: &'a [T],
    /// n x output length.
    pub a: &'a [T],
    /// What forward kept in [`Outputs::saved`].
    pub saved: &'a [T],
}

/// A 0 x 0 matrix, what [`Operation::weights`] gives an operation without one.
fn empty<'a, T>() -> ArrayView2<'a, T> {
    ArrayView2::from_shape((0, 0), &[]).expect("a 0 x 0 matrix holds no values")
}

/// [`empty`], writable.
fn empty_mut<'a, T>() -> ArrayViewMut2<'a, T> {
    ArrayViewMut2::from_shape((0, 0), &mut []).expect("a 0 x 0 matrix holds no values")
}

/// One layer of a network: its forward beside its backward, its parameters by name,
/// its shapes. Rows are examples, row-major slices of the trace's buffers.
/// A buffer shaped like a parameter (its gradient, an optimiser moment): the values
/// row-major beside the shape, flat so that the layers above loop over plain slices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tensor<T> {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub values: Vec<T>,
}

impl<T: Real> Tensor<T> {
    /// Zeros of this shape.
    pub fn zeros(shape: &[usize]) -> Self {
        Tensor {
            shape: shape.to_vec(),
            values: vec![T::zero(); shape.iter().product()],
        }
    }

    /// The values as a matrix, for a 2-D tensor.
    pub fn matrix(&self) -> Option<ArrayView2<'_, T>> {
        matrix(&self.shape, &self.values)
    }

    /// The values as a vector, for a 1-D tensor.
    pub fn vector(&self) -> Option<ArrayView1<'_, T>> {
        (self.shape.len() == 1).then(|| ArrayView1::from(&self.values[..]))
    }
}

/// `values` as a (rows, cols) view when `shape` is 2-D.
fn matrix<'a, T>(shape: &[usize], values: &'a [T]) -> Option<ArrayView2<'a, T>> {
    match shape {
        &[rows, cols] => ArrayView2::from_shape((rows, cols), values).ok(),
        _ => None,
    }
}

/// One layer of a network: its forward beside its backward, its parameters by name,
/// its shapes. Rows are examples, row-major slices of the trace's buffers.
pub trait Operation<T: Real> {
    /// The `"kind"` in model files ("dense").
    fn kind(&self) -> &'static str;
    /// The shape of one input example.
    fn input_shape(&self) -> Shape;
    /// The shape of one output example.
    fn output_shape(&self) -> Shape;
    /// f in a = f(z), for the operations that have one (none by default: flatten,
    /// pooling and dropout pass their values through).
    fn activation(&self) -> Option<Activation> {
        None
    }
    /// The parameter tensors, in model-file order (none by default, for the operations
    /// that only move or mask values; the four methods on parameters go together).
    fn params(&self) -> &'static [ParamSpec] {
        &[]
    }
    /// The dimensions of parameter `p` of [`Operation::params`], outermost first.
    fn param_shape(&self, _p: usize) -> &[usize] {
        &[]
    }
    /// The values of parameter `p`, row-major.
    fn param(&self, _p: usize) -> &[T] {
        &[]
    }
    /// Parameter `p`, writable (optimiser, initialiser, model file, gradient check).
    fn param_mut(&mut self, _p: usize) -> &mut [T] {
        &mut []
    }
    /// Scratch values forward and backward need for `rows` rows.
    fn scratch_len(&self, rows: usize) -> usize;
    /// Forward over `n` rows of `input` into `out`.
    fn forward(&self, pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, scratch: &mut [T]);
    /// Backward over `n` rows. On entry `delta` holds dC/da of this operation's output;
    /// on exit dC/dz. The gradient of parameter p is written into `grads[p]` (shaped
    /// like it) and, when asked, dC/d(input) into `d_input`.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        pass: Pass<T>,
        n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        scratch: &mut [T],
    );

    /// Values forward keeps for backward in [`Outputs::saved`] for `rows` rows (pool
    /// winners, dropout masks, batch norm's x-hat).
    fn saved_len(&self, _rows: usize) -> usize {
        0
    }
    /// The settings a kind writes in the model file besides its parameters and
    /// activation ("filters", "kernel", "stride", ...).
    fn hyper(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }
    /// (fan_in, fan_out) of parameter `p` for the initialiser: by default dim 0 is
    /// fan-out and the rest multiply to fan-in (a dense W).
    fn fans(&self, p: usize) -> (usize, usize) {
        let shape = self.param_shape(p);
        let fan_out = shape.first().copied().unwrap_or(1);
        (shape.iter().skip(1).product::<usize>(), fan_out)
    }
    /// Names of the non-trained buffers (batch norm's running statistics): written and
    /// read by the model file, skipped by the optimiser, penalties, gradient check and
    /// `evaluate`.
    fn buffers(&self) -> &'static [&'static str] {
        &[]
    }
    /// Buffer `i` of [`Operation::buffers`].
    fn buffer(&self, _i: usize) -> &[T] {
        &[]
    }
    /// Buffer `i`, writable.
    fn buffer_mut(&mut self, _i: usize) -> &mut [T] {
        &mut []
    }
    /// After a training forward over `n` rows: updates the buffers from what it saved
    /// (batch norm's running statistics). Nothing by default.
    fn update_state(&mut self, _saved: &[T], _n: usize) {}
    /// The index of the earlier dense layer whose W this operation transposes.
    fn ties(&self) -> Option<usize> {
        None
    }

    /// Values per input example.
    fn input_len(&self) -> usize {
        self.input_shape().len()
    }
    /// Values per output example.
    fn output_len(&self) -> usize {
        self.output_shape().len()
    }
    /// The index of the parameter called `name`.
    fn param_index(&self, name: &str) -> Option<usize> {
        self.params().iter().position(|s| s.name == name)
    }
    /// A 2-D parameter ("weights" of a dense layer), if there is one by that name.
    fn matrix(&self, name: &str) -> Option<ArrayView2<'_, T>> {
        let p = self.param_index(name)?;
        matrix(self.param_shape(p), self.param(p))
    }
    /// A 1-D parameter ("biases"), if there is one by that name.
    fn vector(&self, name: &str) -> Option<ArrayView1<'_, T>> {
        let p = self.param_index(name)?;
        (self.param_shape(p).len() == 1).then(|| ArrayView1::from(self.param(p)))
    }
    /// f in a = f(z), identity for the operations without one (what the diagram, the
    /// guard and the ledger draw).
    fn activation_or_identity(&self) -> Activation {
        self.activation().unwrap_or(Activation::Identity)
    }
    /// The "weights" matrix (units, inputs) where there is a 2-D one, else empty: the
    /// views that draw weights read it.
    fn weights(&self) -> ArrayView2<'_, T> {
        self.matrix("weights").unwrap_or_else(empty)
    }
    /// [`Operation::weights`], writable.
    fn weights_mut(&mut self) -> ArrayViewMut2<'_, T> {
        let found = self
            .param_index("weights")
            .and_then(|p| match *self.param_shape(p) {
                [rows, cols] => Some((p, rows, cols)),
                _ => None,
            });
        match found {
            Some((p, rows, cols)) => ArrayViewMut2::from_shape((rows, cols), self.param_mut(p))
                .unwrap_or_else(|_| empty_mut()),
            None => empty_mut(),
        }
    }
    /// The "biases" vector where there is one, else empty.
    fn biases(&self) -> ArrayView1<'_, T> {
        self.vector("biases")
            .unwrap_or_else(|| ArrayView1::from(&[]))
    }
    /// [`Operation::biases`], writable.
    fn biases_mut(&mut self) -> ArrayViewMut1<'_, T> {
        match self.param_index("biases") {
            Some(p) if self.param_shape(p).len() == 1 => ArrayViewMut1::from(self.param_mut(p)),
            _ => ArrayViewMut1::from(&mut []),
        }
    }
    /// Number of parameter values.
    fn parameter_count(&self) -> usize {
        (0..self.params().len()).map(|p| self.param(p).len()).sum()
    }
}
