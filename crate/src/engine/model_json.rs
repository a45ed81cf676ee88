//! The model file, `{"format": "backprop-lab.model", "version": 1, ...}`: export and a
//! validating import whose errors name the first problem precisely (for example
//! "layer 2: weights has 7 rows but units is 8").

use super::dataset::features::{Derived, InputTransform, Standardizer};
use super::error::{EngineError, Result};
use super::limits;
use super::loss::{Loss, Reduction};
use super::network::{Architecture, LayerSpec, Network};
use super::number::Real;
use super::ops::{Op, Shape};
use serde_json::{json, Map, Value};

/// Row-major `values` of this shape as nested JSON lists, dim 0 outermost (a dense W
/// as its rows).
pub fn nested(shape: &[usize], values: &[f64]) -> Value {
    match shape {
        [] | [_] => json!(values),
        [outer, inner @ ..] => {
            let step = values.len() / (*outer).max(1);
            Value::Array(
                values
                    .chunks(step.max(1))
                    .take(*outer)
                    .map(|part| nested(inner, part))
                    .collect(),
            )
        }
    }
}

/// One layer of the model file: its kind and settings ([`LayerSpec::header`]), then
/// each parameter and buffer under its name, nested by its shape. A dense layer writes
/// no `"kind"` (dense is the default), so files from before the operations read and
/// write the same.
fn layer_json(op: &Op<f64>) -> Value {
    let mut layer = LayerSpec::header(op);
    for (p, spec) in op.params().iter().enumerate() {
        layer.insert(spec.name.into(), nested(op.param_shape(p), op.param(p)));
    }
    for (b, name) in op.buffers().iter().enumerate() {
        layer.insert((*name).into(), json!(op.buffer(b)));
    }
    Value::Object(layer)
}

/// Reads one layer's parameters and buffers into the built `op`, each checked against
/// its shape; the first problem is named with `where_`.
fn read_values(layer: &Value, op: &mut Op<f64>, where_: &str) -> Result<()> {
    let dense = op.dense().is_some();
    for p in 0..op.params().len() {
        let name = op.params()[p].name;
        let shape = op.param_shape(p).to_vec();
        let v = layer.get(name).unwrap_or(&Value::Null);
        let mut values = Vec::with_capacity(shape.iter().product());
        read_nested(v, &shape, &format!("{where_}{name}"), dense, &mut values)?;
        op.param_mut(p).copy_from_slice(&values);
    }
    for b in 0..op.buffers().len() {
        let name = op.buffers()[b];
        let len = op.buffer(b).len();
        let v = layer.get(name).unwrap_or(&Value::Null);
        let mut values = Vec::with_capacity(len);
        read_nested(v, &[len], &format!("{where_}{name}"), false, &mut values)?;
        op.buffer_mut(b).copy_from_slice(&values);
    }
    Ok(())
}

/// Appends the finite numbers of `v`, nested as `shape` (dim 0 outermost), to `out`.
/// A dense layer's messages speak of rows, units and inputs, as they always have.
fn read_nested(
    v: &Value,
    shape: &[usize],
    path: &str,
    dense: bool,
    out: &mut Vec<f64>,
) -> Result<()> {
    let fail = |m: String| Err(EngineError::Model(m));
    let Some((&len, inner)) = shape.split_first() else {
        out.push(finite(v, path)?);
        return Ok(());
    };
    let outer = !path.ends_with(']');
    let Some(items) = v.as_array() else {
        return fail(match (inner.len(), outer) {
            (0, true) => format!("{path} must be a list"),
            (0, false) => format!("{path} must be a list of numbers"),
            (1, true) if dense => format!("{path} must be a list of rows"),
            _ => format!("{path} must be a list of {len} lists"),
        });
    };
    if items.len() != len {
        return fail(match (dense, inner.len(), outer) {
            (true, 1, true) => format!("{path} has {} rows but units is {len}", items.len()),
            (true, 0, true) => format!("{path} has {} numbers but units is {len}", items.len()),
            (true, 0, false) => format!(
                "{path} has {} numbers but the layer has {len} inputs",
                items.len()
            ),
            _ => format!(
                "{path} has {} entries but the layer needs {len}",
                items.len()
            ),
        });
    }
    for (i, item) in items.iter().enumerate() {
        read_nested(item, inner, &format!("{path}[{i}]"), dense, out)?;
    }
    Ok(())
}

