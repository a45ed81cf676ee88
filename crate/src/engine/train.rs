//! Mini-batch training with its history. Every buffer (batch, trace, gradients,
//! optimiser state) is allocated when the trainer is built, so a step allocates nothing
//! but the bounded history.

use super::activation::Activation;
use super::batch::{BatchOutcome, Source};
use super::error::{EngineError, Result};
use super::flat::flat;
use super::guard::{Blowup, Guard};
use super::network::{Gradients, Network, Trace};
use super::number::Real;
use super::optim::{OptimState, Optimizer, UpdateReport};
use super::step::Step;
use super::timeline::{Moment, Timeline};
use ndarray::{s, Array2};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Most points kept in each history series; older points are merged in pairs.
pub const HISTORY_POINTS: usize = 4096;
/// Without validation rows, the dead-ReLU check looks at this many training rows...
const DEAD_CHECK_ROWS: usize = 256;
/// ...every this many epochs.
const DEAD_CHECK_EPOCHS: u64 = 10;

/// Hyper-parameters of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Rows per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Step size.
    pub learning_rate: f64,
    /// The learning rate is multiplied by this after every epoch (1 = no decay).
    pub lr_decay: f64,
    /// The update rule.
    pub optimizer: Optimizer,
    /// Reshuffle the training rows before every epoch.
    pub shuffle: bool,
    /// Seed of the shuffling.
    pub seed: u64,
}

impl TrainConfig {
    /// Checks every value once, with a message naming the bad one.
    pub fn check(&self) -> Result<()> {
        if self.batch_size == 0 || self.batch_size > super::limits::MAX_ROWS {
            return Err(EngineError::Model(format!(
                "batch size must be 1 to {}, got {}",
                super::limits::MAX_ROWS,
                self.batch_size
            )));
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate >= 0.0
            && self.learning_rate <= 1e3)
        {
            return Err(EngineError::Model(format!(
                "the learning rate must be between 0 and 1000, got {}",
                super::settings::readable(self.learning_rate)
            )));
        }
        if !(self.lr_decay.is_finite() && self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return Err(EngineError::Model(format!(
                "the learning-rate decay must be in (0, 1], got {}",
                super::settings::readable(self.lr_decay)
            )));
        }
        Ok(())
    }
}

/// A series that keeps at most [`HISTORY_POINTS`] values: when full, neighbours are
/// averaged in pairs and each kept value then stands for twice as many steps.
#[derive(Debug, Clone, Default)]
pub struct Series {
    values: Vec<f64>,
    stride: u64,
    pending: f64,
    pending_count: u64,
}

impl Series {
    /// Adds one observation.
    pub fn push(&mut self, v: f64) {
        if self.stride == 0 {
            self.stride = 1;
            self.values.reserve_exact(HISTORY_POINTS);
        }
        self.pending += v;
        self.pending_count += 1;
        if self.pending_count < self.stride {
            return;
        }
        self.values.push(self.pending / self.pending_count as f64);
        self.pending = 0.0;
        self.pending_count = 0;
        if self.values.len() == HISTORY_POINTS {
            for i in 0..HISTORY_POINTS / 2 {
                self.values[i] = 0.5 * (self.values[2 * i] + self.values[2 * i + 1]);
            }
            self.values.truncate(HISTORY_POINTS / 2);
            self.stride *= 2;
        }
    }

    /// The kept values, oldest first.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// How many observations each kept value averages.
    pub fn stride(&self) -> u64 {
        self.stride.max(1)
    }

    fn write(&self, out: &mut Vec<f64>) {
        out.extend([
            self.values.len() as f64,
            self.stride as f64,
            self.pending,
            self.pending_count as f64,
        ]);
        out.extend_from_slice(&self.values);
    }

    fn read(input: &mut Snapshot) -> Result<Self> {
        let len = input.count(HISTORY_POINTS as u64)?;
        let stride = input.count(u64::MAX)?;
        let pending = input.next()?;
        let pending_count = input.count(u64::MAX)?;
        Ok(Series {
            values: input.take(len as usize)?.to_vec(),
            stride,
            pending,
            pending_count,
        })
    }
}

/// A reader over the numbers of a [`Trainer::snapshot`], each read checked.
struct Snapshot<'a>(&'a [f64]);

impl<'a> Snapshot<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [f64]> {
        if n > self.0.len() {
            return Err(EngineError::Mismatch(
                "the training snapshot is shorter than this network needs".into(),
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn next(&mut self) -> Result<f64> {
        Ok(self.take(1)?[0])
    }

    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Mismatch(
                "the training snapshot does not fit this network".into(),
            ))
        }
    }

    fn count(&mut self, max: u64) -> Result<u64> {
        let v = self.next()?;
        if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 {
            Ok(v as u64)
        } else {
            Err(EngineError::Mismatch(format!(
                "the training snapshot holds {v} where a count up to {max} belongs"
            )))
        }
    }
}

/// A snapshot read and checked, not yet applied.
struct Shown<'a> {
    head: &'a [f64],
    params: &'a [f64],
    history: Option<History>,
}

fn write_moment<T: Real>(m: &Moment<T>, out: &mut Vec<f64>) {
    out.extend([m.step as f64, m.epoch as f64]);
    out.extend(m.params.iter().map(|v| v.to_f64()));
}

