//! With and without: the session's network trained again as variants (as it is,
//! without its dropout, without its batch norm, without both: only those that differ),
//! on the same training and validation rows, from the same initial weights for the
//! layers they share, with the same settings and shuffle, for the same number of
//! epochs, so that their curves overlaid show what each kind of layer does.
//!
//! Dropout and batch norm hold no weights the initialiser draws (batch norm's gamma and
//! beta start at 1 and 0), so the variants' shared layers start identical whether they
//! are drawn again or copied; they are copied here from the one initial network.
//!
//! The training curve is measured after each epoch on the training rows in evaluation
//! mode (dropout off, batch norm on its running statistics), like the validation curve,
//! so the gap between the two is the generalisation gap and not dropout's noise.

use super::error::{EngineError, Result};
use super::network::Network;
use super::ops::Op;
use super::session::{initial_network, Session};
use super::train::{evaluate, Trainer};

/// Most epochs a comparison trains each variant.
pub const MAX_EPOCHS: usize = 1000;

/// One variant: which of the two kinds it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// Keeps the dropout layers.
    pub dropout: bool,
    /// Keeps the batch-norm layers.
    pub batchnorm: bool,
}

impl Variant {
    /// The four, in the order the chart lists them (and its colours follow).
    pub const ALL: [Variant; 4] = [
        Variant::new(true, true),
        Variant::new(false, true),
        Variant::new(true, false),
        Variant::new(false, false),
    ];

    const fn new(dropout: bool, batchnorm: bool) -> Self {
        Variant { dropout, batchnorm }
    }

    /// Its legend label's place in [`LABELS`], for a network that has `dropout` and
    /// `batchnorm`.
    pub fn label_index(self, has: Variant) -> usize {
        match (
            self.dropout || !has.dropout,
            self.batchnorm || !has.batchnorm,
        ) {
            (true, true) => 0,
            (false, true) => 1,
            (true, false) => 2,
            (false, false) => 3,
        }
    }

    /// What the legend calls it, for a network that has `dropout` and `batchnorm`.
    pub fn label(self, has: Variant) -> &'static str {
        LABELS[self.label_index(has)]
    }

    /// Whether it keeps a layer of this kind.
    fn keeps(self, kind: &str) -> bool {
        match kind {
            "dropout" => self.dropout,
            "batchnorm" => self.batchnorm,
            _ => true,
        }
    }
}

/// Which of the two kinds `net` has.
pub fn has(net: &Network<f32>) -> Variant {
    let any = |kind: &str| net.layers.iter().any(|op| op.kind() == kind);
    Variant::new(any("dropout"), any("batchnorm"))
}

