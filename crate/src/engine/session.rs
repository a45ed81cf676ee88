//! A lab session: the page's whole configuration turned into data, a network and a
//! trainer, plus the views the page draws (heatmaps over the input plane). The page
//! holds one of these behind one handle.

use super::activation::Activation;
use super::dataset::features::{Derived, InputTransform, Standardizer};
use super::dataset::{csv, digits, generators, Dataset, Target};
use super::error::{EngineError, Result};
use super::grid::{Grid, Palette};
use super::init::Init;
use super::limits;
use super::loss::{Loss, Reduction};
use super::model_json::Model;
use super::network::{Architecture, Network, Trace};
use super::number::kernel::Kernel;
use super::optim::Optimizer;
use super::train::{Rows, TrainConfig, Trainer};
use ndarray::{s, Array2};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// The dataset part of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataConfig {
    /// circles, xor, spirals, moons, blobs, toy1d, digits or csv.
    pub kind: String,
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
    /// Points the user added by clicking, [x1, x2, class] (2-D classification only).
    pub added: Vec<[f64; 3]>,
    /// Rows of the generated data the user removed (indices before `added`).
    pub removed: Vec<usize>,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            kind: "circles".into(),
            points: 400,
            noise: 0.1,
            factor: 0.5,
            classes: 3,
            validation: 0.5,
            seed: 1,
            limit: 0,
            added: Vec::new(),
            removed: Vec::new(),
        }
    }
}

/// One hidden layer as the page describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerConfig {
    /// Number of units.
    pub units: usize,
    /// Activation name.
    pub activation: String,
}

/// The network part of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetConfig {
    /// Hidden layers, input side first.
    pub hidden: Vec<LayerConfig>,
    /// Output activation, or "auto" (identity for the cross-entropy losses and
    /// regression, sigmoid for a squared-error classifier).
    pub output: String,
    /// Loss name, or "auto" (sigmoid or softmax cross-entropy for classes, mse for values).
    pub loss: String,
    /// Reduction of the loss over a batch: mean or sum.
    pub reduction: String,
    /// Initialiser name.
    pub init: String,
    /// Standard deviation of the gaussian initialiser.
    pub init_std: f64,
    /// Seed of the initial weights.
    pub seed: u64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            hidden: vec![
                LayerConfig {
                    units: 4,
                    activation: "tanh".into(),
                },
                LayerConfig {
                    units: 2,
                    activation: "tanh".into(),
                },
            ],
            output: "auto".into(),
            loss: "auto".into(),
            reduction: "mean".into(),
            init: "xavier".into(),
            init_std: 0.1,
            seed: 1,
        }
    }
}

/// The training part of the configuration; it can change without a reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingConfig {
    /// sgd, momentum or adam.
    pub optimizer: String,
    /// Step size.
    pub learning_rate: f64,
    /// Rows per mini-batch.
    pub batch_size: usize,
    /// L2 penalty strength.
    pub l2: f64,
    /// Multiplier of the learning rate after each epoch.
    pub lr_decay: f64,
    /// Reshuffle every epoch.
    pub shuffle: bool,
    /// Matrix kernel: simd (the default) or scalar, for comparison.
    pub kernel: String,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            optimizer: "sgd".into(),
            learning_rate: 0.03,
            batch_size: 10,
            l2: 0.0,
            lr_decay: 1.0,
            shuffle: true,
            kernel: "simd".into(),
        }
    }
}

/// Input transforms the page offers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureConfig {
    /// Derived 2-D features by name (x1^2, x2^2, x1*x2, sin(x1), sin(x2)).
    pub derived: Vec<String>,
    /// Standardise every feature with the training rows' mean and std.
    pub standardize: bool,
}

/// Everything a lab session is built from; the page's state, minus view settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
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

impl SessionConfig {
    /// Parses the JSON the page sends; missing keys take their defaults.
    pub fn from_json(text: &str) -> Result<Self> {
        limits::check_file_size("configuration", text.len())?;
        serde_json::from_str(text).map_err(|e| EngineError::Model(format!("configuration: {e}")))
    }

