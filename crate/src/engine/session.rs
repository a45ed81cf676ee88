//! A lab session: the page's whole configuration turned into data, a network and a
//! trainer, plus the views the page draws (heatmaps over the input plane). The page
//! holds one of these behind one handle.

use super::activation::Activation;
use super::dataset::features::{InputTransform, Standardizer};
use super::dataset::{csv, digits, generators, Dataset, Target};
use super::error::{EngineError, Result};
use super::grid::{Grid, Palette};
use super::limits;
use super::loss::Loss;
use super::model_json::Model;
use super::network::{Architecture, LayerSpec, Network, Trace};
use super::number::kernel::Kernel;
use super::train::{Rows, TrainConfig, Trainer};
use ndarray::{s, Array2};
use rand::rngs::StdRng;
use rand::SeedableRng;

pub use super::settings::{
    DataConfig, DatasetKind, FeatureConfig, NetConfig, Problem, SessionConfig, TrainingConfig,
};

/// (channels, height, width) of the network's input when the rows are images the input
/// transform leaves as they are: what a convolution or pool reads.
fn image_input(data: &Dataset, input_dim: usize) -> Option<(usize, usize, usize)> {
    let (h, w) = data.image_shape?;
    (input_dim == data.features() && h * w > 0 && input_dim.is_multiple_of(h * w))
        .then(|| (input_dim / (h * w), h, w))
}

/// The network `arch` starts from: `network`'s initialiser and weight seed, with the L1
/// penalty and the training kernel. The session builds its network here, and a
/// comparison rebuilds the same start.
pub fn initial_network(
    arch: &Architecture,
    l1: f64,
    kernel: Kernel,
    network: &NetConfig,
) -> Result<Network<f64>> {
    let mut net = Network::<f64>::zeros(arch)?;
    net.l1 = l1;
    net.kernel = kernel;
    network
        .initializer()
        .apply(&mut net, 0.0, &mut StdRng::seed_from_u64(network.seed));
    Ok(net)
}

impl SessionConfig {
    fn train_config(&self) -> TrainConfig {
        let t = &self.training;
        TrainConfig {
            batch_size: t.batch_size,
            learning_rate: t.learning_rate,
            lr_decay: t.lr_decay,
            optimizer: t.optimizer,
            shuffle: t.shuffle,
            seed: self.data.seed ^ 0x5eed,
        }
    }
}

/// Builds the dataset a configuration names. `bytes` carries an uploaded CSV's text
/// or the digits file. What could not be applied as asked (removed rows that do not
/// exist) is said in `notes`.
pub fn load_dataset(
    cfg: &DataConfig,
    bytes: Option<&[u8]>,
    notes: &mut Vec<String>,
) -> Result<Dataset> {
    let data = generate(cfg, bytes)?;
    let target = match cfg.problem {
        None => data.target.clone(),
        Some(Problem::Classification) => data.target.as_classes()?,
        Some(Problem::Regression) => data.target.as_values()?,
        // The targets are the inputs; the data's own classes or values stay to colour
        // the views.
        Some(Problem::Autoencoder) => data.target.clone(),
    };
    let data = Dataset { target, ..data };
    if cfg.added.is_empty() && cfg.removed.is_empty() {
        return Ok(data);
    }
    edit_points(data, &cfg.added, &cfg.removed, notes)
}