/// Per-epoch records, each a [`Series`].
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Cost of every mini-batch (per step).
    pub step_loss: Series,
    /// Mean mini-batch cost over each epoch.
    pub train_loss: Series,
    /// Accuracy over each epoch's mini-batches, before their updates (classification).
    pub train_accuracy: Series,
    /// Cost on the validation rows after each epoch.
    pub val_loss: Series,
    /// Accuracy on the validation rows after each epoch (classification).
    pub val_accuracy: Series,
    /// Per layer: mean norm of the gradient over each epoch.
    pub grad_norm: Vec<Series>,
    /// Per layer: norm of the weights after each epoch.
    pub weight_norm: Vec<Series>,
}

impl History {
    fn series(&self) -> impl Iterator<Item = &Series> {
        [
            &self.step_loss,
            &self.train_loss,
            &self.train_accuracy,
            &self.val_loss,
            &self.val_accuracy,
        ]
        .into_iter()
        .chain(&self.grad_norm)
        .chain(&self.weight_norm)
    }

    fn series_mut(&mut self) -> impl Iterator<Item = &mut Series> {
        [
            &mut self.step_loss,
            &mut self.train_loss,
            &mut self.train_accuracy,
            &mut self.val_loss,
            &mut self.val_accuracy,
        ]
        .into_iter()
        .chain(&mut self.grad_norm)
        .chain(&mut self.weight_norm)
    }
}

impl History {
    /// The series called `name` (step_loss, train_loss, train_accuracy, val_loss,
    /// val_accuracy; grad_norm and weight_norm of `layer`).
    pub fn named(&self, name: &str, layer: usize) -> Result<&Series> {
        fn per_layer(v: &[Series], layer: usize) -> Result<&Series> {
            v.get(layer)
                .ok_or_else(|| EngineError::Mismatch(format!("there is no layer {}", layer + 1)))
        }
        match name {
            "step_loss" => Ok(&self.step_loss),
            "train_loss" => Ok(&self.train_loss),
            "train_accuracy" => Ok(&self.train_accuracy),
            "val_loss" => Ok(&self.val_loss),
            "val_accuracy" => Ok(&self.val_accuracy),
            "grad_norm" => per_layer(&self.grad_norm, layer),
            "weight_norm" => per_layer(&self.weight_norm, layer),
            _ => Err(EngineError::Model(format!(
                "unknown history series \"{name}\""
            ))),
        }
    }

    /// The newest value of series `name` (NaN when there is none).
    pub fn last(&self, name: &str) -> f64 {
        self.named(name, 0)
            .ok()
            .and_then(|s| s.values().last().copied())
            .unwrap_or(f64::NAN)
    }
}

/// Rows for the network: inputs, dense targets and, for classification, labels.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    /// x: (rows, input_dim).
    pub x: Array2<T>,
    /// y: (rows, outputs).
    pub y: Array2<T>,
    /// Class of each row, for accuracy; None for regression.
    pub labels: Option<Vec<usize>>,
}

impl<T: Real> Rows<T> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }
}

/// Metrics of one evaluation pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Cost (loss plus penalty).
    pub loss: f64,
    /// Fraction of rows classified correctly, for classification.
    pub accuracy: Option<f64>,
}

/// A network being trained on fixed training and validation rows.
#[derive(Debug)]
pub struct Trainer<T: Real> {
    /// The network; its weights change with every step.
    pub net: Network<T>,
    /// Training rows.
    pub train: Rows<T>,
    /// Validation rows (may be empty).
    pub val: Rows<T>,
    /// Hyper-parameters; the learning rate and the rest may change between steps.
    pub config: TrainConfig,
    /// The record of the run.
    pub history: History,
    opt: OptimState<T>,
    rng: StdRng,
    order: Vec<usize>,
    cursor: usize,
    epoch: u64,
    steps: u64,
    lr: f64,
    step: Step<T>,
    grads: Gradients<T>,
    epoch_loss: f64,
    epoch_batches: u64,
    epoch_correct: u64,
    epoch_seen: u64,
    epoch_grad: Vec<f64>,
    /// The last update's gradient norms and overflow check, buffers kept across steps.
    update: UpdateReport,
    last_val: Option<Metrics>,
    last_good: Network<T>,
    val_trace: Trace<T>,
    /// The weights over the run, log-spaced in steps.
    pub timeline: Timeline<T>,
    guard: Guard,
    checkpoint: Network<T>,
    checkpoint_epoch: u64,
    checkpoint_loss: f64,
    dead_trace: Option<Trace<T>>,
}

