//! The settings table: every setting the page offers, with its path (`data.points`),
//! kind, range, allowed values, default and label, in one place. The engine builds
//! from the typed values here, and the page reads the same table (`settingsTable()`),
//! so no limit, default or list of names is written twice.
//!
//! Reading follows linfa's `Params` -> `check()` -> valid-type pattern: the JSON a page,
//! a link or a saved session holds is checked once by [`Settings::check`], which
//! yields typed values (enums, never strings) and a [`Note`] for every key it does not
//! know and every value it cannot take. Nothing is silently dropped or clamped:
//! [`Mode::Strict`] (the engine's constructors) refuses a bad value with a message
//! naming the field, the value and what is allowed; [`Mode::Lenient`] (the page's
//! saved sessions) puts the default in its place and says so.
//!
//! A new setting is a field of one of the structs below, its default in that struct's
//! `Default`, and one row of [`TABLE`].

use super::activation::Activation;
use super::dataset::features::Derived;
use super::error::{EngineError, Result};
use super::grid::Palette;
use super::init::Init;
use super::limits;
use super::loss::{Loss, Reduction};
use super::number::kernel::Kernel;
use super::ops::spec::LayerSpec;
use super::optim::Optimizer;
use super::penalty::Penalty;
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

/// A setting whose value is one of a fixed list of names (a menu on the page).
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value, in menu order.
    fn options() -> Vec<Self>;
    /// The name written in configurations.
    fn name(self) -> &'static str;
    /// The words the menu shows.
    fn label(self) -> String {
        self.name().replace('_', " ")
    }
}

/// Where the data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// Two concentric rings.
    Circles,
    /// The four quadrants.
    Xor,
    /// Interleaved spirals, 2 to 8 classes.
    Spirals,
    /// Two half-moons.
    Moons,
    /// The CMU notebook's gaussian blobs.
    Blobs,
    /// The Playground's plane: target (x1 + x2) scaled to [-1, 1].
    PlaneRegression,
    /// The Playground's signed gaussian bumps.
    GaussRegression,
    /// The 1-D step toy.
    Toy1d,
    /// The 8x8 digits.
    Digits,
    /// An uploaded CSV.
    Csv,
}

impl Choice for DatasetKind {
    fn options() -> Vec<Self> {
        use DatasetKind::*;
        vec![
            Circles,
            Xor,
            Spirals,
            Moons,
            Blobs,
            PlaneRegression,
            GaussRegression,
            Toy1d,
            Digits,
            Csv,
        ]
    }
    fn name(self) -> &'static str {
        match self {
            DatasetKind::Circles => "circles",
            DatasetKind::Xor => "xor",
            DatasetKind::Spirals => "spirals",
            DatasetKind::Moons => "moons",
            DatasetKind::Blobs => "blobs",
            DatasetKind::PlaneRegression => "plane_regression",
            DatasetKind::GaussRegression => "gauss_regression",
            DatasetKind::Toy1d => "toy1d",
            DatasetKind::Digits => "digits",
            DatasetKind::Csv => "csv",
        }
    }
    fn label(self) -> String {
        match self {
            DatasetKind::Circles => "Circles",
            DatasetKind::Xor => "XOR",
            DatasetKind::Spirals => "Spirals",
            DatasetKind::Moons => "Moons",
            DatasetKind::Blobs => "Gaussian blobs (CMU)",
            DatasetKind::PlaneRegression => "Plane (regression)",
            DatasetKind::GaussRegression => "Gaussian bumps (regression)",
            DatasetKind::Toy1d => "1-D step toy",
            DatasetKind::Digits => "8x8 digits",
            DatasetKind::Csv => "Uploaded CSV",
        }
        .into()
    }
}

/// The data settings some datasets read and others do not.
pub const DATA_SHAPING: [&str; 5] = [
    "data.points",
    "data.noise",
    "data.factor",
    "data.classes",
    "data.limit",
];

impl DatasetKind {
    /// Which of [`DATA_SHAPING`] this dataset reads; the page disables the others and
    /// says why (the CMU blobs are always their 40 points, a CSV is what the file holds).
    pub fn reads(self) -> &'static [&'static str] {
        match self {
            DatasetKind::Circles => &["data.points", "data.noise", "data.factor"],
            DatasetKind::Spirals => &["data.points", "data.noise", "data.classes"],
            DatasetKind::Xor
            | DatasetKind::Moons
            | DatasetKind::PlaneRegression
            | DatasetKind::GaussRegression => &["data.points", "data.noise"],
            DatasetKind::Toy1d => &["data.points"],
            DatasetKind::Digits => &["data.limit"],
            DatasetKind::Blobs | DatasetKind::Csv => &[],
        }
    }

    /// The problem the data poses by itself: a regression set's targets are values,
    /// everything else's (CSV: the file decides) classes.
    pub fn natural_problem(self) -> Option<Problem> {
        match self {
            DatasetKind::PlaneRegression | DatasetKind::GaussRegression | DatasetKind::Toy1d => {
                Some(Problem::Regression)
            }
            DatasetKind::Csv => None,
            _ => Some(Problem::Classification),
        }
    }
}

/// What the network learns to output (the Playground's "Problem type").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A class per point: two classes read as a probability, more as a softmax.
    Classification,
    /// A number per point, learnt with a squared error and an identity output.
    Regression,
    /// The target of every row is the network's own input (as the input transform gives
    /// it): the network learns to reconstruct what it sees through its narrowest layer.
    /// Class labels, where the data has them, stay beside the rows to colour the views.
    Autoencoder,
}

impl Choice for Problem {
    fn options() -> Vec<Self> {
        vec![
            Problem::Classification,
            Problem::Regression,
            Problem::Autoencoder,
        ]
    }
    fn name(self) -> &'static str {
        match self {
            Problem::Classification => "classification",
            Problem::Regression => "regression",
            Problem::Autoencoder => "autoencoder",
        }
    }
    fn label(self) -> String {
        match self {
            Problem::Autoencoder => "autoencoder (target = input)".into(),
            other => other.name().into(),
        }
    }
}

/// Activations in the page's menu order (the common ones first).
const ACTIVATION_MENU: [Activation; 9] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Identity,
    Activation::LeakyRelu,
    Activation::Swish,
    Activation::Sin,
    Activation::Cos,
    Activation::Exp,
];

impl Choice for Activation {
    fn options() -> Vec<Self> {
        ACTIVATION_MENU.to_vec()
    }
    fn name(self) -> &'static str {
        Activation::name(self)
    }
}

impl Choice for Loss {
    fn options() -> Vec<Self> {
        Loss::ALL.to_vec()
    }
    fn name(self) -> &'static str {
        Loss::name(self)
    }
}

impl Choice for Reduction {
    fn options() -> Vec<Self> {
        vec![Reduction::Mean, Reduction::Sum]
    }
    fn name(self) -> &'static str {
        Reduction::name(self)
    }
}

impl Choice for Optimizer {
    fn options() -> Vec<Self> {
        vec![
            Optimizer::Sgd,
            Optimizer::Momentum { beta: 0.9 },
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
        ]
    }
    fn name(self) -> &'static str {
        Optimizer::name(self)
    }
}

impl Choice for Kernel {
    fn options() -> Vec<Self> {
        vec![Kernel::Simd, Kernel::Scalar]
    }
    fn name(self) -> &'static str {
        match self {
            Kernel::Simd => "simd",
            Kernel::Scalar => "scalar",
        }
    }
}

impl Choice for Palette {
    fn options() -> Vec<Self> {
        vec![Palette::Standard, Palette::ColorBlind]
    }
    fn name(self) -> &'static str {
        match self {
            Palette::Standard => "standard",
            Palette::ColorBlind => "colorblind",
        }
    }
    fn label(self) -> String {
        match self {
            Palette::Standard => "standard",
            Palette::ColorBlind => "colour-blind safe",
        }
        .into()
    }
}

