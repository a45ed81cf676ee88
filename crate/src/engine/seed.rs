//! The seed of a training worker: everything a trainer needs (network, training rows,
//! settings, and the run so far), taken from the page's one session and written into
//! one buffer. The worker builds its trainer from it without parsing the data or the
//! configuration again; the page's session stays the only place they are read.

use super::error::{EngineError, Result};
use super::model_json::Model;
use super::number::kernel::Kernel;
use super::optim::Optimizer;
use super::train::{Rows, TrainConfig, Trainer};
use ndarray::Array2;

const MAGIC: &[u8; 8] = b"BPLSEED1";

/// The seed of `trainer`: its network, rows, settings and run.
pub fn write(trainer: &Trainer<f32>) -> Vec<u8> {
    let mut w = Writer(MAGIC.to_vec());
    w.bytes(Model::from_network(trainer.net.cast()).to_json().as_bytes());
    w.settings(trainer);
    for rows in [&trainer.train, &trainer.val] {
        w.rows(rows);
    }
    let run = trainer.run_state(usize::MAX);
    w.u64(run.len() as u64);
    for v in run {
        w.f64(v);
    }
    w.0
}

/// The trainer a seed describes. Errors name what does not fit; nothing is built then.
pub fn read(seed: &[u8]) -> Result<Trainer<f32>> {
    let mut r = Reader(seed);
    if r.take(8)? != MAGIC {
        return Err(EngineError::Mismatch("this is not a training seed".into()));
    }
    let model = std::str::from_utf8(r.bytes()?)
        .map_err(|_| EngineError::Mismatch("the seed's model is not text".into()))?;
    let mut net = Model::from_json(model)?.network_as::<f32>();
    let settings = r.settings()?;
    let train = r.rows()?;
    let val = r.rows()?;
    let n = r.count()?;
    let run: Vec<f64> = (0..n).map(|_| r.f64()).collect::<Result<_>>()?;
    r.end()?;
    net.l2 = settings.l2;
    net.l1 = settings.l1;
    net.kernel = settings.kernel;
    let mut trainer = Trainer::new(net, train, val, settings.config)?;
    trainer.restore_run(&run)?;
    Ok(trainer)
}

/// The settings that change without a rebuild (the optimiser's, the penalty, the
/// kernel), as the page's session checked them, for the worker's trainer.
pub fn write_settings(trainer: &Trainer<f32>) -> Vec<u8> {
    let mut w = Writer(SETTINGS_MAGIC.to_vec());
    w.settings(trainer);
    w.0
}

/// Takes on [`write_settings`]'s buffer; on an error nothing changes.
pub fn read_settings(trainer: &mut Trainer<f32>, bytes: &[u8]) -> Result<()> {
    let mut r = Reader(bytes);
    if r.take(8)? != SETTINGS_MAGIC {
        return Err(EngineError::Mismatch(
            "these are not training settings".into(),
        ));
    }
    let s = r.settings()?;
    r.end()?;
    trainer.set_config(s.config)?;
    trainer.net.l2 = s.l2;
    trainer.net.l1 = s.l1;
    trainer.net.kernel = s.kernel;
    Ok(())
}

const SETTINGS_MAGIC: &[u8; 8] = b"BPLSETS1";

/// What [`Writer::settings`] writes.
struct Settings {
    config: TrainConfig,
    l2: f64,
    l1: f64,
    kernel: Kernel,
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn u64(&mut self, v: u64) {
        self.0.extend(v.to_le_bytes());
    }