/// The `format` field every model file carries.
pub const FORMAT: &str = "backprop-lab.model";
/// The version this engine writes and reads.
pub const VERSION: u64 = 1;

/// A network with everything a page needs to use it on raw data again.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The weights, in f64 (exact for f32 networks too).
    pub network: Network<f64>,
    /// Class names for classification outputs.
    pub class_names: Option<Vec<String>>,
    /// Raw feature names the model was trained on.
    pub feature_names: Option<Vec<String>>,
    /// Derived features and standardisation applied to raw inputs.
    pub transform: InputTransform,
    /// (height, width) when inputs are images.
    pub image_shape: Option<(usize, usize)>,
    /// The page's training configuration, kept verbatim.
    pub training: Option<Value>,
    /// How far the weights were trained: (epochs, steps), so that a shared or
    /// re-imported network does not look untrained.
    pub progress: Option<(u64, u64)>,
}

impl Model {
    /// A bare model around a network.
    pub fn from_network(network: Network<f64>) -> Self {
        Model {
            network,
            class_names: None,
            feature_names: None,
            transform: InputTransform::default(),
            image_shape: None,
            training: None,
            progress: None,
        }
    }

    /// Serialises to the model format. Numbers print in the shortest form that reads
    /// back to the same f64, so export then import is exact.
    pub fn to_json(&self) -> String {
        let net = &self.network;
        let layers: Vec<Value> = net.layers.iter().map(layer_json).collect();
        let mut v = json!({
            "format": FORMAT,
            "version": VERSION,
            "input_dim": net.input_dim,
            "layers": layers,
            "loss": net.loss.name(),
            "reduction": net.reduction.name(),
            "l2": net.l2,
        });
        let obj = v.as_object_mut().expect("json! built an object");
        if let Some(Shape::Image {
            channels,
            height,
            width,
        }) = net.layers.first().map(|op| op.input_shape())
        {
            obj.insert("input_shape".into(), json!([channels, height, width]));
        }
        if net.l1 != 0.0 {
            obj.insert("l1".into(), json!(net.l1));
        }
        if let Some(c) = &self.class_names {
            obj.insert("class_names".into(), json!(c));
        }
        if let Some(f) = &self.feature_names {
            obj.insert("feature_names".into(), json!(f));
        }
        let t = &self.transform;
        if !t.derived.is_empty() || t.standardizer.is_some() {
            let mut tj = Map::new();
            tj.insert(
                "derived".into(),
                json!(t.derived.iter().map(|d| d.name()).collect::<Vec<_>>()),
            );
            if let Some(s) = &t.standardizer {
                tj.insert("mean".into(), json!(s.mean));
                tj.insert("std".into(), json!(s.std));
            }
            obj.insert("input_transform".into(), Value::Object(tj));
        }
        if let Some((h, w)) = self.image_shape {
            obj.insert("image_shape".into(), json!([h, w]));
        }
        if let Some(tr) = &self.training {
            obj.insert("training".into(), tr.clone());
        }
        if let Some((epoch, steps)) = self.progress {
            obj.insert("progress".into(), json!({"epoch": epoch, "steps": steps}));
        }
        v.to_string()
    }