impl Choice for Derived {
    fn options() -> Vec<Self> {
        Derived::ALL.to_vec()
    }
    fn name(self) -> &'static str {
        Derived::name(self)
    }
    fn label(self) -> String {
        Derived::name(self).into()
    }
}

/// "auto" (the engine picks from the task) or a named value.
impl<T: Choice> Choice for Option<T> {
    fn options() -> Vec<Self> {
        std::iter::once(None)
            .chain(T::options().into_iter().map(Some))
            .collect()
    }
    fn name(self) -> &'static str {
        self.map_or("auto", T::name)
    }
    fn label(self) -> String {
        self.map_or("auto".into(), T::label)
    }
}

/// The initialiser's name; its one parameter is the `init_std` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitKind {
    /// Glorot uniform.
    Xavier,
    /// N(0, init_std^2).
    Gaussian,
    /// He normal.
    He,
    /// U(0, 1).
    Uniform01,
    /// Every weight 0.
    Zeros,
    /// Every weight init_std.
    Constant,
}

/// Named as [`Init::name`] names them, so a model file and a configuration agree.
impl Choice for InitKind {
    fn options() -> Vec<Self> {
        use InitKind::*;
        vec![Xavier, Gaussian, He, Uniform01, Zeros, Constant]
    }
    fn name(self) -> &'static str {
        match self {
            InitKind::Xavier => "xavier",
            InitKind::Gaussian => "gaussian",
            InitKind::He => "he",
            InitKind::Uniform01 => "uniform01",
            InitKind::Zeros => "zeros",
            InitKind::Constant => "constant",
        }
    }
}

/// Which weight penalty training adds to the cost (the Playground's "Regularisation").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regularization {
    /// No penalty.
    None,
    /// l1 * sum |w|.
    L1,
    /// l2 / 2 * sum w^2.
    L2,
}

impl Choice for Regularization {
    fn options() -> Vec<Self> {
        vec![Regularization::None, Regularization::L1, Regularization::L2]
    }
    fn name(self) -> &'static str {
        match self {
            Regularization::None => "none",
            Regularization::L1 => "l1",
            Regularization::L2 => "l2",
        }
    }
    fn label(self) -> String {
        match self {
            Regularization::None => "None",
            Regularization::L1 => "L1",
            Regularization::L2 => "L2",
        }
        .into()
    }
}

/// When the page stops training by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Never.
    None,
    /// Validation accuracy reaches the stop value.
    ValAccuracy,
    /// Validation loss falls to the stop value.
    ValLoss,
    /// The epoch count reaches the stop value.
    Epochs,
}

impl Choice for Stop {
    fn options() -> Vec<Self> {
        vec![Stop::None, Stop::ValAccuracy, Stop::ValLoss, Stop::Epochs]
    }
    fn name(self) -> &'static str {
        match self {
            Stop::None => "none",
            Stop::ValAccuracy => "val_accuracy",
            Stop::ValLoss => "val_loss",
            Stop::Epochs => "epochs",
        }
    }
    fn label(self) -> String {
        match self {
            Stop::None => "never",
            Stop::ValAccuracy => "validation accuracy ≥",
            Stop::ValLoss => "validation loss ≤",
            Stop::Epochs => "epochs ≥",
        }
        .into()
    }
}

/// The training paces the speed control offers, in steps per second; the last, None,
/// is "max". The default, 200 steps/s, takes the default circles network to
/// validation accuracy 0.95 in about 12 s (epoch 120 of 20 steps), slow enough to
/// watch the boundary form.
pub const PACES: [Option<u32>; 16] = [
    Some(1),
    Some(2),
    Some(5),
    Some(10),
    Some(20),
    Some(50),
    Some(100),
    Some(200),
    Some(500),
    Some(1000),
    Some(2000),
    Some(5000),
    Some(10000),
    Some(20000),
    Some(50000),
    None,
];

/// Largest seed "Regenerate" draws: six digits read and type easily, and a million
/// datasets are plenty to draw from.
pub const REGENERATED_SEEDS: u64 = 1_000_000;

/// The data seed after `seed` when the user asks for new data ("Regenerate"): a
/// splitmix64 step, so that the sequence looks random yet a link or a test replays it,
/// reduced below [`REGENERATED_SEEDS`] and never `seed` itself.
pub fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let next = (z ^ (z >> 31)) % REGENERATED_SEEDS;
    if next == seed {
        (next + 1) % REGENERATED_SEEDS
    } else {
        next
    }
}

/// Most hidden layers and units the page's layer editor offers; a configuration may
/// hold up to the engine's [`limits`].
pub const EDITOR_MAX_LAYERS: usize = 8;
/// See [`EDITOR_MAX_LAYERS`].
pub const EDITOR_MAX_UNITS: usize = 128;
/// Most added or removed points a configuration may list.
pub const MAX_EDITS: usize = limits::MAX_ROWS;

/// The dataset part of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct DataConfig {
    /// Where the data comes from.
    pub kind: DatasetKind,
    /// Number of generated points.
    pub points: usize,
    /// Noise of the generators.
    pub noise: f64,
    /// Inner radius of circles.
    pub factor: f64,
    /// Classes of the spirals.
    pub classes: usize,
    /// Fraction of rows held out for validation.
    pub validation: f64,
    /// Seed of the generator and of the split.
    pub seed: u64,
    /// Digits only: use the first this many images (0 = all).
    pub limit: usize,
    /// Classification or regression; None ("auto") is the data's own
    /// ([`DatasetKind::natural_problem`]). Asking the other reads two classes as the
    /// values -1 and +1, or a single value column as two classes by its sign.
    pub problem: Option<Problem>,
    /// Points the user added by clicking, [x1, x2, class] (2-D classification only).
    pub added: Vec<[f64; 3]>,
    /// Rows of the generated data the user removed (indices before `added`).
    pub removed: Vec<usize>,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            kind: DatasetKind::Circles,
            points: 400,
            noise: 0.1,
            factor: 0.5,
            classes: 3,
            validation: 0.5,
            seed: 1,
            limit: 0,
            problem: None,
            added: Vec::new(),
            removed: Vec::new(),
        }
    }
}

/// The network part of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct NetConfig {
    /// Hidden layers, input side first: any kind the model file knows (dense written as
    /// `{units, activation}`, the others as their model-file settings with `"kind"`).
    pub hidden: Vec<LayerSpec>,
    /// Output activation; None is "auto" (identity for the cross-entropy losses and
    /// regression, sigmoid for a squared-error classifier).
    pub output: Option<Activation>,
    /// The loss; None is "auto" (sigmoid or softmax cross-entropy for classes, mse for
    /// values).
    pub loss: Option<Loss>,
    /// Reduction of the loss over a batch.
    pub reduction: Reduction,
    /// The initialiser.
    pub init: InitKind,
    /// Standard deviation of the gaussian initialiser (the constant's value).
    pub init_std: f64,
    /// Seed of the initial weights.
    pub seed: u64,
    /// The output layer's weights are the transpose of the first layer's (a tied layer
    /// with its own biases: the UCLA autoencoder's x-hat = W^T W x), instead of a dense
    /// layer of its own.
    pub tied_output: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        let layer = |units| LayerSpec::dense(units, Activation::Tanh);
        NetConfig {
            hidden: vec![layer(4), layer(2)],
            output: None,
            loss: None,
            reduction: Reduction::Mean,
            init: InitKind::Xavier,
            init_std: 0.1,
            seed: 1,
            tied_output: false,
        }
    }
}

