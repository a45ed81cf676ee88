//! A layer without its values: its kind and settings, what a user picks and what a
//! model file's layer says before its parameters. [`LayerSpec::build`] makes the
//! operation over the shape the layer before it gives; [`LayerSpec::from_json`] reads
//! the settings of one model-file layer, naming the first bad field.

use super::batchnorm::BatchNorm;
use super::conv::Conv2d;
use super::dense::Dense;
use super::dropout::Dropout;
use super::flatten::Flatten;
use super::pool::MaxPool2d;
use super::tied::Tied;
use super::{Op, Shape};
use crate::engine::activation::Activation;
use crate::engine::error::{EngineError, Result};
use crate::engine::limits;
use crate::engine::number::Real;
use serde_json::{Map, Value};

/// One layer's kind and settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerSpec {
    /// `units` fully connected units.
    Dense {
        /// Units.
        units: usize,
        /// f.
        activation: Activation,
    },
    /// A convolution.
    Conv2d {
        /// F.
        filters: usize,
        /// (KH, KW).
        kernel: (usize, usize),
        /// S.
        stride: usize,
        /// P.
        pad: usize,
        /// f.
        activation: Activation,
    },
    /// Max pooling.
    MaxPool2d {
        /// Window side.
        size: usize,
        /// Step between windows.
        stride: usize,
    },
    /// An image to a row.
    Flatten,
    /// Inverted dropout with this drop probability.
    Dropout {
        /// p.
        p: f64,
    },
    /// Batch normalisation.
    BatchNorm {
        /// Weight of the old running statistics.
        momentum: f64,
        /// Added to the variance.
        eps: f64,
    },
    /// The transpose of dense layer `of`'s weights.
    Tied {
        /// L.
        of: usize,
        /// f.
        activation: Activation,
    },
}

impl From<(usize, Activation)> for LayerSpec {
    /// A dense layer of (units, activation), the form every architecture had before the
    /// other kinds.
    fn from((units, activation): (usize, Activation)) -> Self {
        LayerSpec::Dense { units, activation }
    }
}

/// `(channels, height, width)` of an image shape, or the error saying that `kind`
/// needs one.
fn image(shape: Shape, kind: &str) -> Result<(usize, usize, usize)> {
    match shape {
        Shape::Image {
            channels,
            height,
            width,
        } => Ok((channels, height, width)),
        Shape::Features(n) => Err(EngineError::Model(format!(
            "{kind} needs an image input (channels x height x width), but it gets a row of {n} features"
        ))),
    }
}

impl LayerSpec {
    /// A dense layer.
    pub fn dense(units: usize, activation: Activation) -> Self {
        LayerSpec::Dense { units, activation }
    }

    /// Dense layers of (units, activation), input side first.
    pub fn dense_stack(layers: &[(usize, Activation)]) -> Vec<Self> {
        layers.iter().map(|&l| l.into()).collect()
    }