    /// Parses and validates a model file.
    pub fn from_json(text: &str) -> Result<Model> {
        limits::check_file_size("model file", text.len())?;
        let v: Value = serde_json::from_str(text)
            .map_err(|e| EngineError::Model(format!("not valid JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| EngineError::Model("the file is not a JSON object".into()))?;
        let format = obj.get("format").and_then(Value::as_str).unwrap_or("");
        if format != FORMAT {
            return Err(EngineError::Model(format!(
                "format is \"{format}\", expected \"{FORMAT}\""
            )));
        }
        let version = obj.get("version").and_then(Value::as_u64);
        if version != Some(VERSION) {
            return Err(EngineError::Model(format!(
                "version {} is not supported; this page reads version {VERSION}",
                obj.get("version")
                    .map_or("(missing)".to_string(), Value::to_string)
            )));
        }
        let input_dim = count(obj, "input_dim", "")?;
        let layers_v = obj
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| EngineError::Model("layers must be a list".into()))?;
        let input_shape = match obj.get("input_shape") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_array()
                    .filter(|a| a.len() == 3)
                    .and_then(|a| {
                        let d = |i: usize| a[i].as_u64().filter(|&n| n >= 1).map(|n| n as usize);
                        Some((d(0)?, d(1)?, d(2)?))
                    })
                    .ok_or_else(|| {
                        EngineError::Model(format!(
                            "input_shape must be [channels, height, width] of whole numbers from 1, got {v}"
                        ))
                    })?,
            ),
        };
        let mut specs = Vec::with_capacity(layers_v.len());
        for (i, lv) in layers_v.iter().enumerate() {
            let where_ = format!("layer {}: ", i + 1);
            let lo = lv
                .as_object()
                .ok_or_else(|| EngineError::Model(format!("{where_}must be an object")))?;
            specs.push(LayerSpec::from_json(lo, &where_)?);
        }
        let loss_name = obj
            .get("loss")
            .and_then(Value::as_str)
            .ok_or_else(|| EngineError::Model("loss must be a string".into()))?;
        let reduction = match obj.get("reduction") {
            None => Reduction::Mean,
            Some(r) => Reduction::parse(r.as_str().unwrap_or("(not a string)"))?,
        };
        let l2 = match obj.get("l2") {
            None => 0.0,
            Some(v) => v
                .as_f64()
                .ok_or_else(|| EngineError::Model("l2 must be a number".into()))?,
        };
        let l1 = match obj.get("l1") {
            None => 0.0,
            Some(v) => v
                .as_f64()
                .filter(|l1| *l1 >= 0.0)
                .ok_or_else(|| EngineError::Model("l1 must be a number >= 0".into()))?,
        };
        let arch = Architecture {
            input_dim,
            input_shape,
            layers: specs,
            loss: Loss::parse(loss_name)?,
            reduction,
            l2,
        };
        let mut network = Network::<f64>::zeros(&arch)?;
        network.l1 = l1;
        for (i, (lv, op)) in layers_v.iter().zip(&mut network.layers).enumerate() {
            read_values(lv, op, &format!("layer {}: ", i + 1))?;
        }
        let class_names = strings(obj, "class_names")?;
        if let Some(c) = &class_names {
            let out = network.output_dim();
            let fits = if out == 1 {
                c.len() <= 2
            } else {
                c.len() == out
            };
            if !fits {
                return Err(EngineError::Model(format!(
                    "class_names has {} names but the model has {out} outputs",
                    c.len()
                )));
            }
        }
        let feature_names = strings(obj, "feature_names")?;
        let transform = transform(obj)?;
        let image_shape = match obj.get("image_shape") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let pair = v
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .and_then(|a| Some((a[0].as_u64()? as usize, a[1].as_u64()? as usize)));
                Some(pair.ok_or_else(|| {
                    EngineError::Model("image_shape must be [height, width]".into())
                })?)
            }
        };
        if !transform.derived.is_empty() && input_dim != 2 + transform.derived.len() {
            return Err(EngineError::Model(format!(
                "input_transform: {} derived features need 2-D data and input_dim {}, not {input_dim}",
                transform.derived.len(),
                2 + transform.derived.len()
            )));
        }
        let raw_dim = input_dim - transform.derived.len();
        if let Some(f) = &feature_names {
            if f.len() != raw_dim {
                return Err(EngineError::Model(format!(
                    "feature_names has {} names but the model reads {raw_dim} raw features",
                    f.len()
                )));
            }
        }
        if let Some(s) = &transform.standardizer {
            if s.mean.len() != input_dim || s.std.len() != input_dim {
                return Err(EngineError::Model(format!(
                    "input_transform: mean and std need {input_dim} numbers each"
                )));
            }
        }
        let progress = match obj.get("progress") {
            None => None,
            Some(Value::Object(p)) => {
                let whole = |key: &str| {
                    p.get(key).and_then(Value::as_u64).ok_or_else(|| {
                        EngineError::Model(format!(
                            "progress.{key} must be a whole number of 0 or more, got {}",
                            p.get(key).map_or("nothing".into(), |v| v.to_string())
                        ))
                    })
                };
                let (epoch, steps) = (whole("epoch")?, whole("steps")?);
                if epoch > steps {
                    return Err(EngineError::Model(format!(
                        "progress: {epoch} epochs cannot take {steps} steps"
                    )));
                }
                Some((epoch, steps))
            }
            Some(_) => {
                return Err(EngineError::Model(
                    "progress must be an object {\"epoch\": E, \"steps\": S}".into(),
                ))
            }
        };
        Ok(Model {
            network,
            class_names,
            feature_names,
            transform,
            image_shape,
            training: obj.get("training").cloned(),
            progress,
        })
    }

    /// The network in another precision.
    pub fn network_as<T: Real>(&self) -> Network<T> {
        self.network.cast()
    }
}