impl NetConfig {
    /// The initialiser with its parameter (init_std is the gaussian's std and the
    /// constant's value; its range keeps both valid).
    pub fn initializer(&self) -> Init {
        let std = self.init_std;
        match self.init {
            InitKind::Xavier => Init::Xavier,
            InitKind::Gaussian => Init::Gaussian { std },
            InitKind::He => Init::HeNormal,
            InitKind::Uniform01 => Init::Uniform01,
            InitKind::Zeros => Init::Zeros,
            InitKind::Constant => Init::Constant { value: std },
        }
    }
}

/// The training part of the configuration; it can change without a reset.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    /// The update rule.
    pub optimizer: Optimizer,
    /// Step size.
    pub learning_rate: f64,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// Which weight penalty is on.
    pub regularization: Regularization,
    /// Its strength.
    pub regularization_rate: f64,
    /// Multiplier of the learning rate after each epoch.
    pub lr_decay: f64,
    /// Reshuffle every epoch.
    pub shuffle: bool,
    /// Matrix kernel: SIMD (the default) or scalar, for comparison.
    pub kernel: Kernel,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            optimizer: Optimizer::Sgd,
            learning_rate: 0.03,
            batch_size: 10,
            regularization: Regularization::None,
            regularization_rate: 0.001,
            lr_decay: 1.0,
            shuffle: true,
            kernel: Kernel::Simd,
        }
    }
}

impl TrainingConfig {
    /// Parses the `training` part alone (the page's live changes), strictly.
    pub fn from_json(text: &str) -> Result<Self> {
        limits::check_file_size("training settings", text.len())?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| EngineError::Model(format!("training settings: {e}")))?;
        let checked = Settings::check(&json!({ "training": value }), Mode::Strict)?;
        match checked.notes.first() {
            Some(n) => Err(EngineError::Model(n.message.clone())),
            None => Ok(checked.settings.session.training),
        }
    }

    /// The penalty strengths the network's cost carries.
    pub fn penalty(&self) -> Penalty {
        let rate = self.regularization_rate;
        match self.regularization {
            Regularization::None => Penalty::default(),
            Regularization::L1 => Penalty { l1: rate, l2: 0.0 },
            Regularization::L2 => Penalty { l1: 0.0, l2: rate },
        }
    }
}

/// Input transforms the page offers.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureConfig {
    /// Derived 2-D features, in the order given.
    pub derived: Vec<Derived>,
    /// Standardise every feature with the training rows' mean and std.
    pub standardize: bool,
    /// Feed x1 to the network (2-D data); off, only the other inputs are fed.
    pub x1: bool,
    /// Feed x2 to the network (2-D data).
    pub x2: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            derived: Vec::new(),
            standardize: false,
            x1: true,
            x2: true,
        }
    }
}

impl FeatureConfig {
    /// The raw columns switched off (0 for x1, 1 for x2), for the input transform.
    pub fn dropped(&self) -> Vec<usize> {
        [(0, self.x1), (1, self.x2)]
            .into_iter()
            .filter(|&(_, on)| !on)
            .map(|(c, _)| c)
            .collect()
    }
}

/// Everything a lab session is built from; the page's settings, minus the view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionConfig {
    /// What data.
    pub data: DataConfig,
    /// Input transforms.
    pub features: FeatureConfig,
    /// What network.
    pub network: NetConfig,
    /// How it trains.
    pub training: TrainingConfig,
}

/// Settings only the page uses: how it shows and paces training.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewConfig {
    /// Index into [`PACES`].
    pub pace: usize,
    /// Colours of classes and heatmaps.
    pub palette: Palette,
    /// Loss chart on a log axis.
    pub log_scale: bool,
    /// When training stops by itself.
    pub stop: Stop,
    /// The value `stop` compares with.
    pub stop_value: f64,
    /// The data row the views follow.
    pub example: usize,
    /// Draw the validation rows on the plane (as rings) beside the training rows.
    pub show_validation: bool,
    /// Colour the output heatmap by the decision alone (class, or sign of the value).
    pub discretize: bool,
}

impl Default for ViewConfig {
    fn default() -> Self {
        ViewConfig {
            pace: 7,
            palette: Palette::Standard,
            log_scale: false,
            stop: Stop::None,
            stop_value: 0.95,
            example: 0,
            show_validation: true,
            discretize: false,
        }
    }
}

/// Every setting of the page: the session's and the view's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    /// What the engine builds from.
    pub session: SessionConfig,
    /// What only the page uses.
    pub view: ViewConfig,
}

/// What a setting holds, with its range or allowed values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A whole number from min to max.
    Int {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A finite number from min to max.
    Float {
        /// Smallest allowed.
        min: f64,
        /// Largest allowed.
        max: f64,
    },
    /// true or false.
    Bool,
    /// One of the names of a [`Choice`].
    Choice,
    /// The hidden layers: a list of {units, activation}.
    Layers,
    /// A list of derived-feature names, each at most once.
    Derived,
    /// Added points: a list of [x1, x2, class].
    Points,
    /// Removed rows: a list of row numbers.
    Rows,
}

impl Kind {
    /// What a number setting allows, as messages and the page's controls say it:
    /// "a whole number from 10 to 10000", "a number from 0 to 0.9".
    pub fn allowed(self) -> String {
        match self {
            Kind::Int { min, max } => format!(
                "a whole number from {} to {}",
                readable(min as f64),
                readable(max as f64)
            ),
            Kind::Float { min, max } => {
                format!("a number from {} to {}", readable(min), readable(max))
            }
            _ => String::new(),
        }
    }
}

/// A whole-number field, whatever its Rust type.
trait IntField {
    fn get(&self) -> u64;
    fn set(&mut self, v: u64);
}

impl IntField for usize {
    fn get(&self) -> u64 {
        *self as u64
    }
    fn set(&mut self, v: u64) {
        *self = usize::try_from(v).unwrap_or(usize::MAX);
    }
}

impl IntField for u64 {
    fn get(&self) -> u64 {
        *self
    }
    fn set(&mut self, v: u64) {
        *self = v;
    }
}

/// A [`Choice`] field, by name.
trait ChoiceField {
    fn get(&self) -> &'static str;
    fn set(&mut self, name: &str) -> bool;
    fn menu(&self) -> Vec<(&'static str, String)>;
}

impl<T: Choice> ChoiceField for T {
    fn get(&self) -> &'static str {
        self.name()
    }
    fn set(&mut self, name: &str) -> bool {
        match T::options().into_iter().find(|o| o.name() == name) {
            Some(v) => {
                *self = v;
                true
            }
            None => false,
        }
    }
    fn menu(&self) -> Vec<(&'static str, String)> {
        T::options()
            .into_iter()
            .map(|o| (o.name(), o.label()))
            .collect()
    }
}