    fn train_config(&self) -> Result<TrainConfig> {
        let t = &self.training;
        Ok(TrainConfig {
            batch_size: t.batch_size,
            learning_rate: t.learning_rate,
            lr_decay: t.lr_decay,
            optimizer: Optimizer::parse(&t.optimizer)?,
            shuffle: t.shuffle,
            seed: self.data.seed ^ 0x5eed,
        })
    }
}

/// Builds the dataset a configuration names. `bytes` carries an uploaded CSV's text
/// or the digits file.
pub fn load_dataset(cfg: &DataConfig, bytes: Option<&[u8]>) -> Result<Dataset> {
    let data = generate(cfg, bytes)?;
    if cfg.added.is_empty() && cfg.removed.is_empty() {
        return Ok(data);
    }
    edit_points(data, &cfg.added, &cfg.removed)
}

/// Applies the user's clicks: drops `removed` rows, appends `added` points.
fn edit_points(data: Dataset, added: &[[f64; 3]], removed: &[usize]) -> Result<Dataset> {
    let Target::Classes { labels, names } = &data.target else {
        return Err(EngineError::Data(
            "points can be added to classification data only".into(),
        ));
    };
    if data.features() != 2 {
        return Err(EngineError::Data(
            "points can be added to 2-D data only".into(),
        ));
    }
    if data.rows() + added.len() > limits::MAX_ROWS {
        return Err(EngineError::Limit(format!(
            "the data would have {} rows; the limit is {}",
            data.rows() + added.len(),
            limits::MAX_ROWS
        )));
    }
    let mut keep = vec![true; data.rows()];
    for &r in removed {
        if let Some(k) = keep.get_mut(r) {
            *k = false;
        }
    }
    let mut xs = Vec::with_capacity(2 * (data.rows() + added.len()));
    let mut new_labels = Vec::with_capacity(data.rows() + added.len());
    for (r, row) in data.x.outer_iter().enumerate() {
        if keep[r] {
            xs.extend(row.iter());
            new_labels.push(labels[r]);
        }
    }
    for p in added {
        let class = p[2] as usize;
        if !(p.iter().all(|v| v.is_finite()) && p[2] >= 0.0 && class < names.len()) {
            return Err(EngineError::Data(format!(
                "an added point {p:?} is not finite or has no class among {}",
                names.len()
            )));
        }
        xs.extend([p[0], p[1]]);
        new_labels.push(class);
    }
    if new_labels.len() < 2 {
        return Err(EngineError::Data("at least 2 points must remain".into()));
    }
    let x = Array2::from_shape_vec((new_labels.len(), 2), xs)
        .map_err(|e| EngineError::Data(e.to_string()))?;
    Ok(Dataset {
        x,
        target: Target::Classes {
            labels: new_labels,
            names: names.clone(),
        },
        ..data
    })
}

fn generate(cfg: &DataConfig, bytes: Option<&[u8]>) -> Result<Dataset> {
    let rng = &mut StdRng::seed_from_u64(cfg.seed);
    let need = |what: &str| {
        bytes.ok_or_else(|| EngineError::Data(format!("the {what} has not been loaded")))
    };
    match cfg.kind.as_str() {
        "circles" => generators::circles(cfg.points, cfg.factor, cfg.noise, rng),
        "xor" => generators::xor(cfg.points, cfg.noise, rng),
        "spirals" => generators::spirals(cfg.points, cfg.classes, cfg.noise, rng),
        "moons" => generators::moons(cfg.points, cfg.noise, rng),
        "blobs" => generators::cmu_blobs(rng),
        "toy1d" => generators::toy_1d(cfg.points),
        "digits" => {
            let all = digits::decode(need("digits file")?)?;
            if cfg.limit > 0 && cfg.limit < all.rows() {
                let idx: Vec<usize> = (0..cfg.limit).collect();
                Ok(all.select(&idx))
            } else {
                Ok(all)
            }
        }
        "csv" => {
            let text = std::str::from_utf8(need("CSV file")?)
                .map_err(|e| EngineError::Data(format!("the CSV is not UTF-8 text: {e}")))?;
            csv::parse(text)
        }
        other => Err(EngineError::Data(format!(
            "unknown dataset \"{other}\" (known: circles, xor, spirals, moons, blobs, toy1d, digits, csv)"
        ))),
    }
}