    /// The model file's `"kind"`.
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::MaxPool2d { .. } => "maxpool2d",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::BatchNorm { .. } => "batchnorm",
            LayerSpec::Tied { .. } => "tied",
        }
    }

    /// Units of a dense layer (what the dense-only checks and the panels read).
    pub fn units(&self) -> Option<usize> {
        match self {
            LayerSpec::Dense { units, .. } => Some(*units),
            _ => None,
        }
    }

    /// The operation over `input`, zero-valued, after the operations `before` (a tied
    /// layer reads the shapes of the one it ties to).
    pub fn build<T: Real>(&self, input: Shape, before: &[Op<T>]) -> Result<Op<T>> {
        Ok(match *self {
            LayerSpec::Dense { units, activation } => {
                if units
                    .checked_mul(input.len())
                    .is_none_or(|w| w > limits::MAX_PARAMETERS)
                {
                    return Err(EngineError::Limit(format!(
                        "{units} units over {} inputs exceed {} parameters",
                        input.len(),
                        limits::MAX_PARAMETERS
                    )));
                }
                Op::Dense(Dense::zeros(input.len(), units, activation))
            }
            LayerSpec::Conv2d {
                filters,
                kernel,
                stride,
                pad,
                activation,
            } => Op::Conv2d(Conv2d::zeros(
                image(input, "conv2d")?,
                filters,
                kernel,
                stride,
                pad,
                activation,
            )?),
            LayerSpec::MaxPool2d { size, stride } => {
                Op::MaxPool2d(MaxPool2d::new(image(input, "maxpool2d")?, size, stride)?)
            }
            LayerSpec::Flatten => Op::Flatten(Flatten {
                input: image(input, "flatten")?,
            }),
            LayerSpec::Dropout { p } => Op::Dropout(Dropout::new(input, p)?),
            LayerSpec::BatchNorm { momentum, eps } => {
                Op::BatchNorm(BatchNorm::new(input, momentum, eps)?)
            }
            LayerSpec::Tied { of, activation } => {
                let Some(Op::Dense(d)) = before.get(of) else {
                    return Err(EngineError::Model(format!(
                        "of must be the index (from 0) of an earlier dense layer, got {of}"
                    )));
                };
                if input.len() != d.units() {
                    return Err(EngineError::Model(format!(
                        "a layer tied to layer {of} takes its {} outputs, but it gets {}",
                        d.units(),
                        input.len()
                    )));
                }
                Op::Tied(Tied::zeros(of, d.units(), d.fan_in(), activation))
            }
        })
    }

    /// The spec of a built operation (its kind and settings).
    pub fn of<T: Real>(op: &Op<T>) -> Self {
        match op {
            Op::Dense(d) => LayerSpec::dense(d.units(), d.activation),
            Op::Conv2d(c) => LayerSpec::Conv2d {
                filters: c.filters(),
                kernel: c.kernel(),
                stride: c.stride,
                pad: c.pad,
                activation: c.activation,
            },
            Op::MaxPool2d(p) => LayerSpec::MaxPool2d {
                size: p.size,
                stride: p.stride,
            },
            Op::Flatten(_) => LayerSpec::Flatten,
            Op::Dropout(d) => LayerSpec::Dropout { p: d.p },
            Op::BatchNorm(b) => LayerSpec::BatchNorm {
                momentum: b.momentum,
                eps: b.eps,
            },
            Op::Tied(t) => LayerSpec::Tied {
                of: t.of,
                activation: t.activation,
            },
        }
    }

    /// Reads the settings of one model-file layer (its values are read after the layer
    /// is built). Dense is the kind when `"kind"` is absent. Errors carry `where_`.
    pub fn from_json(layer: &Map<String, Value>, where_: &str) -> Result<Self> {
        let fail = |what: String| EngineError::Model(format!("{where_}{what}"));
        let kind = match layer.get("kind") {
            None => "dense",
            Some(k) => k
                .as_str()
                .ok_or_else(|| fail(format!("kind must be a string, got {k}")))?,
        };
        let whole = |key: &str, min: u64| -> Result<usize> {
            let v = layer
                .get(key)
                .ok_or_else(|| fail(format!("{key} is missing")))?;
            v.as_u64()
                .filter(|&n| n >= min && n <= limits::MAX_UNITS as u64)
                .map(|n| n as usize)
                .ok_or_else(|| {
                    fail(format!(
                        "{key} must be a whole number from {min} to {}, got {v}",
                        limits::MAX_UNITS
                    ))
                })
        };
        let number = |key: &str| -> Result<f64> {
            let v = layer
                .get(key)
                .ok_or_else(|| fail(format!("{key} is missing")))?;
            v.as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| fail(format!("{key} must be a number, got {v}")))
        };
        let activation = || -> Result<Activation> {
            let name = layer
                .get("activation")
                .and_then(Value::as_str)
                .ok_or_else(|| fail("activation must be a string".into()))?;
            Activation::parse(name).map_err(|e| {
                let s = e.to_string();
                fail(s.strip_prefix("model: ").unwrap_or(&s).to_string())
            })
        };
        Ok(match kind {
            "dense" => LayerSpec::Dense {
                units: whole("units", 1)?,
                activation: activation()?,
            },
            "conv2d" => {
                let kernel = layer
                    .get("kernel")
                    .ok_or_else(|| fail("kernel is missing".into()))?;
                let pair = kernel
                    .as_array()
                    .filter(|k| k.len() == 2)
                    .and_then(|k| Some((k[0].as_u64()?, k[1].as_u64()?)))
                    .filter(|&(h, w)| h >= 1 && w >= 1 && h.max(w) <= limits::MAX_UNITS as u64)
                    .ok_or_else(|| {
                        fail(format!("kernel must be [height, width] of whole numbers from 1, got {kernel}"))
                    })?;
                LayerSpec::Conv2d {
                    filters: whole("filters", 1)?,
                    kernel: (pair.0 as usize, pair.1 as usize),
                    stride: whole("stride", 1)?,
                    pad: whole("pad", 0)?,
                    activation: activation()?,
                }
            }
            "maxpool2d" => LayerSpec::MaxPool2d {
                size: whole("size", 1)?,
                stride: whole("stride", 1)?,
            },
            "flatten" => LayerSpec::Flatten,
            "dropout" => LayerSpec::Dropout { p: number("p")? },
            "batchnorm" => LayerSpec::BatchNorm {
                momentum: number("momentum")?,
                eps: number("eps")?,
            },
            "tied" => LayerSpec::Tied {
                of: whole("of", 0)?,
                activation: activation()?,
            },
            other => {
                return Err(fail(format!(
                    "kind \"{other}\" is not one of dense, conv2d, maxpool2d, flatten, dropout, batchnorm, tied"
                )))
            }
        })
    }

    /// The settings this spec writes in a model-file layer: the kind (not for dense,
    /// whose files are unchanged), "units" for dense, and the activation where there is one;
    /// the operation's [`Operation::hyper`] adds the rest.
    pub fn header<T: Real>(op: &Op<T>) -> Map<String, Value> {
        let mut m = Map::new();
        if op.kind() != "dense" {
            m.insert("kind".into(), Value::from(op.kind()));
        } else {
            m.insert("units".into(), Value::from(op.output_len()));
        }
        if let Some(f) = op.activation() {
            m.insert("activation".into(), Value::from(f.name()));
        }
        m.extend(op.hyper());
        m
    }
}