/// The typed field a row reads and writes.
enum Field<'a> {
    Int(&'a mut dyn IntField),
    Float(&'a mut f64),
    Bool(&'a mut bool),
    Choice(&'a mut dyn ChoiceField),
    Layers(&'a mut Vec<LayerSpec>),
    Derived(&'a mut Vec<Derived>),
    Points(&'a mut Vec<[f64; 3]>),
    Rows(&'a mut Vec<usize>),
}

/// One row of the settings table.
pub struct Setting {
    /// Where it sits in the configuration JSON: `section.key`.
    pub path: &'static str,
    /// The words the page shows beside its control.
    pub label: &'static str,
    /// What it holds.
    pub kind: Kind,
    field: for<'a> fn(&'a mut Settings) -> Field<'a>,
}

const fn int(min: u64, max: u64) -> Kind {
    Kind::Int { min, max }
}

const fn float(min: f64, max: f64) -> Kind {
    Kind::Float { min, max }
}

/// Seeds are any u64 (links made by older pages may hold one past 2^53).
const SEED_MAX: u64 = u64::MAX;

/// Every setting, in the order the page lists them.
#[rustfmt::skip]
pub static TABLE: &[Setting] = &[
    Setting { path: "data.kind", label: "Dataset", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.data.kind) },
    Setting { path: "data.points", label: "Points", kind: int(10, 10_000), field: |s| Field::Int(&mut s.session.data.points) },
    Setting { path: "data.noise", label: "Noise", kind: float(0.0, 2.0), field: |s| Field::Float(&mut s.session.data.noise) },
    Setting { path: "data.factor", label: "Inner radius", kind: float(0.05, 0.95), field: |s| Field::Float(&mut s.session.data.factor) },
    Setting { path: "data.classes", label: "Classes", kind: int(2, 8), field: |s| Field::Int(&mut s.session.data.classes) },
    Setting { path: "data.validation", label: "Ratio of validation data", kind: float(0.0, 0.9), field: |s| Field::Float(&mut s.session.data.validation) },
    Setting { path: "data.seed", label: "Data seed", kind: int(0, SEED_MAX), field: |s| Field::Int(&mut s.session.data.seed) },
    Setting { path: "data.limit", label: "Images (0 = all)", kind: int(0, 10_000), field: |s| Field::Int(&mut s.session.data.limit) },
    Setting { path: "data.problem", label: "Problem type", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.data.problem) },
    Setting { path: "data.added", label: "Added points", kind: Kind::Points, field: |s| Field::Points(&mut s.session.data.added) },
    Setting { path: "data.removed", label: "Removed points", kind: Kind::Rows, field: |s| Field::Rows(&mut s.session.data.removed) },
    Setting { path: "features.derived", label: "Derived features", kind: Kind::Derived, field: |s| Field::Derived(&mut s.session.features.derived) },
    Setting { path: "features.standardize", label: "Standardise features", kind: Kind::Bool, field: |s| Field::Bool(&mut s.session.features.standardize) },
    Setting { path: "features.x1", label: "x1", kind: Kind::Bool, field: |s| Field::Bool(&mut s.session.features.x1) },
    Setting { path: "features.x2", label: "x2", kind: Kind::Bool, field: |s| Field::Bool(&mut s.session.features.x2) },
    Setting { path: "network.hidden", label: "Hidden layers", kind: Kind::Layers, field: |s| Field::Layers(&mut s.session.network.hidden) },
    Setting { path: "network.output", label: "Output activation", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.network.output) },
    Setting { path: "network.loss", label: "Loss", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.network.loss) },
    Setting { path: "network.reduction", label: "Loss over a batch", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.network.reduction) },
    Setting { path: "network.init", label: "Initialiser", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.network.init) },
    Setting { path: "network.init_std", label: "Init std (constant: value)", kind: float(1e-6, 10.0), field: |s| Field::Float(&mut s.session.network.init_std) },
    Setting { path: "network.tied_output", label: "Output layer: tied to the first layer's weights (W^T)", kind: Kind::Bool, field: |s| Field::Bool(&mut s.session.network.tied_output) },
    Setting { path: "network.seed", label: "Weight seed", kind: int(0, SEED_MAX), field: |s| Field::Int(&mut s.session.network.seed) },
    Setting { path: "training.optimizer", label: "Optimiser", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.training.optimizer) },
    Setting { path: "training.learning_rate", label: "Learning rate", kind: float(0.0, 1000.0), field: |s| Field::Float(&mut s.session.training.learning_rate) },
    Setting { path: "training.batch_size", label: "Batch size", kind: int(1, limits::MAX_ROWS as u64), field: |s| Field::Int(&mut s.session.training.batch_size) },
    Setting { path: "training.regularization", label: "Regularisation", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.training.regularization) },
    Setting { path: "training.regularization_rate", label: "Regularisation rate", kind: float(0.0, 10.0), field: |s| Field::Float(&mut s.session.training.regularization_rate) },
    Setting { path: "training.lr_decay", label: "Learning-rate decay", kind: float(0.5, 1.0), field: |s| Field::Float(&mut s.session.training.lr_decay) },
    Setting { path: "training.shuffle", label: "Shuffle each epoch", kind: Kind::Bool, field: |s| Field::Bool(&mut s.session.training.shuffle) },
    Setting { path: "training.kernel", label: "Matrix kernel", kind: Kind::Choice, field: |s| Field::Choice(&mut s.session.training.kernel) },
    Setting { path: "view.pace", label: "Speed", kind: int(0, PACES.len() as u64 - 1), field: |s| Field::Int(&mut s.view.pace) },
    Setting { path: "view.palette", label: "Palette", kind: Kind::Choice, field: |s| Field::Choice(&mut s.view.palette) },
    Setting { path: "view.log_scale", label: "Log scale", kind: Kind::Bool, field: |s| Field::Bool(&mut s.view.log_scale) },
    Setting { path: "view.stop", label: "Condition", kind: Kind::Choice, field: |s| Field::Choice(&mut s.view.stop) },
    Setting { path: "view.stop_value", label: "Value", kind: float(0.0, 1e9), field: |s| Field::Float(&mut s.view.stop_value) },
    Setting { path: "view.example", label: "Example", kind: int(0, limits::MAX_ROWS as u64), field: |s| Field::Int(&mut s.view.example) },
    Setting { path: "view.show_validation", label: "Show validation points", kind: Kind::Bool, field: |s| Field::Bool(&mut s.view.show_validation) },
    Setting { path: "view.discretize", label: "Discretise output", kind: Kind::Bool, field: |s| Field::Bool(&mut s.view.discretize) },
];

/// Keys older pages wrote that still read, with what they became.
const LEGACY: &[&str] = &["training.l2"];

/// How [`Settings::check`] treats a value it cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refuse it: the engine's constructors, whose callers must send valid settings.
    Strict,
    /// Use the default and say so: saved sessions, which must always load.
    Lenient,
}

/// Something the check did not take as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The setting's path, or the unknown key's.
    pub path: String,
    /// What is wrong, for a person: names the field, the value and what is allowed.
    pub message: String,
    /// True for an unknown key (ignored); false for a value that was refused.
    pub unknown: bool,
}

/// Settings that passed the check, with what the check had to say.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The typed settings.
    pub settings: Settings,
    /// One note per unknown key or replaced value.
    pub notes: Vec<Note>,
}

impl Settings {
    /// Checks a configuration's JSON value (see the module's introduction). Missing
    /// keys take their defaults. Errors: the value is not an object; in strict mode, a
    /// value outside its range or of the wrong kind.
    pub fn check(value: &Value, mode: Mode) -> Result<Checked> {
        let Value::Object(top) = value else {
            return Err(EngineError::Model(
                "the configuration is not a JSON object".into(),
            ));
        };
        let mut settings = Settings::default();
        let mut notes = Vec::new();
        for (section, v) in top {
            let known = TABLE.iter().any(|r| r.section() == section);
            if !known {
                notes.push(unknown(section.clone()));
                continue;
            }
            let Value::Object(keys) = v else {
                notes.push(Note {
                    path: section.clone(),
                    message: refused(v, "an object of settings").message(section),
                    unknown: false,
                });
                continue;
            };
            for key in keys.keys() {
                let path = format!("{section}.{key}");
                if !TABLE.iter().any(|r| r.path == path) && !LEGACY.contains(&path.as_str()) {
                    notes.push(unknown(path));
                }
            }
        }
        legacy_l2(top, &mut settings, &mut notes);
        for row in TABLE {
            let Some(v) = top.get(row.section()).and_then(|s| s.get(row.key())) else {
                continue;
            };
            if let Err(problem) = row.take(&mut settings, v) {
                let field = format!("{} ({})", row.path, lower_first(row.label));
                notes.push(Note {
                    path: row.path.into(),
                    message: problem.message(&field),
                    unknown: false,
                });
            }
        }
        let defaults = Settings::default();
        for n in &mut notes {
            if n.unknown {
                continue;
            }
            if mode == Mode::Strict {
                return Err(EngineError::Model(n.message.clone()));
            }
            let default = TABLE
                .iter()
                .find(|r| r.path == n.path)
                .map(|r| r.read(&defaults));
            n.message = match default {
                Some(d) => format!("{}; the default {} is used", n.message, shown(&d)),
                None => format!("{}; its defaults are used", n.message),
            };
        }
        Ok(Checked { settings, notes })
    }