/// Applies the user's clicks: drops `removed` rows, appends `added` points. Removed
/// rows past the data's end are skipped, with a note naming them.
fn edit_points(
    data: Dataset,
    added: &[[f64; 3]],
    removed: &[usize],
    notes: &mut Vec<String>,
) -> Result<Dataset> {
    if !added.is_empty() && data.target.class_count().is_none() {
        return Err(EngineError::Data(
            "points can be added to classification data only".into(),
        ));
    }
    let Target::Classes { labels, names } = &data.target else {
        return remove_rows(data, removed, notes);
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
    let mut missing = Vec::new();
    for &r in removed {
        match keep.get_mut(r) {
            Some(k) => *k = false,
            None => missing.push(r),
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(|r| r.to_string()).collect();
        let more = if missing.len() > 5 { ", ..." } else { "" };
        notes.push(format!(
            "data.removed (removed points): row{} {}{more} do{} not exist (the generated data has rows 0 to {}); ignored",
            if missing.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if missing.len() == 1 { "es" } else { "" },
            data.rows().saturating_sub(1)
        ));
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

/// Drops `removed` rows of regression data (points are removed from any data, added to
/// classes only), with the note [`edit_points`] writes for rows that do not exist.
fn remove_rows(data: Dataset, removed: &[usize], notes: &mut Vec<String>) -> Result<Dataset> {
    let missing: Vec<usize> = removed
        .iter()
        .copied()
        .filter(|&r| r >= data.rows())
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "data.removed (removed points): rows {missing:?} do not exist (the generated data has rows 0 to {}); ignored",
            data.rows().saturating_sub(1)
        ));
    }
    let keep: Vec<usize> = (0..data.rows()).filter(|r| !removed.contains(r)).collect();
    if keep.len() < 2 {
        return Err(EngineError::Data("at least 2 points must remain".into()));
    }
    Ok(data.select(&keep))
}

fn generate(cfg: &DataConfig, bytes: Option<&[u8]>) -> Result<Dataset> {
    let rng = &mut StdRng::seed_from_u64(cfg.seed);
    let need = |what: &str| {
        bytes.ok_or_else(|| EngineError::Data(format!("the {what} has not been loaded")))
    };
    match cfg.kind {
        DatasetKind::Circles => generators::circles(cfg.points, cfg.factor, cfg.noise, rng),
        DatasetKind::Xor => generators::xor(cfg.points, cfg.noise, rng),
        DatasetKind::Spirals => generators::spirals(cfg.points, cfg.classes, cfg.noise, rng),
        DatasetKind::Moons => generators::moons(cfg.points, cfg.noise, rng),
        DatasetKind::Blobs => generators::cmu_blobs(rng),
        DatasetKind::PlaneRegression => generators::plane_regression(cfg.points, cfg.noise, rng),
        DatasetKind::GaussRegression => generators::gauss_regression(cfg.points, cfg.noise, rng),
        DatasetKind::Toy1d => generators::toy_1d(cfg.points),
        DatasetKind::Digits => {
            let all = digits::decode(need("digits file")?)?;
            if cfg.limit > 0 && cfg.limit < all.rows() {
                let idx: Vec<usize> = (0..cfg.limit).collect();
                Ok(all.select(&idx))
            } else {
                Ok(all)
            }
        }
        DatasetKind::Csv => {
            let text = std::str::from_utf8(need("CSV file")?)
                .map_err(|e| EngineError::Data(format!("the CSV is not UTF-8 text: {e}")))?;
            csv::parse(text)
        }
    }
}

/// The output layer and loss a task gets; an autoencoder reconstructs its
/// `input_dim` inputs with an identity output and mse unless told otherwise, and
/// refuses the cross-entropy losses, whose targets are classes.
fn output_and_loss(
    cfg: &NetConfig,
    target: &Target,
    autoencoder: Option<usize>,
) -> Result<(usize, Activation, Loss)> {
    if let Some(inputs) = autoencoder {
        let loss = cfg.loss.unwrap_or(Loss::Mse);
        if loss.is_cross_entropy() {
            return Err(EngineError::Model(format!(
                "an autoencoder's targets are its {inputs} inputs, not classes: choose the loss mse (or auto), not {}",
                loss.name()
            )));
        }
        return Ok((inputs, cfg.output.unwrap_or(Activation::Identity), loss));
    }
    let (units, auto_loss) = match target {
        Target::Classes { names, .. } if names.len() <= 2 => (1, Loss::SigmoidCrossEntropy),
        Target::Classes { names, .. } => (names.len(), Loss::SoftmaxCrossEntropy),
        Target::Values { y, .. } => (y.ncols(), Loss::Mse),
    };
    let loss = cfg.loss.unwrap_or(auto_loss);
    if loss == Loss::SoftmaxCrossEntropy && units == 1 {
        return Ok((2, Activation::Identity, loss));
    }
    let activation = match cfg.output {
        Some(a) => a,
        None if loss.is_cross_entropy() || target.class_count().is_none() => Activation::Identity,
        None => Activation::Sigmoid,
    };
    Ok((units, activation, loss))
}

/// The output layer: dense, or (`tied`) the transpose of layer 0's weights, which must
/// then be a dense layer reading as many inputs as the output gives.
fn output_layer(
    hidden: &[LayerSpec],
    input_dim: usize,
    units: usize,
    activation: Activation,
    tied: bool,
) -> Result<LayerSpec> {
    if !tied {
        return Ok(LayerSpec::dense(units, activation));
    }
    let why = match hidden.first() {
        None => "there is no hidden layer to tie to".to_string(),
        Some(LayerSpec::Dense { .. }) if input_dim == units => {
            return Ok(LayerSpec::Tied { of: 0, activation });
        }
        Some(LayerSpec::Dense { .. }) => format!(
            "the first layer reads {input_dim} inputs but the output needs {units} units (an autoencoder's output is its input)"
        ),
        Some(other) => format!("the first layer is a {} layer, not dense", other.kind()),
    };
    Err(EngineError::Model(format!(
        "network.tied_output (output layer tied to the first layer's weights): {why}"
    )))
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
    /// The targets are the inputs (problem "autoencoder"); `data.target` then only
    /// colours the views.
    pub autoencoder: bool,
    /// What the build could not do as configured (e.g. removed rows that do not
    /// exist), for the page to show.
    pub notes: Vec<String>,
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
        config.validate()?;
        let mut notes = Vec::new();
        let data = load_dataset(&config.data, bytes, &mut notes)?;
        let mut session = Self::with_data(config, data)?;
        session.notes = notes;
        Ok(session)
    }

    /// Builds a session around an already loaded dataset.
    pub fn with_data(config: SessionConfig, data: Dataset) -> Result<Self> {
        data.check_finite()?;
        config.validate()?;
        let train_cfg = config.train_config();
        let rng = &mut StdRng::seed_from_u64(config.data.seed);
        let mut idx: Vec<usize> = (0..data.rows()).collect();
        rand::seq::SliceRandom::shuffle(idx.as_mut_slice(), rng);
        let n_val = ((data.rows() as f64) * config.data.validation).round() as usize;
        let n_train = data.rows() - n_val;
        if n_train == 0 {
            return Err(EngineError::Data("no rows left for training".into()));
        }
        // The split is random, but each part keeps the file's order: with shuffling
        // off, mini-batches then visit the training rows as a notebook's loop would.
        let (mut train_rows, mut val_rows) = (idx[..n_train].to_vec(), idx[n_train..].to_vec());
        train_rows.sort_unstable();
        val_rows.sort_unstable();
        let mut transform = InputTransform {
            // x1 and x2 switch off on 2-D data only; other data has no x1 and x2.
            dropped: if data.features() == 2 {
                config.features.dropped()
            } else {
                Vec::new()
            },
            derived: config.features.derived.clone(),
            standardizer: None,
        };
        transform.check(data.features())?;
        let train_raw = data.select(&train_rows);
        if config.features.standardize {
            let x = transform.apply(train_raw.x.view())?;
            transform.standardizer = Some(Standardizer::fit(x.view()));
        }
        let input_dim = transform.output_dim(data.features());
        let autoencoder = config.data.problem == Some(Problem::Autoencoder);
        let (out_units, out_act, loss) = output_and_loss(
            &config.network,
            &data.target,
            autoencoder.then_some(input_dim),
        )?;
        let mut layers = config.network.hidden.clone();
        layers.push(output_layer(
            &layers,
            input_dim,
            out_units,
            out_act,
            config.network.tied_output,
        )?);
        let penalty = config.training.penalty();
        let arch = Architecture {
            input_dim,
            input_shape: image_input(&data, input_dim),
            layers,
            loss,
            reduction: config.network.reduction,
            l2: penalty.l2,
        };
        let net = initial_network(&arch, penalty.l1, config.training.kernel, &config.network)?;
        let rows = |d: &Dataset| -> Result<Rows<f32>> {
            let x = transform.apply(d.x.view())?.mapv(|v| v as f32);
            if autoencoder {
                return Ok(Rows {
                    y: x.clone(),
                    x,
                    labels: None,
                });
            }
            Ok(Rows {
                x,
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
            autoencoder,
            notes: Vec::new(),
            all_x,
            all_trace,
            point_trace,
        })
    }

    /// Changes the training settings without a reset (batch size excepted).
    pub fn set_training(&mut self, training: TrainingConfig) -> Result<()> {
        let mut next = self.config.clone();
        next.training = training;
        next.validate()?;
        self.trainer.set_config(next.train_config())?;
        let penalty = next.training.penalty();
        self.trainer.net.l2 = penalty.l2;
        self.trainer.net.l1 = penalty.l1;
        self.trainer.net.kernel = next.training.kernel;
        self.config = next;
        Ok(())
    }

    /// The rows held-out figures are over, with their name: the validation rows, or
    /// the training rows when nothing is held out.
    pub fn held_out(&self) -> (&[usize], &'static str) {
        if self.val_rows.is_empty() {
            (&self.train_rows, "training")
        } else {
            (&self.val_rows, "validation")
        }
    }

    /// The model file of the current weights, with class names, the input transform
    /// and this configuration.
    pub fn export_model(&self) -> String {
        self.model().to_json()
    }

    /// The current weights as a [`Model`] (what `export_model` writes and the ONNX
    /// export reads).
    pub fn model(&self) -> Model {
        let mut model = Model::from_network(self.trainer.net.cast());
        // An autoencoder's outputs are the inputs again, not classes.
        if let (Target::Classes { names, .. }, false) = (&self.data.target, self.autoencoder) {
            model.class_names = Some(names.clone());
        }
        model.feature_names = Some(self.data.feature_names.clone());
        model.transform = self.transform.clone();
        model.image_shape = self.data.image_shape;
        model.training = serde_json::to_value(&self.config).ok();
        let t = &self.trainer;
        model.progress = (t.steps() > 0).then_some((t.epoch(), t.steps()));
        model
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

    /// Recomputes the heatmaps at `side` x `side` cells for `palette`; `discrete`
    /// colours the output by its decision alone.
    pub fn update_grid(&mut self, side: usize, palette: Palette, discrete: bool) -> Result<()> {
        if let Some(grid) = &mut self.grid {
            grid.compute(&self.trainer.net, &self.transform, side, palette, discrete)?;
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

    /// Which rows [`Session::confusion`] counts: "validation", or "training" when there
    /// are no validation rows, for the matrix's caption.
    pub fn confusion_rows(&self) -> &'static str {
        if self.val_rows.is_empty() {
            "training"
        } else {
            "validation"
        }
    }

    /// Confusion matrix on the validation rows (the training rows if there are none):
    /// counts[true * C + predicted], or None for regression.
    pub fn confusion(&mut self) -> Option<Vec<u32>> {
        if self.autoencoder {
            return None;
        }
        self.data.target.class_count()?;
        self.predictions();
        let Target::Classes { labels, names } = &self.data.target else {
            return None;
        };
        let c = names.len();
        let rows = match self.confusion_rows() {
            "training" => &self.train_rows,
            _ => &self.val_rows,
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
        if self.autoencoder {
            return Ok((x.clone(), x));
        }
        let y = d.target.matrix(self.trainer.net.output_dim())?;
        Ok((x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ops::Shape;
    use crate::engine::settings::Regularization;

    fn digits_with(hidden: serde_json::Value) -> Result<Session> {
        let c = SessionConfig::from_json(
            &serde_json::json!({"data": {"kind": "digits", "limit": 100}, "network": {"hidden": hidden}})
                .to_string(),
        )?;
        Session::new(c, Some(include_bytes!("../../../www/data/digits.bin")))
    }

    #[test]
    fn image_layers_build_over_the_digits_and_their_shapes_are_the_engines() {
        let s = digits_with(serde_json::json!([
            {"kind": "conv2d", "filters": 8, "kernel": [3, 3], "stride": 1, "pad": 1, "activation": "relu"},
            {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5},
            {"kind": "maxpool2d", "size": 2, "stride": 2},
            {"kind": "flatten"},
            {"kind": "dropout", "p": 0.25}
        ]))
        .unwrap();
        let image = |channels, height, width| Shape::Image {
            channels,
            height,
            width,
        };
        assert_eq!(
            s.trainer.net.shapes(),
            [
                image(1, 8, 8),
                image(8, 8, 8),
                image(8, 8, 8),
                image(8, 4, 4),
                Shape::Features(128),
                Shape::Features(128),
                Shape::Features(10)
            ]
        );
        let dense = digits_with(serde_json::json!([{"units": 16, "activation": "relu"}])).unwrap();
        assert_eq!(dense.trainer.net.shapes()[0], Shape::Features(64));
    }

    #[test]
    fn an_impossible_image_layer_is_refused_naming_the_layer() {
        let too_big = digits_with(serde_json::json!([
            {"kind": "conv2d", "filters": 4, "kernel": [9, 9], "stride": 1, "pad": 0, "activation": "relu"}
        ]))
        .unwrap_err()
        .to_string();
        assert!(too_big.contains("layer 1"), "{too_big}");
        let flat = digits_with(serde_json::json!([
            {"kind": "flatten"},
            {"kind": "maxpool2d", "size": 2, "stride": 2}
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            flat.contains("layer 2: maxpool2d needs an image input"),
            "{flat}"
        );
        let circles = SessionConfig::from_json(
            r#"{"network": {"hidden": [{"kind": "conv2d", "filters": 2, "kernel": [3, 3], "stride": 1, "pad": 0, "activation": "relu"}]}}"#,
        )
        .unwrap();
        let e = Session::new(circles, None).unwrap_err().to_string();
        assert!(e.contains("layer 1: conv2d needs an image input"), "{e}");
    }

    #[test]
    fn the_confusion_matrix_counts_the_training_rows_when_there_are_no_validation_rows() {
        for (validation, rows, named) in [(0.0, 40, "training"), (0.5, 20, "validation")] {
            let json = format!(r#"{{"data": {{"points": 40, "validation": {validation}}}}}"#);
            let mut s = Session::new(SessionConfig::from_json(&json).unwrap(), None).unwrap();
            assert_eq!(s.confusion_rows(), named);
            let counted: u32 = s.confusion().unwrap().iter().sum();
            assert_eq!(counted, rows);
        }
    }

    #[test]
    fn removed_rows_past_the_end_are_named_not_dropped_silently() {
        let (config, notes) =
            SessionConfig::parse(r#"{"data": {"points": 40, "removed": [3, 40, 900]}}"#).unwrap();
        assert!(notes.is_empty());
        let s = Session::new(config, None).unwrap();
        assert_eq!(s.data.rows(), 39, "row 3 went, the others do not exist");
        assert_eq!(
            s.notes,
            ["data.removed (removed points): rows 40, 900 do not exist (the generated data has rows 0 to 39); ignored"]
        );
        let clean = Session::new(
            SessionConfig::from_json(r#"{"data": {"points": 40, "removed": [3]}}"#).unwrap(),
            None,
        )
        .unwrap();
        assert!(clean.notes.is_empty());
    }

    #[test]
    fn a_bad_value_set_in_rust_is_refused_as_a_parsed_one_would_be() {
        let mut c = SessionConfig::default();
        c.data.validation = 1.0;
        let e = Session::new(c, None).unwrap_err().to_string();
        assert!(
            e.contains(
                "for data.validation (ratio of validation data); allowed: a number from 0 to 0.9"
            ),
            "{e}"
        );
        let e = SessionConfig::parse(r#"{"data": {"validation": 1.5}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("model: configuration: invalid value: number `1.5` for data.validation"),
            "{e}"
        );
    }

    #[test]
    fn the_regularisation_setting_reaches_the_network_and_changes_live() {
        let c = SessionConfig::from_json(
            r#"{"training": {"regularization": "l1", "regularization_rate": 0.01}}"#,
        )
        .unwrap();
        let mut s = Session::new(c, None).unwrap();
        assert_eq!((s.trainer.net.l1, s.trainer.net.l2), (0.01, 0.0));
        let model = s.export_model();
        assert!(model.contains("\"l1\":0.01"), "{model}");
        let mut t = s.config.training.clone();
        t.regularization = Regularization::L2;
        s.set_training(t.clone()).unwrap();
        assert_eq!((s.trainer.net.l1, s.trainer.net.l2), (0.0, 0.01));
        t.regularization_rate = -1.0;
        assert!(s.set_training(t).is_err());
        assert_eq!(s.trainer.net.l2, 0.01, "a refused change changes nothing");
        let old = SessionConfig::from_json(r#"{"training": {"l2": 0.02}}"#).unwrap();
        assert_eq!(Session::new(old, None).unwrap().trainer.net.l2, 0.02);
    }

    #[test]
    fn the_regression_sets_train_as_regression_with_mse_and_an_identity_output() {
        for kind in ["plane_regression", "gauss_regression"] {
            let c =
                SessionConfig::from_json(&format!(r#"{{"data": {{"kind": "{kind}"}}}}"#)).unwrap();
            let mut s = Session::new(c, None).unwrap();
            assert!(s.data.target.class_count().is_none(), "{kind}");
            assert_eq!(s.trainer.net.loss, Loss::Mse);
            let out = s.trainer.net.layers.last().unwrap();
            assert_eq!(out.activation_or_identity(), Activation::Identity);
            s.update_grid(8, Palette::Standard, false).unwrap();
            let scale = s.grid.as_ref().unwrap().values.unwrap();
            assert_eq!(
                scale.centre, 0.0,
                "{kind}: targets of both signs centre on 0"
            );
            assert!(scale.half > 0.9 && scale.half <= 1.0, "{kind}: {scale:?}");
        }
    }

    #[test]
    fn a_point_is_removed_from_regression_data_but_none_added() {
        let c = SessionConfig::from_json(
            r#"{"data": {"kind": "plane_regression", "points": 40, "removed": [0, 5, 99]}}"#,
        )
        .unwrap();
        let s = Session::new(c, None).unwrap();
        assert_eq!(s.data.rows(), 38);
        assert!(
            s.notes[0].contains("rows [99] do not exist"),
            "{:?}",
            s.notes
        );
        let add = SessionConfig::from_json(
            r#"{"data": {"kind": "plane_regression", "added": [[0, 0, 1]]}}"#,
        )
        .unwrap();
        let e = Session::new(add, None).unwrap_err().to_string();
        assert!(e.contains("classification data only"), "{e}");
    }

    #[test]
    fn the_problem_type_reads_two_classes_as_values_and_values_as_classes() {
        let reg = SessionConfig::from_json(r#"{"data": {"kind": "xor", "problem": "regression"}}"#)
            .unwrap();
        let s = Session::new(reg, None).unwrap();
        let Target::Values { y, .. } = &s.data.target else {
            panic!("regression asked")
        };
        assert!(y.iter().all(|&v| v == -1.0 || v == 1.0));
        assert_eq!(s.trainer.net.loss, Loss::Mse);
        let cls = SessionConfig::from_json(
            r#"{"data": {"kind": "plane_regression", "problem": "classification"}}"#,
        )
        .unwrap();
        let s = Session::new(cls, None).unwrap();
        let Target::Classes { labels, names } = &s.data.target else {
            panic!("classification asked")
        };
        assert_eq!(names, &["negative", "positive"]);
        for (row, &l) in s.data.x.outer_iter().zip(labels) {
            // Noise moves inputs, so the class is the sign of the clean sum; at noise 0.1
            // only points near the diagonal can land on the other side.
            if (row[0] + row[1]).abs() > 2.0 {
                assert_eq!(l, usize::from(row[0] + row[1] > 0.0));
            }
        }
        assert_eq!(s.trainer.net.loss, Loss::SigmoidCrossEntropy);
        let three = SessionConfig::from_json(
            r#"{"data": {"kind": "spirals", "classes": 3, "problem": "regression"}}"#,
        )
        .unwrap();
        let e = Session::new(three, None).unwrap_err().to_string();
        assert!(
            e.contains("3 classes") && e.contains("choose classification"),
            "{e}"
        );
    }

    #[test]
    fn inputs_switch_off_and_zero_hidden_layers_build_a_linear_model() {
        let c = SessionConfig::from_json(
            r#"{"features": {"x1": false, "derived": ["x1^2"]}, "network": {"hidden": []}}"#,
        )
        .unwrap();
        let mut s = Session::new(c, None).unwrap();
        assert_eq!(s.trainer.net.input_dim, 2, "x2 and x1^2");
        assert_eq!(s.trainer.net.layers.len(), 1, "the output layer alone");
        for _ in 0..5 {
            s.trainer.step().unwrap();
        }
        s.update_grid(6, Palette::Standard, true).unwrap();
        let g = s.grid.as_ref().unwrap();
        assert_eq!(g.feature_rgba.len(), 7 * 36 * 4);
        assert!(g.unit_rgba.is_empty());
        let model = s.export_model();
        assert!(model.contains(r#""dropped":[0]"#), "{model}");
        let back = Model::from_json(&model).unwrap();
        assert_eq!(back.transform, s.transform);
        let none = SessionConfig::from_json(r#"{"features": {"x1": false, "x2": false}}"#).unwrap();
        let e = Session::new(none, None).unwrap_err().to_string();
        assert!(e.contains("every input is switched off"), "{e}");
    }
}