/// The variants that differ for `net`: as built first, then without each kind it has,
/// then without both when it has both. Only the first when it has neither.
pub fn variants(net: &Network<f32>) -> Vec<Variant> {
    let has = has(net);
    let mut out: Vec<Variant> = Vec::new();
    for v in Variant::ALL {
        let v = Variant::new(v.dropout && has.dropout, v.batchnorm && has.batchnorm);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `net` without the layers `variant` drops; a tied layer still ties to its dense layer.
pub fn without(net: &Network<f32>, variant: Variant) -> Network<f32> {
    let keep: Vec<usize> = (0..net.layers.len())
        .filter(|&l| variant.keeps(net.layers[l].kind()))
        .collect();
    let layers = keep
        .iter()
        .map(|&l| {
            let mut op = net.layers[l].clone();
            if let Op::Tied(t) = &mut op {
                t.of = keep
                    .iter()
                    .position(|&k| k == t.of)
                    .expect("a tied layer ties to a dense layer, which every variant keeps");
            }
            op
        })
        .collect();
    Network {
        layers,
        ..net.clone()
    }
}

/// A variant's curves, one value per epoch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curves {
    /// Its legend label's place in [`LABELS`].
    pub label_index: usize,
    /// Cost on the training rows after each epoch, in evaluation mode.
    pub train_loss: Vec<f64>,
    /// Accuracy on the training rows after each epoch (classification; else empty).
    pub train_accuracy: Vec<f64>,
    /// Cost on the validation rows after each epoch.
    pub val_loss: Vec<f64>,
    /// Accuracy on the validation rows after each epoch (classification; else empty).
    pub val_accuracy: Vec<f64>,
}

/// The variants being trained.
#[derive(Debug)]
pub struct Comparison {
    runs: Vec<(Trainer<f32>, Curves)>,
    epochs: usize,
}

/// The network the session's configuration starts from (its initialiser and seed),
/// with the trainer's rows and current settings: what a comparison trains, and what
/// the page sends the comparison's worker as a seed.
pub fn start(session: &Session) -> Result<Trainer<f32>> {
    let t = &session.trainer;
    let net = initial_network(
        &t.net.architecture(),
        t.net.l1,
        t.net.kernel,
        &session.config.network,
    )?;
    Trainer::new(net.cast(), t.train.clone(), t.val.clone(), t.config.clone())
}

impl Comparison {
    /// The variants of `base`'s network (as it is now: give it a fresh trainer, see
    /// [`start`]), each with `base`'s rows and settings, to train for `epochs` epochs.
    pub fn new(base: &Trainer<f32>, epochs: usize) -> Result<Self> {
        if !(1..=MAX_EPOCHS).contains(&epochs) {
            return Err(EngineError::Mismatch(format!(
                "a comparison trains from 1 to {MAX_EPOCHS} epochs, not {epochs}"
            )));
        }
        let variants = variants(&base.net);
        if variants.len() < 2 {
            return Err(EngineError::Mismatch(
                "the network has no dropout or batch-norm layer to compare without".into(),
            ));
        }
        let has = has(&base.net);
        let runs = variants
            .into_iter()
            .map(|v| {
                let trainer = Trainer::new(
                    without(&base.net, v),
                    base.train.clone(),
                    base.val.clone(),
                    base.config.clone(),
                )?;
                let curves = Curves {
                    label_index: v.label_index(has),
                    ..Curves::default()
                };
                Ok((trainer, curves))
            })
            .collect::<Result<_>>()?;
        Ok(Comparison { runs, epochs })
    }

    /// Trains one epoch of the variant furthest behind and records its curves; true
    /// when every variant has trained its epochs. A variant that diverges ends the
    /// comparison with an error naming it.
    pub fn advance(&mut self) -> Result<bool> {
        let Some((trainer, curves)) = self
            .runs
            .iter_mut()
            .filter(|(t, _)| (t.epoch() as usize) < self.epochs)
            .min_by_key(|(t, _)| t.epoch())
        else {
            return Ok(true);
        };
        trainer
            .run_epoch()
            .map_err(|e| EngineError::Diverged(format!("{}: {e}", curves.label())))?;
        let train = evaluate(&trainer.net, &trainer.train);
        curves.train_loss.push(train.loss);
        curves.train_accuracy.extend(train.accuracy);
        if let Some(val) = trainer.last_validation() {
            curves.val_loss.push(val.loss);
            curves.val_accuracy.extend(val.accuracy);
        }
        Ok(self.done() == self.total())
    }

    /// Epochs trained, over every variant.
    pub fn done(&self) -> usize {
        self.runs.iter().map(|(t, _)| t.epoch() as usize).sum()
    }

    /// Epochs to train, over every variant.
    pub fn total(&self) -> usize {
        self.epochs * self.runs.len()
    }

    /// Every variant's curves so far, in the order of [`variants`].
    pub fn curves(&self) -> impl Iterator<Item = &Curves> {
        self.runs.iter().map(|(_, c)| c)
    }

    /// The curves as one buffer for the page ([`read`] takes it back): the number of
    /// variants, then for each its label's index in [`LABELS`] and its four series,
    /// each as a length and its values.
    pub fn write(&self) -> Vec<f64> {
        let mut out = vec![self.runs.len() as f64];
        for c in self.curves() {
            out.push(c.label_index as f64);
            for s in [
                &c.train_loss,
                &c.train_accuracy,
                &c.val_loss,
                &c.val_accuracy,
            ] {
                out.push(s.len() as f64);
                out.extend(s);
            }
        }
        out
    }
}

impl Curves {
    /// Its legend label.
    pub fn label(&self) -> &'static str {
        LABELS[self.label_index]
    }
}