impl<T: Real> Trainer<T> {
    /// Builds the trainer and every buffer it needs.
    pub fn new(net: Network<T>, train: Rows<T>, val: Rows<T>, config: TrainConfig) -> Result<Self> {
        config.check()?;
        if train.is_empty() {
            return Err(EngineError::Data("there are no training rows".into()));
        }
        for rows in [&train, &val] {
            if rows.x.ncols() != net.input_dim || rows.y.ncols() != net.output_dim() {
                return Err(EngineError::Mismatch(format!(
                    "the network maps {} inputs to {} outputs but the data has {} features and {} targets",
                    net.input_dim,
                    net.output_dim(),
                    rows.x.ncols(),
                    rows.y.ncols()
                )));
            }
        }
        let cap = config.batch_size.min(train.len());
        let layers = net.layers.len();
        let mut timeline = Timeline::new(net.state_count());
        timeline.record(0, 0, &net);
        let has_relu = net
            .layers
            .iter()
            .any(|l| l.activation_or_identity() == Activation::Relu);
        let dead_trace = (has_relu && val.is_empty())
            .then(|| Trace::new(&net, train.len().min(DEAD_CHECK_ROWS)));
        Ok(Trainer {
            opt: OptimState::new(config.optimizer, &net),
            rng: StdRng::seed_from_u64(config.seed),
            order: (0..train.len()).collect(),
            cursor: 0,
            epoch: 0,
            steps: 0,
            lr: config.learning_rate,
            step: Step::new(&net, cap),
            grads: Gradients::new(&net, cap),
            history: History {
                grad_norm: vec![Series::default(); layers],
                weight_norm: vec![Series::default(); layers],
                ..History::default()
            },
            epoch_loss: 0.0,
            epoch_batches: 0,
            epoch_correct: 0,
            epoch_seen: 0,
            epoch_grad: vec![0.0; layers],
            update: UpdateReport::default(),
            last_val: None,
            last_good: net.clone(),
            val_trace: Trace::new(&net, val.len()),
            timeline,
            guard: Guard::new(&net),
            checkpoint: net.clone(),
            checkpoint_epoch: 0,
            checkpoint_loss: f64::INFINITY,
            dead_trace,
            net,
            train,
            val,
            config,
        })
    }

    /// Completed epochs.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Steps in one epoch (the last batch of an epoch may be smaller).
    pub fn steps_per_epoch(&self) -> usize {
        self.train
            .len()
            .div_ceil(self.config.batch_size.min(self.train.len()))
    }

    /// Completed steps (mini-batches).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The learning rate in force, after decay.
    pub fn learning_rate(&self) -> f64 {
        self.lr
    }

    /// The last epoch's mini-batch costs added up: the CMU notebook's "total loss over
    /// the epoch", where `train_loss` is their mean. It is that mean times
    /// [`Trainer::steps_per_epoch`], so a mirror that holds only the history has it
    /// too. NaN before the first epoch; once the history is long enough to average
    /// neighbours, the mean of the last kept epochs' sums.
    pub fn epoch_loss_sum(&self) -> f64 {
        let mean = self.history.train_loss.values().last().copied();
        mean.map_or(f64::NAN, |m| m * self.steps_per_epoch() as f64)
    }

    /// Changes hyper-parameters without a reset. The batch size cannot change here
    /// (it sizes the buffers); the optimiser state restarts if the rule changes.
    pub fn set_config(&mut self, config: TrainConfig) -> Result<()> {
        config.check()?;
        if config.batch_size != self.config.batch_size {
            return Err(EngineError::Model(
                "the batch size changes with a reset".into(),
            ));
        }
        if config.optimizer != self.config.optimizer {
            self.opt = OptimState::new(config.optimizer, &self.net);
        }
        if config.learning_rate != self.config.learning_rate {
            self.lr = config.learning_rate;
        }
        self.config = config;
        Ok(())
    }

    /// Replaces the weights (same layer sizes), e.g. from an imported model file.
    pub fn set_weights(&mut self, net: &Network<T>) -> Result<()> {
        if net.architecture().layers != self.net.architecture().layers {
            return Err(EngineError::Mismatch(
                "the new weights have other layer sizes or activations".into(),
            ));
        }
        self.net.copy_parameters_from(net);
        self.last_good = self.net.clone();
        self.new_start();
        Ok(())
    }

    /// Sets the counters of weights trained elsewhere (a model file's progress). The
    /// history stays as it is; the next epoch starts from the first training row.
    pub fn set_progress(&mut self, epoch: u64, steps: u64) {
        self.epoch = epoch;
        self.steps = steps;
        self.cursor = 0;
    }

    /// The current weights become the start the guard and the checkpoint measure from.
    fn new_start(&mut self) {
        self.guard = Guard::new(&self.net);
        self.checkpoint = self.net.clone();
        self.checkpoint_epoch = self.epoch;
        self.checkpoint_loss = f64::INFINITY;
        self.timeline.record(self.steps, self.epoch, &self.net);
    }

    /// The epoch whose weights [`Trainer::restore_checkpoint`] brings back: the end of
    /// the epoch with the lowest training loss so far (or the start).
    pub fn checkpoint_epoch(&self) -> u64 {
        self.checkpoint_epoch
    }

    /// Brings back the checkpoint's weights after a blow-up; the optimiser's moments
    /// start again (they carry the blow-up), and the timeline records the restore.
    pub fn restore_checkpoint(&mut self) {
        self.net.copy_parameters_from(&self.checkpoint);
        self.last_good = self.net.clone();
        self.opt = OptimState::new(self.config.optimizer, &self.net);
        self.guard.rebase();
        self.timeline.record(self.steps, self.epoch, &self.net);
    }

    /// Records the current weights in the timeline (when training pauses, so that the
    /// timeline ends where the run stands).
    pub fn mark(&mut self) {
        self.timeline.record(self.steps, self.epoch, &self.net);
    }

