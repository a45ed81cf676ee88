//! Input transforms applied the same way to training data, validation data and every
//! point of a heatmap grid: derived features for 2-D data (as TensorFlow Playground
//! offers), then optional standardisation with statistics of the training set.

use crate::engine::error::{EngineError, Result};
use ndarray::{Array2, ArrayView2, Axis};

/// An extra input computed from the two raw coordinates x1, x2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// x1^2
    X1Squared,
    /// x2^2
    X2Squared,
    /// x1 * x2
    X1X2,
    /// sin x1
    SinX1,
    /// sin x2
    SinX2,
}

impl Derived {
    /// Every derived feature, in the order the page lists them.
    pub const ALL: [Derived; 5] = [
        Derived::X1Squared,
        Derived::X2Squared,
        Derived::X1X2,
        Derived::SinX1,
        Derived::SinX2,
    ];

    /// The name used in configurations and as the feature name.
    pub fn name(self) -> &'static str {
        match self {
            Derived::X1Squared => "x1^2",
            Derived::X2Squared => "x2^2",
            Derived::X1X2 => "x1*x2",
            Derived::SinX1 => "sin(x1)",
            Derived::SinX2 => "sin(x2)",
        }
    }

    /// Parses a name as written by [`Derived::name`].
    pub fn parse(name: &str) -> Result<Self> {
        Derived::ALL
            .into_iter()
            .find(|d| d.name() == name)
            .ok_or_else(|| EngineError::Model(format!("unknown derived feature \"{name}\"")))
    }

    /// The feature's value at (x1, x2).
    pub fn value(self, x1: f64, x2: f64) -> f64 {
        match self {
            Derived::X1Squared => x1 * x1,
            Derived::X2Squared => x2 * x2,
            Derived::X1X2 => x1 * x2,
            Derived::SinX1 => x1.sin(),
            Derived::SinX2 => x2.sin(),
        }
    }
}

/// Per-feature mean and standard deviation, from the training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Mean of each feature.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature (1 where a feature is constant).
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Statistics of x: (rows, features).
    pub fn fit(x: ArrayView2<f64>) -> Self {
        let n = x.nrows().max(1) as f64;
        let mean: Vec<f64> = x.sum_axis(Axis(0)).iter().map(|s| s / n).collect();
        let std = x
            .axis_iter(Axis(1))
            .zip(&mean)
            .map(|(col, m)| {
                let sd = (col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n).sqrt();
                if sd > 1e-12 {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer { mean, std }
    }
}

/// What is done to a raw input row before the network sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputTransform {
    /// Raw columns not fed to the network, ascending (2-D data only: the
    /// Playground's switched-off x1 or x2). The derived features still read them.
    pub dropped: Vec<usize>,
    /// Derived features appended after x1, x2 (2-D data only).
    pub derived: Vec<Derived>,
    /// Standardisation applied last, if any.
    pub standardizer: Option<Standardizer>,
}

impl InputTransform {
    /// Width of a transformed row given the raw width.
    pub fn output_dim(&self, raw: usize) -> usize {
        raw.saturating_sub(self.dropped.len()) + self.derived.len()
    }

    /// The raw width that gives a network input of `input_dim`: what a model file's
    /// reader, `evaluate` and the ONNX graph expect of a data row.
    pub fn raw_dim(&self, input_dim: usize) -> usize {
        (input_dim + self.dropped.len()).saturating_sub(self.derived.len())
    }

    /// Names of the transformed features.
    pub fn feature_names(&self, raw: &[String]) -> Vec<String> {
        raw.iter()
            .enumerate()
            .filter(|(c, _)| !self.dropped.contains(c))
            .map(|(_, n)| n.clone())
            .chain(self.derived.iter().map(|d| d.name().to_string()))
            .collect()
    }

    /// Checks that the transform fits raw rows of `raw` features and feeds the network
    /// at least one input.
    pub fn check(&self, raw: usize) -> Result<()> {
        if (!self.derived.is_empty() || !self.dropped.is_empty()) && raw != 2 {
            return Err(EngineError::Mismatch(format!(
                "derived features and switched-off inputs need 2-D data, the data has {raw} features"
            )));
        }
        if self.dropped.windows(2).any(|w| w[0] >= w[1]) || self.dropped.iter().any(|&c| c >= raw) {
            return Err(EngineError::Mismatch(format!(
                "the switched-off inputs {:?} are not distinct columns of {raw}",
                self.dropped
            )));
        }
        if self.output_dim(raw) == 0 {
            return Err(EngineError::Data(
                "every input is switched off; switch on x1, x2 or a derived feature".into(),
            ));
        }
        Ok(())
    }

    /// Transforms raw rows x: (rows, raw features) into (rows, output_dim).
    pub fn apply(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check(x.ncols())?;
        let mut out = Array2::zeros((x.nrows(), self.output_dim(x.ncols())));
        let kept = x.ncols() - self.dropped.len();
        for (mut o, row) in out.outer_iter_mut().zip(x.outer_iter()) {
            let fed = row
                .iter()
                .enumerate()
                .filter(|(c, _)| !self.dropped.contains(c));
            for (k, (_, &v)) in fed.enumerate() {
                o[k] = v;
            }
            for (k, d) in self.derived.iter().enumerate() {
                o[kept + k] = d.value(row[0], row[1]);
            }
        }
        if let Some(s) = &self.standardizer {
            if s.mean.len() != out.ncols() {
                return Err(EngineError::Mismatch(format!(
                    "the normalisation has {} features but the data has {}",
                    s.mean.len(),
                    out.ncols()
                )));
            }
            for mut row in out.outer_iter_mut() {
                for ((v, m), sd) in row.iter_mut().zip(&s.mean).zip(&s.std) {
                    *v = (*v - m) / sd;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn derived_then_standardised() {
        let x = array![[1.0, 2.0], [3.0, -2.0]];
        let mut t = InputTransform {
            dropped: Vec::new(),
            derived: vec![Derived::X1X2, Derived::X1Squared],
            standardizer: None,
        };
        let d = t.apply(x.view()).unwrap();
        assert_eq!(d, array![[1.0, 2.0, 2.0, 1.0], [3.0, -2.0, -6.0, 9.0]]);
        t.standardizer = Some(Standardizer::fit(d.view()));
        let s = t.apply(x.view()).unwrap();
        for col in s.axis_iter(Axis(1)) {
            assert!(col.sum().abs() < 1e-12);
            assert!((col.mapv(|v| v * v).sum() / 2.0 - 1.0).abs() < 1e-12);
        }
        assert!(t.apply(array![[1.0, 2.0, 3.0]].view()).is_err());
    }

    #[test]
    fn a_switched_off_input_is_not_fed_but_still_derives() {
        let x = array![[1.0, 2.0], [3.0, -2.0]];
        let t = InputTransform {
            dropped: vec![0],
            derived: vec![Derived::X1Squared],
            standardizer: None,
        };
        assert_eq!(t.output_dim(2), 2);
        assert_eq!(t.apply(x.view()).unwrap(), array![[2.0, 1.0], [-2.0, 9.0]]);
        let names = t.feature_names(&["x1".into(), "x2".into()]);
        assert_eq!(names, ["x2", "x1^2"]);
        let none = InputTransform {
            dropped: vec![0, 1],
            ..InputTransform::default()
        };
        let e = none.apply(x.view()).unwrap_err().to_string();
        assert!(e.contains("every input is switched off"), "{e}");
        let twice = InputTransform {
            dropped: vec![1, 1],
            ..InputTransform::default()
        };
        assert!(twice.apply(x.view()).is_err());
    }
}