/// Every label [`Variant::label`] gives, in a fixed order for [`Comparison::write`]
/// and for the page's colours (one meaning, one colour, whichever variants differ).
pub const LABELS: [&str; 4] = [
    "as built",
    "without dropout",
    "without batch norm",
    "without either",
];

/// Reads [`Comparison::write`]'s buffer; an error names what does not fit.
pub fn read(buffer: &[f64]) -> Result<Vec<Curves>> {
    let bad = || EngineError::Mismatch("the comparison's curves are damaged".into());
    let mut it = buffer.iter().copied();
    let count = |it: &mut dyn Iterator<Item = f64>, max: usize| -> Result<usize> {
        match it.next() {
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 => Ok(v as usize),
            _ => Err(bad()),
        }
    };
    let n = count(&mut it, Variant::ALL.len())?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let label_index = count(&mut it, LABELS.len() - 1)?;
        let mut series = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for s in &mut series {
            let len = count(&mut it, MAX_EPOCHS)?;
            *s = it.by_ref().take(len).collect();
            if s.len() != len || !s.iter().all(|v| v.is_finite()) {
                return Err(bad());
            }
        }
        let [train_loss, train_accuracy, val_loss, val_accuracy] = series;
        out.push(Curves {
            label_index,
            train_loss,
            train_accuracy,
            val_loss,
            val_accuracy,
        });
    }
    if it.next().is_some() {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::SessionConfig;

    fn session(hidden: &str) -> Session {
        let config = format!(
            r#"{{"data": {{"kind": "circles", "points": 160, "validation": 0.25}},
                "network": {{"hidden": {hidden}, "seed": 5}},
                "training": {{"optimizer": "adam", "batch_size": 16}}}}"#
        );
        Session::new(SessionConfig::from_json(&config).unwrap(), None).unwrap()
    }

    const BOTH: &str = r#"[{"units": 6, "activation": "tanh"}, {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5},
        {"kind": "dropout", "p": 0.3}, {"units": 4, "activation": "tanh"}]"#;

    fn run(hidden: &str, epochs: usize) -> Comparison {
        let mut c = Comparison::new(&start(&session(hidden)).unwrap(), epochs).unwrap();
        let mut calls = 0;
        while !c.advance().unwrap() {
            calls += 1;
        }
        assert_eq!(calls + 1, c.total(), "one epoch per call");
        assert!(c.advance().unwrap(), "done stays done");
        c
    }

    #[test]
    fn only_the_variants_that_differ_are_trained() {
        let labels = |hidden: &str| {
            let s = session(hidden);
            let has = has(&s.trainer.net);
            variants(&s.trainer.net)
                .into_iter()
                .map(|v| v.label(has))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(BOTH),
            [
                "as built",
                "without dropout",
                "without batch norm",
                "without either"
            ]
        );
        assert_eq!(
            labels(r#"[{"units": 6, "activation": "tanh"}, {"kind": "dropout", "p": 0.3}]"#),
            ["as built", "without dropout"]
        );
        assert_eq!(
            labels(
                r#"[{"units": 6, "activation": "tanh"}, {"kind": "batchnorm", "momentum": 0.9, "eps": 1e-5}]"#
            ),
            ["as built", "without batch norm"]
        );
        let plain = start(&session(r#"[{"units": 6, "activation": "tanh"}]"#)).unwrap();
        let err = Comparison::new(&plain, 5).unwrap_err().to_string();
        assert!(err.contains("no dropout or batch-norm layer"), "{err}");
        let both = start(&session(BOTH)).unwrap();
        assert!(Comparison::new(&both, 0).is_err());
        assert!(Comparison::new(&both, MAX_EPOCHS + 1).is_err());
    }

    #[test]
    fn the_variants_share_the_rows_the_settings_and_the_initial_weights() {
        let c = Comparison::new(&start(&session(BOTH)).unwrap(), 3).unwrap();
        let dense = |t: &Trainer<f32>| -> Vec<Vec<f32>> {
            t.net
                .layers
                .iter()
                .filter(|op| op.kind() == "dense")
                .map(|op| {
                    op.weights()
                        .iter()
                        .chain(op.biases().iter())
                        .copied()
                        .collect()
                })
                .collect()
        };
        let (first, _) = &c.runs[0];
        assert_eq!(first.net.layers.len(), 5);
        let kinds: Vec<Vec<&str>> = c
            .runs
            .iter()
            .map(|(t, _)| t.net.layers.iter().map(|op| op.kind()).collect())
            .collect();
        assert_eq!(kinds[3], ["dense", "dense", "dense"]);
        for (t, _) in &c.runs[1..] {
            assert_eq!(dense(t), dense(first));
            assert_eq!(t.train.x, first.train.x);
            assert_eq!(t.val.x, first.val.x);
            assert_eq!(t.train.labels, first.train.labels);
            assert_eq!(t.config, first.config);
        }
        // The initial weights are the configuration's, not the run's: training the
        // session first changes nothing.
        let mut trained = session(BOTH);
        trained.trainer.run(30).unwrap();
        let again = Comparison::new(&start(&trained).unwrap(), 3).unwrap();
        assert_eq!(dense(&again.runs[0].0), dense(first));
    }

    #[test]
    fn the_same_seed_gives_the_same_curves_and_the_variants_differ() {
        let (a, b) = (run(BOTH, 6), run(BOTH, 6));
        let bits = |c: &Comparison| c.write().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        let curves: Vec<&Curves> = a.curves().collect();
        assert!(curves.iter().all(|c| c.train_loss.len() == 6
            && c.val_accuracy.len() == 6
            && c.train_accuracy.len() == 6));
        for i in 0..4 {
            for j in i + 1..4 {
                assert_ne!(curves[i].train_loss, curves[j].train_loss, "{i} and {j}");
            }
        }
    }

    #[test]
    fn the_curves_cross_to_the_page_and_back_and_damage_is_refused() {
        let c = run(BOTH, 4);
        let buffer = c.write();
        let back = read(&buffer).unwrap();
        assert_eq!(back, c.curves().cloned().collect::<Vec<_>>());
        let mut nan = buffer.clone();
        nan[5] = f64::NAN;
        for bad in [
            &buffer[..buffer.len() - 1],
            &nan[..],
            &[buffer.clone(), vec![1.0]].concat(),
            &[9.0],
        ] {
            assert!(read(bad).is_err());
        }
    }

    #[test]
    fn a_tied_layer_still_ties_to_its_dense_layer_without_batch_norm() {
        use crate::engine::activation::Activation;
        use crate::engine::loss::{Loss, Reduction};
        use crate::engine::network::{Architecture, LayerSpec};
        let arch = Architecture {
            input_dim: 4,
            input_shape: None,
            layers: vec![
                LayerSpec::dense(2, Activation::Tanh),
                LayerSpec::BatchNorm {
                    momentum: 0.9,
                    eps: 1e-5,
                },
                LayerSpec::Tied {
                    of: 0,
                    activation: Activation::Identity,
                },
            ],
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let net = Network::<f32>::zeros(&arch).unwrap();
        let plain = without(&net, Variant::new(true, false));
        assert_eq!(plain.layers.len(), 2);
        assert_eq!(plain.layers[1].ties(), Some(0));
        assert_eq!(
            plain.architecture().layers,
            [arch.layers[0], arch.layers[2]]
        );
    }
}