fn kernel(t: &TrainingConfig) -> Result<Kernel> {
    Kernel::parse(&t.kernel).ok_or_else(|| {
        EngineError::Model(format!(
            "unknown kernel \"{}\" (known: simd, scalar)",
            t.kernel
        ))
    })
}

/// The output layer and loss a task gets.
fn output_and_loss(cfg: &NetConfig, target: &Target) -> Result<(usize, Activation, Loss)> {
    let (units, auto_loss) = match target {
        Target::Classes { names, .. } if names.len() <= 2 => (1, Loss::SigmoidCrossEntropy),
        Target::Classes { names, .. } => (names.len(), Loss::SoftmaxCrossEntropy),
        Target::Values { y, .. } => (y.ncols(), Loss::Mse),
    };
    let loss = if cfg.loss == "auto" {
        auto_loss
    } else {
        Loss::parse(&cfg.loss)?
    };
    if loss == Loss::SoftmaxCrossEntropy && units == 1 {
        return Ok((2, Activation::Identity, loss));
    }
    let activation = match cfg.output.as_str() {
        "auto" if loss.is_cross_entropy() || target.class_count().is_none() => Activation::Identity,
        "auto" => Activation::Sigmoid,
        name => Activation::parse(name)?,
    };
    Ok((units, activation, loss))
}

/// A configured dataset, network and trainer, with view buffers.
#[derive(Debug)]
pub struct Session {
    /// The configuration it was built from (training part kept current).
    pub config: SessionConfig,
    /// The raw dataset (before transforms), all rows.
    pub data: Dataset,
    /// Which rows of `data` train (the rest validate).
    pub train_rows: Vec<usize>,
    /// Validation rows of `data`.
    pub val_rows: Vec<usize>,
    /// Input transform, fitted on the training rows.
    pub transform: InputTransform,
    /// The f32 trainer.
    pub trainer: Trainer<f32>,
    /// Heatmaps over the input plane (2-D data only).
    pub grid: Option<Grid>,
    all_x: Array2<f32>,
    all_trace: Trace<f32>,
    predictions: Vec<f32>,
    classes: Vec<u32>,
    point_trace: Trace<f32>,
    point: Vec<f32>,
}

impl Session {
    /// Builds everything from a configuration; `bytes` as in [`load_dataset`].
    pub fn new(config: SessionConfig, bytes: Option<&[u8]>) -> Result<Self> {
        let data = load_dataset(&config.data, bytes)?;
        Self::with_data(config, data)
    }