    fn f64(&mut self, v: f64) {
        self.0.extend(v.to_le_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn settings(&mut self, trainer: &Trainer<f32>) {
        let c = &trainer.config;
        self.u64(c.batch_size as u64);
        self.f64(c.learning_rate);
        self.f64(c.lr_decay);
        self.bytes(c.optimizer.name().as_bytes());
        let (a, b, e) = match c.optimizer {
            Optimizer::Sgd => (0.0, 0.0, 0.0),
            Optimizer::Momentum { beta } => (beta, 0.0, 0.0),
            Optimizer::Adam { beta1, beta2, eps } => (beta1, beta2, eps),
        };
        self.f64(a);
        self.f64(b);
        self.f64(e);
        self.u8(u8::from(c.shuffle));
        self.u64(c.seed);
        self.f64(trainer.net.l2);
        self.f64(trainer.net.l1);
        self.u8(u8::from(trainer.net.kernel == Kernel::Simd));
    }

    fn rows(&mut self, rows: &Rows<f32>) {
        self.u64(rows.x.nrows() as u64);
        self.u64(rows.x.ncols() as u64);
        self.u64(rows.y.ncols() as u64);
        for v in rows.x.iter().chain(rows.y.iter()) {
            self.0.extend(v.to_le_bytes());
        }
        match &rows.labels {
            None => self.u8(0),
            Some(labels) => {
                self.u8(1);
                for &l in labels {
                    self.u64(l as u64);
                }
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(EngineError::Mismatch(
                "the training seed is cut short".into(),
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn end(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(EngineError::Mismatch(
                "the training seed is longer than it says".into(),
            ))
        }
    }

    fn settings(&mut self) -> Result<Settings> {
        let batch_size = self.count()?;
        let learning_rate = self.f64()?;
        let lr_decay = self.f64()?;
        let name = std::str::from_utf8(self.bytes()?)
            .map_err(|_| EngineError::Mismatch("the seed's optimiser is not text".into()))?;
        let (a, b, e) = (self.f64()?, self.f64()?, self.f64()?);
        let optimizer = match Optimizer::parse(name)? {
            Optimizer::Sgd => Optimizer::Sgd,
            Optimizer::Momentum { .. } => Optimizer::Momentum { beta: a },
            Optimizer::Adam { .. } => Optimizer::Adam {
                beta1: a,
                beta2: b,
                eps: e,
            },
        };
        let shuffle = self.u8()? == 1;
        let seed = self.u64()?;
        let l2 = self.f64()?;
        let l1 = self.f64()?;
        let kernel = if self.u8()? == 1 {
            Kernel::Simd
        } else {
            Kernel::Scalar
        };
        let config = TrainConfig {
            batch_size,
            learning_rate,
            lr_decay,
            optimizer,
            shuffle,
            seed,
        };
        config.check()?;
        Ok(Settings {
            config,
            l2,
            l1,
            kernel,
        })
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A count that the rest of the seed could hold (so no huge allocation).
    fn count(&mut self) -> Result<usize> {
        let n = self.u64()?;
        if n > self.0.len() as u64 * 8 + 8 {
            return Err(EngineError::Mismatch(
                "the training seed holds an impossible count".into(),
            ));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count()?;
        self.take(n)
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>> {
        let raw = self.take(n.checked_mul(4).ok_or_else(|| {
            EngineError::Mismatch("the training seed holds an impossible count".into())
        })?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    fn rows(&mut self) -> Result<Rows<f32>> {
        let (n, xc, yc) = (self.count()?, self.count()?, self.count()?);
        let shape = |r, c, v| {
            Array2::from_shape_vec((r, c), v)
                .map_err(|e| EngineError::Mismatch(format!("the training seed's rows: {e}")))
        };
        let x = shape(n, xc, self.f32s(n * xc)?)?;
        let y = shape(n, yc, self.f32s(n * yc)?)?;
        let labels = match self.u8()? {
            0 => None,
            _ => Some(
                (0..n)
                    .map(|_| self.u64().map(|l| l as usize))
                    .collect::<Result<_>>()?,
            ),
        };
        Ok(Rows { x, y, labels })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::session::{Session, SessionConfig};
    use crate::engine::settings::Regularization;

    #[test]
    fn a_seed_builds_the_same_trainer_that_then_trains_alike() {
        let config = r#"{"training": {"optimizer": "adam", "batch_size": 7}}"#;
        let mut page = Session::new(SessionConfig::from_json(config).unwrap(), None).unwrap();
        page.trainer.run(123).unwrap();
        let seed = write(&page.trainer);
        let mut worker = read(&seed).unwrap();
        assert_eq!(worker.net, page.trainer.net);
        assert_eq!(worker.config, page.trainer.config);
        assert_eq!(
            (worker.epoch(), worker.steps()),
            (page.trainer.epoch(), 123)
        );
        assert_eq!(worker.train.x, page.trainer.train.x);
        assert_eq!(worker.val.labels, page.trainer.val.labels);
        let kept = page.trainer.timeline.moments();
        assert_eq!(kept, &worker.timeline.moments()[..kept.len()]);
        assert_eq!(
            worker.history.step_loss.values(),
            page.trainer.history.step_loss.values()
        );
        worker.run(10).unwrap();
        assert_eq!(worker.steps(), 133);

        // Settings changed on the page reach the worker's trainer as checked there.
        let mut training = page.config.training.clone();
        training.learning_rate = 0.5;
        training.regularization = Regularization::L2;
        training.regularization_rate = 0.01;
        page.set_training(training.clone()).unwrap();
        read_settings(&mut worker, &write_settings(&page.trainer)).unwrap();
        assert_eq!(worker.config, page.trainer.config);
        assert_eq!(worker.net.l2, 0.01);
        assert_eq!(worker.net.l1, 0.0);
        training.regularization = Regularization::L1;
        training.regularization_rate = 0.003;
        page.set_training(training).unwrap();
        read_settings(&mut worker, &write_settings(&page.trainer)).unwrap();
        assert_eq!((worker.net.l1, worker.net.l2), (0.003, 0.0));
        assert_eq!(read(&write(&page.trainer)).unwrap().net.l1, 0.003);
        assert!(read_settings(&mut worker, &seed).is_err());
    }

    #[test]
    fn a_damaged_seed_is_refused() {
        let page = Session::new(SessionConfig::default(), None).unwrap();
        let seed = write(&page.trainer);
        assert!(read(&seed[..seed.len() - 1]).is_err());
        assert!(read(&[seed.clone(), vec![0]].concat()).is_err());
        assert!(read(b"not a seed at all").is_err());
        let mut huge = seed.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read(&huge).is_err());
    }
}