    /// Sets one parameter by hand (the diagram's weight editing): W[layer][unit][input],
    /// or the bias b[layer][unit] when `input` is None. The edited weights become the
    /// last good ones and a moment of the timeline, and the guard's running loss starts
    /// again (the cost jumped by the user's hand, not by training). Errors, changing
    /// nothing, when there is no such parameter or the value is not finite.
    pub fn set_parameter(
        &mut self,
        layer: usize,
        unit: usize,
        input: Option<usize>,
        value: f64,
    ) -> Result<()> {
        if !value.is_finite() {
            return Err(EngineError::Model(format!(
                "a parameter must be a finite number, not {value}"
            )));
        }
        let layers = self.net.layers.len();
        let op = self.net.layers.get_mut(layer).ok_or_else(|| {
            EngineError::Mismatch(format!(
                "there is no layer {} (the network has {layers})",
                layer + 1
            ))
        })?;
        let v = T::from_f64(value);
        let found = match input {
            Some(i) => op.weights_mut().get_mut((unit, i)).map(|w| *w = v),
            None => op.biases_mut().get_mut(unit).map(|b| *b = v),
        }
        .is_some();
        if !found {
            let what = input.map_or(format!("bias of unit {}", unit + 1), |i| {
                format!("weight from input {} into unit {}", i + 1, unit + 1)
            });
            return Err(EngineError::Mismatch(format!(
                "layer {} has no {what}",
                layer + 1
            )));
        }
        self.last_good = self.net.clone();
        self.guard.rebase();
        self.timeline.record(self.steps, self.epoch, &self.net);
        Ok(())
    }

    /// Cost and accuracy of the current weights on the training rows and (when there
    /// are any) the validation rows, evaluated now rather than taken from the history:
    /// what the page shows after a weight was edited by hand.
    pub fn metrics_now(&self) -> (Metrics, Option<Metrics>) {
        let val = (!self.val.is_empty()).then(|| evaluate(&self.net, &self.val));
        (evaluate(&self.net, &self.train), val)
    }

    /// Validation metrics after the last completed epoch, if there are validation rows.
    pub fn last_validation(&self) -> Option<Metrics> {
        self.last_val
    }

    /// Runs `n` steps. Stops early with [`EngineError::Diverged`] if a cost, gradient
    /// or weight stops being finite; the weights are then those of the last finite
    /// point (before the step, or the end of the last epoch).
    pub fn run(&mut self, n: u64) -> Result<()> {
        for _ in 0..n {
            self.step()?;
        }
        Ok(())
    }

    /// Runs until the current epoch ends.
    pub fn run_epoch(&mut self) -> Result<()> {
        let start = self.epoch;
        while self.epoch == start {
            self.step()?;
        }
        Ok(())
    }

    /// One mini-batch: forward, backward, update; closes the epoch when the rows run out.
    pub fn step(&mut self) -> Result<()> {
        if self.cursor == 0 && self.config.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        let n = self.step.capacity().min(self.order.len() - self.cursor);
        let outcome = self.gradients(n);
        let cost = outcome.cost.to_f64();
        if !cost.is_finite() {
            return Err(self.diverged(&format!("the cost became {cost}"), self.steps + 1));
        }
        self.epoch_correct += outcome.correct;
        self.opt
            .step(&mut self.net, &self.grads, self.lr, &mut self.update);
        if !self.update.finite {
            self.restore_last_good();
            let what = format!(
                "a weight overflowed (the weights are back to the end of epoch {})",
                self.epoch
            );
            return Err(self.diverged(&what, self.steps + 1));
        }
        self.steps += 1;
        self.history.step_loss.push(cost);
        self.epoch_loss += cost;
        self.epoch_batches += 1;
        self.epoch_seen += n as u64;
        for (acc, norm) in self.epoch_grad.iter_mut().zip(&self.update.grad_norms) {
            *acc += norm;
        }
        self.cursor += n;
        let mut blowup = self.guard.cost(cost);
        if self.cursor == self.order.len() {
            blowup = blowup.or(self.close_epoch());
        }
        if self.timeline.due(self.steps) {
            self.timeline.record(self.steps, self.epoch, &self.net);
        }
        match blowup {
            None => Ok(()),
            Some(b) => {
                // The student may train on past it on purpose: judge afresh from here.
                self.guard.rebase();
                self.mark();
                Err(self.blew_up(&b))
            }
        }
    }

    /// The error for a finite blow-up the guard caught.
    fn blew_up(&self, b: &Blowup) -> EngineError {
        self.diverged(&b.what, self.steps)
    }

    /// A divergence at `step`, with its likely cause.
    fn diverged(&self, what: &str, step: u64) -> EngineError {
        EngineError::Diverged(self.guard.explain(what, step, self.lr))
    }