    /// Builds a session around an already loaded dataset.
    pub fn with_data(config: SessionConfig, data: Dataset) -> Result<Self> {
        data.check_finite()?;
        let train_cfg = config.train_config()?;
        let rng = &mut StdRng::seed_from_u64(config.data.seed);
        let mut idx: Vec<usize> = (0..data.rows()).collect();
        rand::seq::SliceRandom::shuffle(idx.as_mut_slice(), rng);
        let n_val =
            ((data.rows() as f64) * config.data.validation.clamp(0.0, 0.9)).round() as usize;
        let n_train = data.rows() - n_val;
        if n_train == 0 {
            return Err(EngineError::Data("no rows left for training".into()));
        }
        // The split is random, but each part keeps the file's order: with shuffling
        // off, mini-batches then visit the training rows as a notebook's loop would.
        let (mut train_rows, mut val_rows) = (idx[..n_train].to_vec(), idx[n_train..].to_vec());
        train_rows.sort_unstable();
        val_rows.sort_unstable();
        let derived = config
            .features
            .derived
            .iter()
            .map(|n| Derived::parse(n))
            .collect::<Result<Vec<_>>>()?;
        let mut transform = InputTransform {
            derived,
            standardizer: None,
        };
        let train_raw = data.select(&train_rows);
        if config.features.standardize {
            let x = transform.apply(train_raw.x.view())?;
            transform.standardizer = Some(Standardizer::fit(x.view()));
        }
        let (out_units, out_act, loss) = output_and_loss(&config.network, &data.target)?;
        let mut layers = Vec::with_capacity(config.network.hidden.len() + 1);
        for l in &config.network.hidden {
            layers.push((l.units, Activation::parse(&l.activation)?));
        }
        layers.push((out_units, out_act));
        let arch = Architecture {
            input_dim: transform.output_dim(data.features()),
            layers,
            loss,
            reduction: Reduction::parse(&config.network.reduction)?,
            l2: config.training.l2,
        };
        let mut net = Network::<f64>::zeros(&arch)?;
        net.kernel = kernel(&config.training)?;
        let init = Init::parse(&config.network.init, config.network.init_std)?;
        init.apply(
            &mut net,
            0.0,
            &mut StdRng::seed_from_u64(config.network.seed),
        );
        let rows = |d: &Dataset| -> Result<Rows<f32>> {
            Ok(Rows {
                x: transform.apply(d.x.view())?.mapv(|v| v as f32),
                y: d.target.matrix(out_units)?,
                labels: match &d.target {
                    Target::Classes { labels, .. } => Some(labels.clone()),
                    Target::Values { .. } => None,
                },
            })
        };
        let train = rows(&train_raw)?;
        let val = rows(&data.select(&val_rows))?;
        let trainer = Trainer::new(net.cast(), train, val, train_cfg)?;
        let grid = (data.features() == 2).then(|| Grid::new(&data));
        let all_x = transform.apply(data.x.view())?.mapv(|v| v as f32);
        let all_trace = Trace::new(&trainer.net, data.rows());
        let point_trace = Trace::new(&trainer.net, 1);
        let widths = trainer.net.input_dim
            + trainer
                .net
                .layers
                .iter()
                .map(|l| l.output_len())
                .sum::<usize>();
        Ok(Session {
            predictions: vec![0.0; data.rows() * trainer.net.output_dim()],
            classes: vec![0; data.rows()],
            point: vec![0.0; widths],
            config,
            data,
            train_rows,
            val_rows,
            transform,
            trainer,
            grid,
            all_x,
            all_trace,
            point_trace,
        })
    }

    /// Changes the training settings without a reset (batch size excepted).
    pub fn set_training(&mut self, training: TrainingConfig) -> Result<()> {
        let mut next = self.config.clone();
        next.training = training;
        let cfg = next.train_config()?;
        if !(next.training.l2.is_finite() && next.training.l2 >= 0.0) {
            return Err(EngineError::Model(format!(
                "l2 must be >= 0, got {}",
                next.training.l2
            )));
        }
        self.trainer.set_config(cfg)?;
        self.trainer.net.l2 = next.training.l2;
        self.trainer.net.kernel = kernel(&next.training)?;
        self.config = next;
        Ok(())
    }

    /// The model file of the current weights, with class names, the input transform
    /// and this configuration.
    pub fn export_model(&self) -> String {
        let mut model = Model::from_network(self.trainer.net.cast());
        if let Target::Classes { names, .. } = &self.data.target {
            model.class_names = Some(names.clone());
        }
        model.feature_names = Some(self.data.feature_names.clone());
        model.transform = self.transform.clone();
        model.image_shape = self.data.image_shape;
        model.training = serde_json::to_value(&self.config).ok();
        let t = &self.trainer;
        model.progress = (t.steps() > 0).then_some((t.epoch(), t.steps()));
        model.to_json()
    }