    /// The settings as JSON, every key written (the form [`Settings::check`] reads).
    pub fn to_value(&self) -> Value {
        self.write(|_| true)
    }

    fn write(&self, keep: impl Fn(&Setting) -> bool) -> Value {
        let mut top = Map::new();
        for row in TABLE.iter().filter(|r| keep(r)) {
            let v = row.read(self);
            let section = top
                .entry(row.section())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = section {
                m.insert(row.key().into(), v);
            }
        }
        Value::Object(top)
    }
}

impl SessionConfig {
    /// Parses the JSON an engine constructor receives: strictly (a bad value is an
    /// error naming it), with a note for each unknown key.
    pub fn parse(text: &str) -> Result<(Self, Vec<String>)> {
        limits::check_file_size("configuration", text.len())?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| EngineError::Model(format!("configuration: {e}")))?;
        let checked = Settings::check(&value, Mode::Strict).map_err(|e| {
            let e = e.to_string();
            EngineError::Model(format!(
                "configuration: {}",
                e.strip_prefix("model: ").unwrap_or(&e)
            ))
        })?;
        let notes = checked.notes.into_iter().map(|n| n.message).collect();
        Ok((checked.settings.session, notes))
    }

    /// [`SessionConfig::parse`] for callers that send only known keys (tests, the
    /// benchmark, links the page makes): an unknown key is an error too.
    pub fn from_json(text: &str) -> Result<Self> {
        let (config, notes) = Self::parse(text)?;
        match notes.first() {
            Some(n) => Err(EngineError::Model(n.clone())),
            None => Ok(config),
        }
    }

    /// The configuration as JSON, every key written.
    pub fn to_value(&self) -> Value {
        let settings = Settings {
            session: self.clone(),
            view: ViewConfig::default(),
        };
        settings.write(|r| r.section() != "view")
    }

    /// Checks values set in Rust (the fields are public) as a parsed configuration
    /// would be: the same table, the same messages.
    pub fn validate(&self) -> Result<()> {
        Settings::check(&self.to_value(), Mode::Strict).map(|_| ())
    }
}

/// Written as [`SessionConfig::to_value`], so model files and links carry the same
/// JSON the page sends.
impl Serialize for SessionConfig {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// The table as the page reads it once at load: `{"settings": [{path, label, kind,
/// default, min, max, options: [[name, label]]}], "paces": [...], "editor": {...}}`.
pub fn table_json() -> String {
    let mut defaults = Settings::default();
    let rows: Vec<Value> = TABLE
        .iter()
        .map(|row| {
            let mut o = Map::new();
            o.insert("path".into(), json!(row.path));
            o.insert("label".into(), json!(row.label));
            let kind = match row.kind {
                Kind::Int { min, max } => {
                    o.insert("min".into(), json!(min));
                    o.insert("max".into(), json!(max));
                    "int"
                }
                Kind::Float { min, max } => {
                    o.insert("min".into(), json!(min));
                    o.insert("max".into(), json!(max));
                    "float"
                }
                Kind::Bool => "bool",
                Kind::Choice => "enum",
                Kind::Layers => "layers",
                Kind::Derived => "derived",
                Kind::Points => "points",
                Kind::Rows => "rows",
            };
            o.insert("kind".into(), json!(kind));
            if matches!(row.kind, Kind::Int { .. } | Kind::Float { .. }) {
                o.insert("allowed".into(), json!(row.kind.allowed()));
            }
            match (row.field)(&mut defaults) {
                Field::Choice(c) => {
                    o.insert("options".into(), json!(c.menu()));
                }
                Field::Derived(_) => {
                    o.insert("options".into(), json!(Derived::default_options()));
                }
                Field::Layers(_) => {
                    o.insert("options".into(), json!(Activation::default_options()));
                    o.insert("max_layers".into(), json!(EDITOR_MAX_LAYERS));
                    o.insert("max_units".into(), json!(EDITOR_MAX_UNITS));
                }
                _ => {}
            }
            o.insert("default".into(), row.read(&defaults));
            Value::Object(o)
        })
        .collect();
    let reads: Map<String, Value> = DatasetKind::options()
        .into_iter()
        .map(|k| (k.name().to_string(), json!(k.reads())))
        .collect();
    json!({ "settings": rows, "paces": PACES, "shaping": DATA_SHAPING, "reads": reads }).to_string()
}

/// [name, label] of every option of a [`Choice`], for the page's menus.
trait Options: Choice {
    fn default_options() -> Vec<(&'static str, String)> {
        Self::options()
            .into_iter()
            .map(|o| (o.name(), o.label()))
            .collect()
    }
}

impl<T: Choice> Options for T {}

impl Setting {
    fn section(&self) -> &'static str {
        self.path.split_once('.').map_or(self.path, |(s, _)| s)
    }

    fn key(&self) -> &'static str {
        self.path.split_once('.').map_or("", |(_, k)| k)
    }

    /// The field's value as JSON.
    fn read(&self, s: &Settings) -> Value {
        let mut copy = s.clone();
        match (self.field)(&mut copy) {
            Field::Int(v) => json!(v.get()),
            Field::Float(v) => json!(*v),
            Field::Bool(v) => json!(*v),
            Field::Choice(v) => json!(v.get()),
            Field::Layers(v) => Value::Array(v.iter().map(layer_json).collect()),
            Field::Derived(v) => json!(v.iter().map(|d| d.name()).collect::<Vec<_>>()),
            Field::Points(v) => json!(v),
            Field::Rows(v) => json!(v),
        }
    }

    /// Checks `v` against this row and stores it; Err says what is wrong with it.
    fn take(&self, s: &mut Settings, v: &Value) -> std::result::Result<(), Refusal> {
        let field = (self.field)(s);
        match (field, self.kind) {
            (Field::Int(f), Kind::Int { min, max }) => {
                let n = v.as_u64().filter(|n| (min..=max).contains(n));
                let n = n.ok_or_else(|| refused(v, &self.kind.allowed()))?;
                f.set(n);
            }
            (Field::Float(f), Kind::Float { min, max }) => {
                let n = v.as_f64().filter(|n| (min..=max).contains(n));
                *f = n.ok_or_else(|| refused(v, &self.kind.allowed()))?;
            }
            (Field::Bool(f), _) => *f = v.as_bool().ok_or_else(|| refused(v, "true or false"))?,
            (Field::Choice(f), _) => {
                let ok = v.as_str().is_some_and(|name| f.set(name));
                if !ok {
                    let names: Vec<&str> = f.menu().into_iter().map(|o| o.0).collect();
                    return Err(refused(v, &format!("one of {}", names.join(", "))));
                }
            }
            (Field::Layers(f), _) => *f = layers(v)?,
            (Field::Derived(f), _) => {
                let list = v
                    .as_array()
                    .ok_or_else(|| refused(v, "a list of derived features"))?;
                let mut out = Vec::new();
                for item in list {
                    let d = item
                        .as_str()
                        .and_then(|n| Derived::ALL.into_iter().find(|d| d.name() == n))
                        .ok_or_else(|| {
                            let names: Vec<&str> = Derived::ALL.iter().map(|d| d.name()).collect();
                            refused(item, &format!("one of {}", names.join(", ")))
                        })?;
                    if !out.contains(&d) {
                        out.push(d);
                    }
                }
                *f = out;
            }
            (Field::Points(f), _) => {
                let list = v
                    .as_array()
                    .filter(|l| l.len() <= MAX_EDITS)
                    .ok_or_else(|| {
                        refused(
                            v,
                            &format!("a list of at most {MAX_EDITS} [x1, x2, class] points"),
                        )
                    })?;
                let mut out = Vec::with_capacity(list.len());
                for p in list {
                    let xs: Option<Vec<f64>> = p
                        .as_array()
                        .filter(|a| a.len() == 3)
                        .map(|a| a.iter().filter_map(Value::as_f64).collect());
                    match xs {
                        Some(x) if x.len() == 3 && x[2].fract() == 0.0 && x[2] >= 0.0 => {
                            out.push([x[0], x[1], x[2]])
                        }
                        _ => {
                            return Err(refused(
                                p,
                                "a point [x1, x2, class] of finite numbers and a class 0, 1, ...",
                            ))
                        }
                    }
                }
                *f = out;
            }
            (Field::Rows(f), _) => {
                let list = v
                    .as_array()
                    .filter(|l| l.len() <= MAX_EDITS)
                    .ok_or_else(|| {
                        refused(v, &format!("a list of at most {MAX_EDITS} row numbers"))
                    })?;
                let rows: Option<Vec<usize>> = list
                    .iter()
                    .map(|r| r.as_u64().and_then(|r| usize::try_from(r).ok()))
                    .collect();
                *f = rows.ok_or_else(|| refused(v, "a list of row numbers 0, 1, ..."))?;
            }
            _ => {
                return Err(refused(
                    v,
                    "nothing: the settings table gives this setting the wrong kind",
                ))
            }
        }
        Ok(())
    }
}