fn count(obj: &Map<String, Value>, key: &str, where_: &str) -> Result<usize> {
    let v = obj
        .get(key)
        .ok_or_else(|| EngineError::Model(format!("{where_}{key} is missing")))?;
    v.as_u64()
        .filter(|&n| n > 0 && n <= limits::MAX_UNITS as u64)
        .map(|n| n as usize)
        .ok_or_else(|| {
            EngineError::Model(format!(
                "{where_}{key} must be a whole number from 1 to {}, got {v}",
                limits::MAX_UNITS
            ))
        })
}

fn finite(v: &Value, what: &str) -> Result<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(EngineError::Model(format!(
            "{what} is {v}, not a finite number"
        ))),
    }
}

fn strings(obj: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| EngineError::Model(format!("{key} must be a list of strings")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(EngineError::Model(format!(
            "{key} must be a list of strings"
        ))),
    }
}

fn numbers(v: &Value, what: &str) -> Result<Vec<f64>> {
    v.as_array()
        .ok_or_else(|| EngineError::Model(format!("{what} must be a list of numbers")))?
        .iter()
        .enumerate()
        .map(|(i, x)| finite(x, &format!("{what}[{i}]")))
        .collect()
}

fn transform(obj: &Map<String, Value>) -> Result<InputTransform> {
    let Some(t) = obj.get("input_transform").filter(|v| !v.is_null()) else {
        return Ok(InputTransform::default());
    };
    let derived = match t.get("derived") {
        None => Vec::new(),
        Some(d) => d
            .as_array()
            .ok_or_else(|| EngineError::Model("input_transform.derived must be a list".into()))?
            .iter()
            .map(|n| Derived::parse(n.as_str().unwrap_or("")))
            .collect::<Result<Vec<_>>>()?,
    };
    let standardizer = match (t.get("mean"), t.get("std")) {
        (Some(m), Some(s)) => {
            let std = numbers(s, "input_transform.std")?;
            if std.iter().any(|&v| v <= 0.0) {
                return Err(EngineError::Model(
                    "input_transform.std must be positive".into(),
                ));
            }
            Some(Standardizer {
                mean: numbers(m, "input_transform.mean")?,
                std,
            })
        }
        (None, None) => None,
        _ => {
            return Err(EngineError::Model(
                "input_transform needs both mean and std".into(),
            ))
        }
    };
    Ok(InputTransform {
        derived,
        standardizer,
    })
}