    /// Replaces the weights with a model file's, which must have this session's
    /// architecture (layer sizes, activations and loss).
    pub fn import_weights(&mut self, model_json: &str) -> Result<()> {
        let model = Model::from_json(model_json)?;
        let want = self.trainer.net.architecture();
        let got = model.network.architecture();
        if got.input_dim != want.input_dim {
            return Err(EngineError::Mismatch(format!(
                "the model takes {} inputs but this data gives {}",
                got.input_dim, want.input_dim
            )));
        }
        if got.layers != want.layers || got.loss != want.loss {
            return Err(EngineError::Mismatch(
                "the model's layers, activations or loss differ from this network's; load it with its configuration instead".into(),
            ));
        }
        if let Some((epoch, steps)) = model.progress {
            self.trainer.set_progress(epoch, steps);
        }
        self.trainer.set_weights(&model.network_as::<f32>())
    }

    /// Recomputes the heatmaps at `side` x `side` cells for `palette`.
    pub fn update_grid(&mut self, side: usize, palette: Palette) -> Result<()> {
        if let Some(grid) = &mut self.grid {
            grid.compute(&self.trainer.net, &self.transform, side, palette)?;
        }
        Ok(())
    }

    /// The prediction for every row of the data, in data order, `outputs` numbers per
    /// row: class probabilities (sigmoid or softmax) for the cross-entropy losses, the
    /// raw output otherwise.
    pub fn predictions(&mut self) -> &[f32] {
        let net = &self.trainer.net;
        net.forward_into(self.all_x.view(), &mut self.all_trace);
        let k = net.output_dim();
        for (r, row) in self.all_trace.output().outer_iter().enumerate() {
            let out = &mut self.predictions[r * k..(r + 1) * k];
            net.loss.prediction_row(row.as_slice().unwrap_or(&[]), out);
        }
        for (c, p) in self
            .classes
            .iter_mut()
            .zip(net.classes_of(self.all_trace.output()))
        {
            *c = p as u32;
        }
        &self.predictions
    }

    /// The predicted class of every row as of the last [`Session::predictions`] call.
    pub fn predicted_classes(&self) -> &[u32] {
        &self.classes
    }

    /// Confusion matrix on the validation rows (the training rows if there are none):
    /// counts[true * C + predicted], or None for regression.
    pub fn confusion(&mut self) -> Option<Vec<u32>> {
        self.data.target.class_count()?;
        self.predictions();
        let Target::Classes { labels, names } = &self.data.target else {
            return None;
        };
        let c = names.len();
        let rows = if self.val_rows.is_empty() {
            &self.train_rows
        } else {
            &self.val_rows
        };
        let mut counts = vec![0u32; c * c];
        for &r in rows {
            counts[labels[r] * c + (self.classes[r] as usize).min(c - 1)] += 1;
        }
        Some(counts)
    }

    /// Every activation of one data row, concatenated: the (transformed) input, then
    /// a of each layer in order. For the network diagram.
    pub fn point_activations(&mut self, row: usize) -> Result<&[f32]> {
        if row >= self.data.rows() {
            return Err(EngineError::Mismatch(format!(
                "row {row} does not exist; the data has {} rows",
                self.data.rows()
            )));
        }
        let net = &self.trainer.net;
        net.forward_into(
            self.all_x.slice(s![row..row + 1, ..]),
            &mut self.point_trace,
        );
        let mut i = 0;
        for l in 0..=net.layers.len() {
            for &v in self.point_trace.a(l).iter() {
                self.point[i] = v;
                i += 1;
            }
        }
        Ok(&self.point)
    }

    /// The network in f64, for inspection.
    pub fn network_f64(&self) -> Network<f64> {
        self.trainer.net.cast()
    }

    /// Network inputs and targets, in f64, of the data rows `idx`.
    pub fn rows_f64(&self, idx: &[usize]) -> Result<(Array2<f64>, Array2<f64>)> {
        if let Some(&bad) = idx.iter().find(|&&r| r >= self.data.rows()) {
            return Err(EngineError::Mismatch(format!(
                "row {bad} does not exist; the data has {} rows",
                self.data.rows()
            )));
        }
        let d = self.data.select(idx);
        let x = self.transform.apply(d.x.view())?;
        let y = d.target.matrix(self.trainer.net.output_dim())?;
        Ok((x, y))
    }
}