fn layers(v: &Value) -> std::result::Result<Vec<LayerSpec>, Refusal> {
    let max_hidden = limits::MAX_LAYERS - 1;
    let list = v
        .as_array()
        .filter(|l| l.len() <= max_hidden)
        .ok_or_else(|| refused(v, &format!("a list of at most {max_hidden} layers")))?;
    let mut out = Vec::with_capacity(list.len());
    for (i, l) in list.iter().enumerate() {
        let kind = l.get("kind").and_then(Value::as_str).unwrap_or("dense");
        if kind != "dense" {
            let spec = l
                .as_object()
                .ok_or_else(|| "an object".to_string())
                .and_then(|m| LayerSpec::from_json(m, "").map_err(|e| e.to_string()));
            match spec {
                Ok(spec) => out.push(spec),
                Err(why) => {
                    return Err(Refusal {
                        value: format!("hidden layer {} `{}`", i + 1, shown(l)),
                        allowed: why.strip_prefix("model: ").unwrap_or(&why).to_string(),
                    })
                }
            }
            continue;
        }
        let units = l
            .get("units")
            .and_then(Value::as_u64)
            .filter(|u| (1..=limits::MAX_UNITS as u64).contains(u));
        let activation = l
            .get("activation")
            .and_then(Value::as_str)
            .and_then(|a| Activation::parse(a).ok());
        match (units, activation) {
            (Some(units), Some(activation)) => {
                out.push(LayerSpec::dense(units as usize, activation))
            }
            _ => {
                return Err(Refusal {
                    value: format!("hidden layer {} `{}`", i + 1, shown(l)),
                    allowed: format!(
                        "{{\"units\": 1 to {}, \"activation\": one of {}}}",
                        limits::MAX_UNITS,
                        ACTIVATION_MENU.map(|a| a.name()).join(", ")
                    ),
                })
            }
        }
    }
    Ok(out)
}

/// One hidden layer as the configuration writes it: `{units, activation}` for dense (the
/// form every saved session and link has), the model file's settings for the other kinds.
fn layer_json(spec: &LayerSpec) -> Value {
    match *spec {
        LayerSpec::Dense { units, activation } => {
            json!({"units": units, "activation": activation.name()})
        }
        LayerSpec::Conv2d {
            filters,
            kernel,
            stride,
            pad,
            activation,
        } => json!({"kind": "conv2d", "filters": filters, "kernel": [kernel.0, kernel.1],
            "stride": stride, "pad": pad, "activation": activation.name()}),
        LayerSpec::MaxPool2d { size, stride } => {
            json!({"kind": "maxpool2d", "size": size, "stride": stride})
        }
        LayerSpec::Flatten => json!({"kind": "flatten"}),
        LayerSpec::Dropout { p } => json!({"kind": "dropout", "p": p}),
        LayerSpec::BatchNorm { momentum, eps } => {
            json!({"kind": "batchnorm", "momentum": momentum, "eps": eps})
        }
        LayerSpec::Tied { of, activation } => {
            json!({"kind": "tied", "of": of, "activation": activation.name()})
        }
    }
}

/// Old pages wrote the L2 strength as `training.l2`; it reads as the L2 regularisation
/// at that rate (0: none), unless the configuration names its regularisation.
fn legacy_l2(top: &Map<String, Value>, s: &mut Settings, notes: &mut Vec<Note>) {
    let training = top.get("training");
    let Some(v) = training.and_then(|t| t.get("l2")) else {
        return;
    };
    if training.is_some_and(|t| t.get("regularization").is_some()) {
        return;
    }
    match v.as_f64().filter(|r| (0.0..=10.0).contains(r)) {
        Some(rate) if rate > 0.0 => {
            s.session.training.regularization = Regularization::L2;
            s.session.training.regularization_rate = rate;
        }
        Some(_) => {}
        None => notes.push(Note {
            path: "training.regularization_rate".into(),
            message: refused(v, "a number from 0 to 10")
                .message("training.l2 (the L2 rate of older pages)"),
            unknown: false,
        }),
    }
}

/// "Batch size" as it reads inside a sentence: "batch size".
fn lower_first(label: &str) -> String {
    let mut c = label.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

fn unknown(path: String) -> Note {
    Note {
        message: format!("{path} is not a setting this page knows; it is ignored"),
        path,
        unknown: true,
    }
}

/// A value a setting cannot take: the value as shown, and what the setting allows.
struct Refusal {
    value: String,
    allowed: String,
}

impl Refusal {
    /// "invalid value: integer `-4` for data.points (points); allowed: ...": the value
    /// first, then the field, then the range.
    fn message(&self, field: &str) -> String {
        format!(
            "invalid value: {} for {field}; allowed: {}",
            self.value, self.allowed
        )
    }
}

fn refused(v: &Value, allowed: &str) -> Refusal {
    let what = match v {
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "text",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    };
    Refusal {
        value: format!("{what} `{}`", shown(v)),
        allowed: allowed.into(),
    }
}

/// A value as a person reads it: numbers in exponent form when very large or very
/// small (never 300 digits), text quoted and cut short, lists and objects summarised.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), readable),
        Value::String(s) if s.chars().count() > 40 => {
            format!("\"{}...\"", s.chars().take(40).collect::<String>())
        }
        Value::Array(a) if a.len() > 4 || v.to_string().len() > 60 => {
            format!("a list of {}", a.len())
        }
        Value::Object(_) if v.to_string().len() > 60 => "an object".into(),
        other => other.to_string(),
    }
}