    /// Forward and backward over the epoch's next `n` rows by the one step, leaving
    /// the gradients in `self.grads`.
    fn gradients(&mut self, n: usize) -> BatchOutcome<T> {
        let batch = &self.order[self.cursor..self.cursor + n];
        let rows = Source {
            x: flat(&self.train.x),
            y: flat(&self.train.y),
            labels: self.train.labels.as_deref(),
        };
        // Each step's masks from the run's seed and the step's number: reproducible,
        // and apart from the shuffle's stream.
        let seed = self.config.seed ^ (self.steps + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let outcome = self.step.run(&self.net, rows, batch, &mut self.grads, seed);
        self.step.update_state(&mut self.net);
        outcome
    }

    /// What a page shows of this trainer, flattened into one buffer that a worker can
    /// hand over without copying: counters, learning rate, last validation, weights and,
    /// when asked, the history. Optimiser moments and the shuffle are left out: the
    /// receiving trainer mirrors this one and is not trained from it.
    pub fn snapshot(&self, with_history: bool) -> Vec<f64> {
        let (val_loss, val_accuracy) = match self.last_val {
            Some(m) => (m.loss, m.accuracy.unwrap_or(f64::NAN)),
            None => (f64::NAN, f64::NAN),
        };
        let mut out = vec![
            self.epoch as f64,
            self.steps as f64,
            self.lr,
            val_loss,
            val_accuracy,
            f64::from(u8::from(with_history)),
        ];
        // Every parameter and running statistic, in the order `apply_snapshot` reads
        // them, so a mirror evaluates exactly as this trainer does.
        out.extend(self.net.state().map(|v| v.to_f64()));
        if with_history {
            for series in self.history.series() {
                series.write(&mut out);
            }
        }
        out
    }

    /// Takes on a [`Trainer::snapshot`] of a trainer with the same layers; on an error
    /// (another shape, a damaged buffer) nothing changes.
    pub fn show_snapshot(&mut self, snapshot: &[f64]) -> Result<()> {
        let mut input = Snapshot(snapshot);
        let shown = self.read_snapshot(&mut input)?;
        input.end()?;
        self.apply_snapshot(shown);
        Ok(())
    }

    fn read_snapshot<'a>(&self, input: &mut Snapshot<'a>) -> Result<Shown<'a>> {
        let head = input.take(6)?;
        let params = input.take(self.net.state_count())?;
        let history = if head[5] == 1.0 {
            let mut h = History {
                grad_norm: vec![Series::default(); self.net.layers.len()],
                weight_norm: vec![Series::default(); self.net.layers.len()],
                ..History::default()
            };
            for series in h.series_mut() {
                *series = Series::read(input)?;
            }
            Some(h)
        } else {
            None
        };
        if !params.iter().all(|v| v.is_finite()) {
            return Err(EngineError::Mismatch(
                "the training snapshot does not fit this network".into(),
            ));
        }
        Ok(Shown {
            head,
            params,
            history,
        })
    }

    fn apply_snapshot(&mut self, shown: Shown) {
        let state: Vec<T> = shown.params.iter().map(|&v| T::from_f64(v)).collect();
        self.net
            .set_state(&state)
            .expect("read_snapshot took this network's state count");
        let head = shown.head;
        self.epoch = head[0] as u64;
        self.steps = head[1] as u64;
        self.lr = head[2];
        self.last_val = (!head[3].is_nan()).then_some(Metrics {
            loss: head[3],
            accuracy: (!head[4].is_nan()).then_some(head[4]),
        });
        if let Some(h) = shown.history {
            self.history = h;
        }
    }

    /// The run as a page keeps it across a reload: a [`Trainer::snapshot`] with the
    /// history, then the timeline, thinned evenly (keeping its first and last moments)
    /// so that the whole buffer holds at most `max_values` numbers where it can.
    pub fn run_state(&self, max_values: usize) -> Vec<f64> {
        let mut out = self.snapshot(true);
        let per = 2 + self.net.state_count();
        let moments = self.timeline.moments();
        let room = (max_values.saturating_sub(out.len() + 1) / per).clamp(1, moments.len());
        let keep: Vec<usize> = if room >= moments.len() {
            (0..moments.len()).collect()
        } else if room == 1 {
            vec![moments.len() - 1]
        } else {
            let mut k: Vec<usize> = (0..room)
                .map(|i| i * (moments.len() - 1) / (room - 1))
                .collect();
            k.dedup();
            k
        };
        out.push(keep.len() as f64);
        for i in keep {
            write_moment(&moments[i], &mut out);
        }
        out
    }

    /// Takes on a [`Trainer::run_state`] of a trainer with the same layers: counters,
    /// history, weights and timeline. On an error nothing changes.
    pub fn restore_run(&mut self, state: &[f64]) -> Result<()> {
        let mut input = Snapshot(state);
        let shown = self.read_snapshot(&mut input)?;
        if shown.history.is_none() {
            return Err(EngineError::Mismatch("the saved run has no history".into()));
        }
        let count = input.count(super::timeline::MAX_MOMENTS as u64)?;
        let mut timeline = Timeline::new(self.net.state_count());
        for _ in 0..count {
            timeline.push(self.read_moment(&mut input)?);
        }
        input.end()?;
        self.apply_snapshot(shown);
        self.last_good = self.net.clone();
        self.timeline = timeline;
        self.new_start();
        Ok(())
    }

    /// What a mirror needs to follow this trainer's timeline: the steps of every moment
    /// kept, then the moments after step `after` (the newest the mirror has). Read by
    /// [`Trainer::follow_timeline`].
    pub fn timeline_update(&self, after: Option<u64>) -> Vec<f64> {
        let moments = self.timeline.moments();
        let mut out = vec![moments.len() as f64];
        out.extend(moments.iter().map(|m| m.step as f64));
        for m in moments.iter().filter(|m| after.is_none_or(|a| m.step > a)) {
            write_moment(m, &mut out);
        }
        out
    }

    /// Follows a [`Trainer::timeline_update`] of the trainer this one mirrors. On an
    /// error nothing changes.
    pub fn follow_timeline(&mut self, update: &[f64]) -> Result<()> {
        let mut input = Snapshot(update);
        let count = input.count(super::timeline::MAX_MOMENTS as u64)?;
        let steps: Vec<u64> = (0..count)
            .map(|_| input.count(u64::MAX))
            .collect::<Result<_>>()?;
        let mut fresh = Vec::new();
        while !input.0.is_empty() {
            fresh.push(self.read_moment(&mut input)?);
        }
        if !steps.windows(2).all(|w| w[0] < w[1]) {
            return Err(EngineError::Mismatch(
                "the timeline update's steps are not ascending".into(),
            ));
        }
        self.timeline.retain_steps(&steps);
        for m in fresh {
            self.timeline.push(m);
        }
        Ok(())
    }

    fn read_moment(&self, input: &mut Snapshot) -> Result<Moment<T>> {
        let step = input.count(u64::MAX)?;
        let epoch = input.count(u64::MAX)?;
        let params = input.take(self.net.state_count())?;
        if !params.iter().all(|v| v.is_finite()) {
            return Err(EngineError::Mismatch(format!(
                "the timeline's moment at step {step} holds a value that is not finite"
            )));
        }
        Ok(Moment {
            step,
            epoch,
            params: params.iter().map(|&v| T::from_f64(v)).collect(),
        })
    }

    fn restore_last_good(&mut self) {
        self.net.copy_parameters_from(&self.last_good);
    }

    /// Ends an epoch: its records, validation, the checkpoint, and the guard's
    /// end-of-epoch checks.
    fn close_epoch(&mut self) -> Option<Blowup> {
        self.last_good.copy_parameters_from(&self.net);
        self.cursor = 0;
        self.epoch += 1;
        let epoch_loss = self.epoch_loss / self.epoch_batches as f64;
        if epoch_loss <= self.checkpoint_loss {
            self.checkpoint.copy_parameters_from(&self.net);
            self.checkpoint_epoch = self.epoch;
            self.checkpoint_loss = epoch_loss;
        }
        let h = &mut self.history;
        h.train_loss.push(epoch_loss);
        if self.train.labels.is_some() {
            h.train_accuracy
                .push(self.epoch_correct as f64 / self.epoch_seen as f64);
        }
        for (series, acc) in h.grad_norm.iter_mut().zip(&mut self.epoch_grad) {
            series.push(*acc / self.epoch_batches as f64);
            *acc = 0.0;
        }
        for (series, layer) in h.weight_norm.iter_mut().zip(&self.net.layers) {
            series.push(
                layer
                    .weights()
                    .iter()
                    .map(|&w| w.to_f64() * w.to_f64())
                    .sum::<f64>()
                    .sqrt(),
            );
        }
        if !self.val.is_empty() {
            let m = evaluate_into(&self.net, &self.val, &mut self.val_trace);
            h.val_loss.push(m.loss);
            if let Some(a) = m.accuracy {
                h.val_accuracy.push(a);
            }
            self.last_val = Some(m);
        }
        self.epoch_loss = 0.0;
        self.epoch_batches = 0;
        self.epoch_correct = 0;
        self.epoch_seen = 0;
        self.lr *= self.config.lr_decay;
        let layers = self.net.layers.len();
        if !self.val.is_empty()
            && self
                .net
                .layers
                .iter()
                .any(|l| l.activation_or_identity() == Activation::Relu)
        {
            return self
                .guard
                .epoch(&self.net, Some(activations(&self.val_trace, layers)));
        }
        match &mut self.dead_trace {
            Some(trace) if self.epoch.is_multiple_of(DEAD_CHECK_EPOCHS) => {
                let rows = trace.capacity();
                self.net
                    .forward_into(self.train.x.slice(s![..rows, ..]), trace);
                self.guard
                    .epoch(&self.net, Some(activations(trace, layers)))
            }
            _ => self.guard.epoch(&self.net, None),
        }
    }
}

