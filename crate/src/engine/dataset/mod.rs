//! Datasets: inputs x (rows, features) in f64 with class labels or regression targets,
//! the seeded generators the page offers, CSV, the digits preset, and the input
//! transforms (standardisation, derived 2-D features).

pub mod csv;
pub mod digits;
pub mod features;
pub mod generators;

use super::error::{EngineError, Result};
use super::number::Real;
use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::Rng;

/// What a row should produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Class indices 0..C-1 and the C class names.
    Classes {
        /// One label per row.
        labels: Vec<usize>,
        /// Name of each class (e.g. "0", "cat").
        names: Vec<String>,
    },
    /// Numeric targets: (rows, outputs), with a name per output column.
    Values {
        /// y: (rows, outputs).
        y: Array2<f64>,
        /// Column names.
        names: Vec<String>,
    },
}

impl Target {
    /// Number of classes, or None for regression.
    pub fn class_count(&self) -> Option<usize> {
        match self {
            Target::Classes { names, .. } => Some(names.len()),
            Target::Values { .. } => None,
        }
    }

    /// The dense target matrix (rows, outputs) the losses read: one-hot rows for
    /// `outputs` > 1, the label itself (0 or 1) for a single output, the values as they
    /// are for regression. Errors when the labels or widths do not fit `outputs`.
    pub fn matrix<T: Real>(&self, outputs: usize) -> Result<Array2<T>> {
        match self {
            Target::Classes { labels, names } => {
                let classes = names.len();
                if outputs == 1 {
                    if classes > 2 {
                        return Err(EngineError::Mismatch(format!(
                            "the data has {classes} classes but the model has 1 output; use {classes} output units with softmax_cross_entropy"
                        )));
                    }
                } else if classes > outputs {
                    return Err(EngineError::Mismatch(format!(
                        "labels go up to {} but the model has only {outputs} outputs",
                        classes - 1
                    )));
                }
                let mut m = Array2::zeros((labels.len(), outputs));
                for (r, &l) in labels.iter().enumerate() {
                    if outputs == 1 {
                        m[[r, 0]] = T::from_f64(l as f64);
                    } else {
                        m[[r, l]] = T::one();
                    }
                }
                Ok(m)
            }
            Target::Values { y, .. } => {
                if y.ncols() != outputs {
                    return Err(EngineError::Mismatch(format!(
                        "the data has {} target columns but the model has {outputs} outputs",
                        y.ncols()
                    )));
                }
                Ok(y.mapv(T::from_f64))
            }
        }
    }

    /// The target as classification: classes stay, a single value column becomes two
    /// classes by its sign ("negative" below 0, "positive" from 0). Several value
    /// columns cannot be classes.
    pub fn as_classes(&self) -> Result<Target> {
        match self {
            Target::Classes { .. } => Ok(self.clone()),
            Target::Values { y, .. } if y.ncols() == 1 => Ok(Target::Classes {
                labels: y.column(0).iter().map(|&v| usize::from(v >= 0.0)).collect(),
                names: vec!["negative".into(), "positive".into()],
            }),
            Target::Values { y, .. } => Err(EngineError::Mismatch(format!(
                "the data has {} target columns; classification needs one column (or class labels)",
                y.ncols()
            ))),
        }
    }

    /// The target as regression: values stay, two classes become the values -1 (the
    /// first class) and +1 (the second), as the Playground scores them. More classes
    /// have no order to regress on.
    pub fn as_values(&self) -> Result<Target> {
        match self {
            Target::Values { .. } => Ok(self.clone()),
            Target::Classes { labels, names } if names.len() <= 2 => Ok(Target::Values {
                y: Array2::from_shape_fn((labels.len(), 1), |(r, _)| {
                    if labels[r] == 0 {
                        -1.0
                    } else {
                        1.0
                    }
                }),
                names: vec![names.join(" → ")],
            }),
            Target::Classes { names, .. } => Err(EngineError::Mismatch(format!(
                "the data has {} classes; regression reads two classes as -1 and +1 but has no order for more, so choose classification",
                names.len()
            ))),
        }
    }

    fn select(&self, idx: &[usize]) -> Target {
        match self {
            Target::Classes { labels, names } => Target::Classes {
                labels: idx.iter().map(|&i| labels[i]).collect(),
                names: names.clone(),
            },
            Target::Values { y, names } => Target::Values {
                y: y.select(Axis(0), idx),
                names: names.clone(),
            },
        }
    }
}

/// A table of examples.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// x: (rows, features).
    pub x: Array2<f64>,
    /// One name per feature column.
    pub feature_names: Vec<String>,
    /// Labels or regression targets.
    pub target: Target,
    /// (height, width) when each row is an image, for the filter and sample views.
    pub image_shape: Option<(usize, usize)>,
}

impl Dataset {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.x.ncols()
    }

    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        Dataset {
            x: self.x.select(Axis(0), idx),
            feature_names: self.feature_names.clone(),
            target: self.target.select(idx),
            image_shape: self.image_shape,
        }
    }

    /// Splits into (training, validation): a seeded shuffle, then the last
    /// `validation_fraction` of the rows (rounded) go to validation.
    pub fn split(
        &self,
        validation_fraction: f64,
        rng: &mut impl Rng,
    ) -> Result<(Dataset, Dataset)> {
        if !(0.0..1.0).contains(&validation_fraction) {
            return Err(EngineError::Data(format!(
                "the validation fraction must be in [0, 1), got {validation_fraction}"
            )));
        }
        let n = self.rows();
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(rng);
        let n_val = ((n as f64) * validation_fraction).round() as usize;
        let n_train = n - n_val;
        if n_train == 0 {
            return Err(EngineError::Data("no rows left for training".into()));
        }
        Ok((self.select(&idx[..n_train]), self.select(&idx[n_train..])))
    }

    /// Checks that every feature is finite.
    pub fn check_finite(&self) -> Result<()> {
        if let Some((i, _)) = self.x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let (r, c) = (i / self.features(), i % self.features());
            return Err(EngineError::Data(format!(
                "row {}, feature \"{}\" is not a finite number",
                r + 1,
                self.feature_names[c]
            )));
        }
        Ok(())
    }
}