/// A number in at most a dozen characters: 0.03, 400, 10000, 1e300, 1.5e-7.
pub fn readable(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || (1e-4..1e6).contains(&a) {
        let s = format!("{x:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        let s = format!("{x:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lenient(v: Value) -> Checked {
        Settings::check(&v, Mode::Lenient).unwrap()
    }

    fn strict_error(v: Value) -> String {
        Settings::check(&v, Mode::Strict).unwrap_err().to_string()
    }

    #[test]
    fn defaults_pass_their_own_check_and_round_trip() {
        let d = Settings::default();
        let back = Settings::check(&d.to_value(), Mode::Strict).unwrap();
        assert_eq!(back.settings, d);
        assert!(back.notes.is_empty(), "{:?}", back.notes);
        let empty = lenient(json!({}));
        assert_eq!(empty.settings, d);
        assert!(empty.notes.is_empty());
    }

    #[test]
    fn every_row_takes_its_default_and_the_table_names_each_path_once() {
        let d = Settings::default();
        for (i, row) in TABLE.iter().enumerate() {
            let mut s = Settings::default();
            assert!(row.take(&mut s, &row.read(&d)).is_ok(), "{}", row.path);
            assert!(
                TABLE[..i].iter().all(|r| r.path != row.path),
                "{}",
                row.path
            );
        }
    }

    #[test]
    fn typed_values_come_out() {
        let c = lenient(json!({
            "data": {"kind": "spirals", "points": 300},
            "network": {"hidden": [{"units": 3, "activation": "relu"}], "output": "sigmoid", "loss": "mse", "init": "he"},
            "training": {"optimizer": "adam", "regularization": "l1", "regularization_rate": 0.01, "kernel": "scalar"},
            "features": {"derived": ["x1^2", "sin(x2)", "x1^2"]},
            "view": {"palette": "colorblind", "stop": "epochs"}
        }));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let s = c.settings;
        assert_eq!(s.session.data.kind, DatasetKind::Spirals);
        assert_eq!(s.session.data.points, 300);
        assert_eq!(
            s.session.network.hidden,
            vec![LayerSpec::dense(3, Activation::Relu)]
        );
        assert_eq!(s.session.network.output, Some(Activation::Sigmoid));
        assert_eq!(s.session.network.loss, Some(Loss::Mse));
        assert_eq!(s.session.network.init, InitKind::He);
        assert!(matches!(
            s.session.training.optimizer,
            Optimizer::Adam { .. }
        ));
        assert_eq!(s.session.training.kernel, Kernel::Scalar);
        assert_eq!(s.session.training.penalty(), Penalty { l1: 0.01, l2: 0.0 });
        assert_eq!(
            s.session.features.derived,
            vec![Derived::X1Squared, Derived::SinX2]
        );
        assert_eq!(s.view.palette, Palette::ColorBlind);
        assert_eq!(s.view.stop, Stop::Epochs);
    }

    #[test]
    fn out_of_range_validation_is_a_note_or_an_error_never_a_clamp() {
        for bad in [json!(1.5), json!(1), json!(-0.1), json!("half")] {
            let c = lenient(json!({"data": {"validation": bad.clone()}}));
            assert_eq!(c.settings.session.data.validation, 0.5, "{bad}");
            assert_eq!(c.notes.len(), 1);
            let m = &c.notes[0].message;
            assert!(m.starts_with("invalid value: ") && m.contains(" for data.validation (ratio of validation data); allowed: a number from 0 to 0.9"), "{m}");
            assert!(
                m.contains(&format!("`{}`", shown(&bad))) && m.contains("from 0 to 0.9"),
                "{m}"
            );
            assert!(m.ends_with("the default 0.5 is used"), "{m}");
            let e = strict_error(json!({"data": {"validation": bad}}));
            assert!(
                e.contains("data.validation")
                    && e.contains("from 0 to 0.9")
                    && !e.contains("default"),
                "{e}"
            );
        }
        let ok = lenient(json!({"data": {"validation": 0.9}}));
        assert_eq!(ok.settings.session.data.validation, 0.9);
        assert!(ok.notes.is_empty());
    }

    #[test]
    fn unknown_keys_are_noted_in_both_modes() {
        let v = json!({"data": {"kind": "xor", "ponits": 3}, "colour": "red", "training": {"learnig_rate": 1}});
        for mode in [Mode::Strict, Mode::Lenient] {
            let c = Settings::check(&v, mode).unwrap();
            assert_eq!(c.settings.session.data.kind, DatasetKind::Xor);
            let paths: Vec<&str> = c.notes.iter().map(|n| n.path.as_str()).collect();
            assert_eq!(paths, ["colour", "data.ponits", "training.learnig_rate"]);
            assert!(c
                .notes
                .iter()
                .all(|n| n.unknown && n.message.ends_with("it is ignored")));
        }
        let e = SessionConfig::from_json(r#"{"data": {"ponits": 3}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("data.ponits is not a setting"), "{e}");
        assert!(SessionConfig::parse(r#"{"data": {"ponits": 3}}"#)
            .unwrap()
            .1[0]
            .contains("data.ponits"));
    }

    #[test]
    fn messages_show_huge_and_tiny_numbers_in_exponent_form() {
        let huge = "1".repeat(300);
        let e = strict_error(
            serde_json::from_str(&format!(r#"{{"training": {{"learning_rate": {huge}}}}}"#))
                .unwrap(),
        );
        assert!(
            e.contains("`1.111e299`") && e.contains("from 0 to 1000"),
            "{e}"
        );
        assert!(e.len() < 160, "{e}");
        let e = strict_error(json!({"network": {"init_std": 1e-9}}));
        assert!(e.contains("`1e-9`") && e.contains("from 1e-6 to 10"), "{e}");
        assert_eq!(readable(0.03), "0.03");
        assert_eq!(readable(10000.0), "10000");
        assert_eq!(readable(-2.5e-7), "-2.5e-7");
        assert_eq!(readable(1e200), "1e200");
        let long = "x".repeat(500);
        let e = strict_error(json!({"data": {"kind": long}}));
        assert!(e.len() < 260 && e.contains("one of circles, xor"), "{e}");
    }

    #[test]
    fn image_layers_round_trip_and_a_bad_one_is_named() {
        let hidden = json!([
            {"kind": "conv2d", "filters": 8, "kernel": [3, 5], "stride": 2, "pad": 1, "activation": "relu"},
            {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5},
            {"kind": "maxpool2d", "size": 2, "stride": 2},
            {"kind": "flatten"},
            {"kind": "dropout", "p": 0.25},
            {"units": 16, "activation": "tanh"}
        ]);
        let c = Settings::check(&json!({"network": {"hidden": hidden}}), Mode::Strict).unwrap();
        let got = &c.settings.session.network.hidden;
        assert_eq!(
            got[0],
            LayerSpec::Conv2d {
                filters: 8,
                kernel: (3, 5),
                stride: 2,
                pad: 1,
                activation: Activation::Relu
            }
        );
        assert_eq!(got[4], LayerSpec::Dropout { p: 0.25 });
        assert_eq!(c.settings.to_value()["network"]["hidden"], hidden);
        let e = strict_error(json!({"network": {"hidden": [
            {"units": 4, "activation": "relu"},
            {"kind": "conv2d", "filters": 0, "kernel": [3, 3], "stride": 1, "pad": 0, "activation": "relu"}
        ]}}));
        assert!(
            e.contains("hidden layer 2") && e.contains("filters must be a whole number from 1"),
            "{e}"
        );
        let e = strict_error(json!({"network": {"hidden": [{"kind": "pool"}]}}));
        assert!(
            e.contains("hidden layer 1") && e.contains("kind \"pool\""),
            "{e}"
        );
        // A tied hidden layer is read as the model file writes it (the ledger's two
        // paths need one on the page); the network's build checks what it ties to.
        let e = strict_error(
            json!({"network": {"hidden": [{"kind": "tied", "activation": "identity"}]}}),
        );
        assert!(e.contains("hidden layer 1") && e.contains("of"), "{e}");
        let tied = json!({"network": {"hidden": [{"units": 3, "activation": "identity"},
            {"kind": "tied", "of": 0, "activation": "identity"}]}});
        assert!(Settings::check(&tied, Mode::Strict).is_ok());
    }

    #[test]
    fn wrong_kinds_and_bad_lists_name_the_field() {
        let cases = [
            (json!({"data": {"points": -4}}), "invalid value: integer `-4` for data.points (points); allowed: a whole number from 10 to 10000"),
            (json!({"training": {"batch_size": 0}}), "invalid value: integer `0` for training.batch_size (batch size); allowed: a whole number from 1 to 10000"),
            (json!({"training": {"shuffle": "yes"}}), "invalid value: text `\"yes\"` for training.shuffle (shuffle each epoch); allowed: true or false"),
            (json!({"network": {"hidden": [{"units": 0, "activation": "tanh"}]}}), "invalid value: hidden layer 1 `{\"activation\":\"tanh\",\"units\":0}` for network.hidden (hidden layers); allowed: {\"units\": 1 to 1024"),
            (json!({"network": {"hidden": [{"units": 2, "activation": "nope"}]}}), "hidden layer 1"),
            (json!({"features": {"derived": ["x3"]}}), "invalid value: text `\"x3\"` for features.derived (derived features); allowed: one of x1^2"),
            (json!({"data": {"added": [[0, 0, 0.5]]}}), "for data.added (added points)"),
            (json!({"data": {"removed": [-1]}}), "for data.removed (removed points)"),
            (json!({"data": 3}), "invalid value: integer `3` for data; allowed: an object of settings"),
        ];
        for (v, want) in cases {
            let e = strict_error(v.clone());
            assert!(e.contains(want), "{want}: {e}");
            let c = lenient(v);
            assert_eq!(c.notes.len(), 1, "{want}");
            assert!(c.notes[0].message.contains("default"), "{:?}", c.notes);
        }
        assert_eq!(
            strict_error(json!([1])),
            "model: the configuration is not a JSON object"
        );
    }

    #[test]
    fn old_configurations_with_l2_still_read() {
        let c = lenient(json!({"training": {"l2": 0.02}}));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!(
            c.settings.session.training.regularization,
            Regularization::L2
        );
        assert_eq!(
            c.settings.session.training.penalty(),
            Penalty { l1: 0.0, l2: 0.02 }
        );
        let off = lenient(json!({"training": {"l2": 0}}));
        assert_eq!(off.settings.session.training.penalty(), Penalty::default());
        let named = lenient(
            json!({"training": {"l2": 0.5, "regularization": "l1", "regularization_rate": 0.1}}),
        );
        assert_eq!(
            named.settings.session.training.penalty(),
            Penalty { l1: 0.1, l2: 0.0 }
        );
        let bad = lenient(json!({"training": {"l2": -1}}));
        assert!(
            bad.notes[0].message.contains("training.l2"),
            "{:?}",
            bad.notes
        );
        assert_eq!(bad.settings.session.training.penalty(), Penalty::default());
    }

    #[test]
    fn the_page_table_carries_ranges_defaults_and_options() {
        let t: Value = serde_json::from_str(&table_json()).unwrap();
        let rows = t["settings"].as_array().unwrap();
        assert_eq!(rows.len(), TABLE.len());
        let row = |p: &str| rows.iter().find(|r| r["path"] == p).unwrap().clone();
        assert_eq!(row("data.validation")["max"], 0.9);
        assert_eq!(row("data.validation")["allowed"], "a number from 0 to 0.9");
        assert_eq!(
            row("data.seed")["allowed"],
            "a whole number from 0 to 1.845e19"
        );
        assert_eq!(row("data.points")["default"], 400);
        assert_eq!(
            row("training.regularization")["options"],
            json!([["none", "None"], ["l1", "L1"], ["l2", "L2"]])
        );
        assert_eq!(row("training.regularization")["label"], "Regularisation");
        assert_eq!(
            row("training.regularization_rate")["label"],
            "Regularisation rate"
        );
        assert_eq!(row("network.output")["options"][0], json!(["auto", "auto"]));
        assert_eq!(
            row("network.hidden")["default"][0],
            json!({"units": 4, "activation": "tanh"})
        );
        assert_eq!(row("network.hidden")["max_units"], 128);
        assert_eq!(row("view.pace")["max"], PACES.len() - 1);
        assert_eq!(t["paces"][15], Value::Null);
        assert_eq!(t["paces"][7], 200);
    }

    #[test]
    fn menu_names_are_the_engine_types_own() {
        for k in InitKind::options() {
            let net = NetConfig {
                init: k,
                ..NetConfig::default()
            };
            assert_eq!(net.initializer().name(), k.name());
        }
        for o in Optimizer::options() {
            assert_eq!(Optimizer::parse(o.name()), Ok(o));
        }
        for a in Activation::options() {
            assert_eq!(Activation::parse(Choice::name(a)), Ok(a));
        }
        assert_eq!(
            Activation::options().len(),
            crate::engine::activation::ALL.len()
        );
    }

    #[test]
    fn a_session_config_serialises_as_the_page_sends_it() {
        let mut c = SessionConfig::default();
        c.training.regularization = Regularization::L1;
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["training"]["regularization"], "l1");
        assert!(v.get("view").is_none());
        let back = SessionConfig::from_json(&v.to_string()).unwrap();
        assert_eq!(back, c);
        c.data.validation = 1.5;
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("data.validation"));
    }

    #[test]
    fn regenerate_moves_to_a_new_seed_every_time() {
        let mut seen = std::collections::HashSet::new();
        let mut s = 1;
        for _ in 0..1000 {
            let n = next_seed(s);
            assert!(n < REGENERATED_SEEDS && n != s);
            seen.insert(n);
            s = n;
        }
        assert!(seen.len() > 990, "{}", seen.len());
        assert_eq!(next_seed(1), next_seed(1));
    }

    #[test]
    fn the_playground_settings_come_out_typed_and_bad_ones_are_named() {
        let c = lenient(json!({
            "data": {"kind": "gauss_regression", "problem": "regression"},
            "features": {"x1": false},
            "view": {"show_validation": false, "discretize": true}
        }));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let s = c.settings;
        assert_eq!(s.session.data.kind, DatasetKind::GaussRegression);
        assert_eq!(s.session.data.problem, Some(Problem::Regression));
        assert_eq!(s.session.features.dropped(), vec![0]);
        assert!(!s.view.show_validation && s.view.discretize);
        let d = Settings::default();
        assert_eq!(d.session.data.problem, None);
        assert!(d.session.features.x1 && d.session.features.x2);
        assert!(d.view.show_validation && !d.view.discretize);
        let e = strict_error(json!({"data": {"problem": "ranking"}}));
        assert!(
            e.contains(
                "data.problem (problem type); allowed: one of auto, classification, regression, autoencoder"
            ),
            "{e}"
        );
        let t: Value = serde_json::from_str(&table_json()).unwrap();
        let rows = t["settings"].as_array().unwrap();
        let kinds = &rows.iter().find(|r| r["path"] == "data.kind").unwrap()["options"];
        assert!(kinds
            .as_array()
            .unwrap()
            .contains(&json!(["plane_regression", "Plane (regression)"])));
        assert!(kinds
            .as_array()
            .unwrap()
            .contains(&json!(["gauss_regression", "Gaussian bumps (regression)"])));
        let label = |p: &str| rows.iter().find(|r| r["path"] == p).unwrap()["label"].clone();
        assert_eq!(label("view.show_validation"), "Show validation points");
        assert_eq!(label("view.discretize"), "Discretise output");
        assert_eq!(
            t["reads"]["blobs"],
            json!([]),
            "the CMU blobs ignore Points"
        );
        assert_eq!(t["reads"]["digits"], json!(["data.limit"]));
        assert_eq!(t["reads"]["circles"][2], "data.factor");
        for k in DatasetKind::options() {
            assert!(k.reads().iter().all(|p| DATA_SHAPING.contains(p)));
        }
    }
}