/// The activations of layers 1..=layers of the last pass through `trace`.
fn activations<T: Real>(trace: &Trace<T>, layers: usize) -> Vec<ndarray::ArrayView2<'_, T>> {
    (1..=layers).map(|l| trace.a(l)).collect()
}

/// Cost and accuracy of `net` on `rows`, in one forward pass.
pub fn evaluate<T: Real>(net: &Network<T>, rows: &Rows<T>) -> Metrics {
    evaluate_into(net, rows, &mut Trace::new(net, rows.len()))
}

fn evaluate_into<T: Real>(net: &Network<T>, rows: &Rows<T>, trace: &mut Trace<T>) -> Metrics {
    net.forward_into(rows.x.view(), trace);
    let loss = net.cost(trace, rows.y.view()).to_f64();
    let accuracy = rows.labels.as_ref().map(|labels| {
        let right = trace
            .output()
            .outer_iter()
            .zip(labels)
            .filter(|(row, &l)| {
                net.class_of(row.as_slice().expect("output rows are contiguous")) == l
            })
            .count();
        right as f64 / labels.len().max(1) as f64
    });
    Metrics { loss, accuracy }
}

#[cfg(test)]
mod tests {
    use crate::engine::session::{Session, SessionConfig};

    fn session() -> Session {
        let config = r#"{"data": {"kind": "circles", "points": 120},
            "network": {"hidden": [{"units": 5, "activation": "tanh"}], "output": "sigmoid",
                        "loss": "sigmoid_cross_entropy"},
            "training": {"optimizer": "adam", "batch_size": 8}}"#;
        Session::new(SessionConfig::from_json(config).unwrap(), None).unwrap()
    }

    #[test]
    fn the_panel_step_trains_as_the_general_step_does() {
        let mut panels = session();
        assert!(panels.trainer.step.takes_panels(&panels.trainer.net));
        let mut general = session();
        general.trainer.net.kernel = crate::engine::number::kernel::Kernel::Scalar;
        for s in [&mut panels, &mut general] {
            s.trainer.run(45).unwrap();
        }
        let (a, b) = (&panels.trainer, &general.trainer);
        assert_eq!(a.epoch(), b.epoch());
        let pairs = a
            .history
            .step_loss
            .values()
            .iter()
            .zip(b.history.step_loss.values());
        for (x, y) in pairs.chain(
            a.history
                .train_accuracy
                .values()
                .iter()
                .zip(b.history.train_accuracy.values()),
        ) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
        for (la, lb) in a.net.layers.iter().zip(&b.net.layers) {
            for (x, y) in la.weights().iter().zip(&lb.weights()) {
                assert!((x - y).abs() < 1e-4, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn a_snapshot_carries_weights_counters_and_history_to_a_mirror() {
        let mut trained = session();
        trained.trainer.run(37).unwrap();
        let mut mirror = session();
        mirror
            .trainer
            .show_snapshot(&trained.trainer.snapshot(true))
            .unwrap();
        let (a, b) = (&trained.trainer, &mirror.trainer);
        assert_eq!(a.net, b.net);
        assert_eq!((a.epoch(), a.steps()), (b.epoch(), b.steps()));
        assert_eq!(a.learning_rate(), b.learning_rate());
        assert_eq!(a.last_validation(), b.last_validation());
        assert_eq!(a.history.step_loss.values(), b.history.step_loss.values());
        assert_eq!(
            a.history.val_accuracy.values(),
            b.history.val_accuracy.values()
        );
        assert_eq!(
            a.history.grad_norm[1].values(),
            b.history.grad_norm[1].values()
        );
        let bits = |s: Vec<f64>| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a.snapshot(true)), bits(b.snapshot(true)));

        // Without history the weights move and the mirror's curves stay as they were.
        trained.trainer.run(3).unwrap();
        mirror
            .trainer
            .show_snapshot(&trained.trainer.snapshot(false))
            .unwrap();
        assert_eq!(trained.trainer.net, mirror.trainer.net);
        assert_eq!(mirror.trainer.history.step_loss.values().len(), 37);
    }

    fn default_session() -> Session {
        Session::new(SessionConfig::from_json("{}").unwrap(), None).unwrap()
    }

    #[test]
    fn a_learning_rate_of_100_on_a_trained_network_is_caught_and_restored() {
        let mut s = default_session();
        s.trainer.run(4000).unwrap();
        let trained = s.trainer.net.clone();
        let acc = s.trainer.last_validation().unwrap().accuracy.unwrap();
        assert!(acc > 0.9, "trained to {acc}");
        let mut config = s.trainer.config.clone();
        config.learning_rate = 100.0;
        s.trainer.set_config(config).unwrap();
        let err = s.trainer.run(2000).unwrap_err().to_string();
        assert!(err.contains("learning rate, 100"), "{err}");
        assert!(err.contains("far above its lowest"), "{err}");
        let at = s.trainer.checkpoint_epoch();
        assert!(
            at >= 190,
            "the checkpoint is from the trained run, epoch {at}"
        );
        assert_ne!(s.trainer.net, trained);
        s.trainer.restore_checkpoint();
        let rows = s.trainer.val.clone();
        let restored = super::evaluate(&s.trainer.net, &rows).accuracy.unwrap();
        assert!(restored > 0.9, "restored to {restored}");
    }

    #[test]
    fn a_relu_layer_killed_by_a_huge_step_is_caught() {
        let config = r#"{"network": {"hidden": [{"units": 4, "activation": "relu"}]},
            "training": {"learning_rate": 300}}"#;
        let mut s = Session::new(SessionConfig::from_json(config).unwrap(), None).unwrap();
        let err = s.trainer.run(5000).unwrap_err().to_string();
        assert!(err.contains("learning rate, 300"), "{err}");
    }

    #[test]
    fn a_run_state_brings_back_counters_history_and_timeline() {
        let mut trained = default_session();
        trained.trainer.run(1234).unwrap();
        let state = trained.trainer.run_state(usize::MAX);
        let mut fresh = default_session();
        fresh.trainer.restore_run(&state).unwrap();
        let (a, b) = (&trained.trainer, &fresh.trainer);
        assert_eq!((a.epoch(), a.steps()), (b.epoch(), b.steps()));
        assert_eq!(a.net, b.net);
        assert_eq!(
            a.history.val_accuracy.values(),
            b.history.val_accuracy.values()
        );
        let last = |t: &super::Trainer<f32>| t.timeline.moments().last().unwrap().step;
        assert_eq!(last(b), 1234);
        assert_eq!(
            a.timeline.moments(),
            &b.timeline.moments()[..a.timeline.moments().len()]
        );

        // A small budget thins the timeline but keeps its first and last moments.
        let small = trained.trainer.run_state(state.len() - 40 * 27);
        assert!(small.len() < state.len());
        let mut thin = default_session();
        thin.trainer.restore_run(&small).unwrap();
        let m = thin.trainer.timeline.moments();
        assert!(m.len() < a.timeline.moments().len() && m.len() > 10);
        assert_eq!((m[0].step, m.last().unwrap().step), (0, 1234));

        for bad in [&state[..state.len() - 1], &state[..20]] {
            let mut other = default_session();
            assert!(other.trainer.restore_run(bad).is_err());
            assert_eq!(other.trainer.steps(), 0);
        }
    }

    #[test]
    fn a_model_file_carries_how_far_its_weights_were_trained() {
        let mut trained = default_session();
        trained.trainer.run(345).unwrap();
        let model = trained.export_model();
        assert!(
            model.contains(r#""progress":{"epoch":17,"steps":345}"#),
            "{model}"
        );
        let mut fresh = default_session();
        fresh.import_weights(&model).unwrap();
        assert_eq!((fresh.trainer.epoch(), fresh.trainer.steps()), (17, 345));
        assert_eq!(fresh.trainer.net, trained.trainer.net);
        let bad = model.replace(r#""steps":345"#, r#""steps":-1"#);
        let err = fresh.import_weights(&bad).unwrap_err().to_string();
        assert!(
            err.contains("progress.steps must be a whole number"),
            "{err}"
        );
    }

    #[test]
    fn a_mirror_follows_the_timeline_of_the_trainer_it_copies() {
        let mut trained = default_session();
        let mut mirror = default_session();
        let mut newest = Some(0);
        for n in [1, 30, 500, 20_000] {
            trained.trainer.run(n).unwrap();
            mirror
                .trainer
                .follow_timeline(&trained.trainer.timeline_update(newest))
                .unwrap();
            newest = mirror.trainer.timeline.moments().last().map(|m| m.step);
        }
        assert_eq!(trained.trainer.timeline, mirror.trainer.timeline);
        assert!(mirror.trainer.timeline.moments().len() > 100);
        assert!(mirror
            .trainer
            .follow_timeline(&[3.0, 5.0, 1.0, 2.0])
            .is_err());
    }

    #[test]
    fn without_shuffling_batches_visit_the_training_rows_in_file_order() {
        let config = r#"{"data": {"validation": 0.3}, "training": {"shuffle": false}}"#;
        let s = Session::new(SessionConfig::from_json(config).unwrap(), None).unwrap();
        assert!(s.train_rows.windows(2).all(|w| w[0] < w[1]));
        assert!(s.val_rows.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s.train_rows.len() + s.val_rows.len(), 400);
        assert_eq!(s.trainer.order, (0..s.train_rows.len()).collect::<Vec<_>>());
    }

    #[test]
    fn a_snapshot_of_another_shape_or_damaged_changes_nothing() {
        let mut trained = session();
        trained.trainer.run(5).unwrap();
        let good = trained.trainer.snapshot(true);
        let mut mirror = session();
        let bits = |s: Vec<f64>| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let before = bits(mirror.trainer.snapshot(true));
        let mut nan = good.clone();
        nan[7] = f64::NAN;
        let mut huge = good.clone();
        let at = 6 + mirror.trainer.net.state_count();
        huge[at] = 1e12;
        for bad in [
            &good[..good.len() - 1],
            &good[..3],
            &nan[..],
            &huge[..],
            &[good.clone(), vec![0.0]].concat(),
        ] {
            assert!(mirror.trainer.show_snapshot(bad).is_err());
            assert_eq!(bits(mirror.trainer.snapshot(true)), before);
        }
    }

    #[test]
    fn an_edited_weight_changes_the_cost_now_and_bad_edits_change_nothing() {
        let mut s = session();
        s.trainer.run(20).unwrap();
        let (before, _) = s.trainer.metrics_now();
        let moments = s.trainer.timeline.moments().len();
        s.trainer.set_parameter(0, 2, Some(1), 4.5).unwrap();
        assert_eq!(s.trainer.net.layers[0].weights()[(2, 1)], 4.5);
        s.trainer.set_parameter(1, 0, None, -3.0).unwrap();
        assert_eq!(s.trainer.net.layers[1].biases()[0], -3.0);
        let (after, val) = s.trainer.metrics_now();
        assert!(
            (after.loss - before.loss).abs() > 1e-3,
            "{} vs {}",
            after.loss,
            before.loss
        );
        let direct = super::evaluate(&s.trainer.net, &s.trainer.train);
        assert_eq!(after, direct);
        assert!(val.is_some());
        assert!(s.trainer.timeline.moments().len() >= moments);
        let last = s.trainer.timeline.moments().last().unwrap();
        let params: Vec<f32> = s.trainer.net.parameters().collect();
        assert_eq!(last.params, params);
        let kept: Vec<f32> = s.trainer.net.parameters().collect();
        for (layer, unit, input, value) in [
            (0, 2, Some(1), f64::NAN),
            (0, 2, Some(1), f64::INFINITY),
            (2, 0, None, 1.0),
            (0, 5, Some(0), 1.0),
            (0, 0, Some(2), 1.0),
            (1, 1, None, 1.0),
        ] {
            assert!(s.trainer.set_parameter(layer, unit, input, value).is_err());
            assert_eq!(s.trainer.net.parameters().collect::<Vec<_>>(), kept);
        }
    }
}
