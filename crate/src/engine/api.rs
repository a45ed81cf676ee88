//! The text-in, text-out entry points that the JavaScript API exposes as `evaluate` and
//! `gradient_check`: a model file and a CSV in, JSON out, everything in f64.

use super::dataset::{csv, Dataset};
use super::error::{EngineError, Result};
use super::gradcheck;
use super::labels;
use super::model_json::{nested, Model};
use super::ops::{Mode, Shape};
use ndarray::Array2;
use serde_json::{json, Value};

/// Reads a model and a CSV and returns the network inputs and targets they give:
/// x: (rows, input_dim) after the model's input transform, y: (rows, outputs) with the
/// labels matched to the model's classes (`labels::targets`; `lines` is each row's
/// file line, for its errors).
pub fn prepare(
    model: &Model,
    data: &Dataset,
    lines: &[usize],
) -> Result<(Array2<f64>, Array2<f64>)> {
    let raw = model.network.input_dim - model.transform.derived.len();
    if data.features() != raw {
        return Err(EngineError::Mismatch(format!(
            "the model takes {raw} input features but the CSV has {} ({})",
            data.features(),
            data.feature_names.join(", ")
        )));
    }
    if let (Some((h, w)), Some(Shape::Image { height, width, .. })) = (
        data.image_shape,
        model.network.layers.first().map(|op| op.input_shape()),
    ) {
        if (h, w) != (height, width) {
            return Err(EngineError::Mismatch(format!(
                "the model reads {height}x{width} images but the CSV declares {h}x{w}"
            )));
        }
    }
    let x = model.transform.apply(data.x.view())?;
    let y = labels::targets(model, data, lines)?;
    Ok((x, y))
}

fn load(model_json: &str, csv_text: &str) -> Result<(Model, Array2<f64>, Array2<f64>)> {
    let model = Model::from_json(model_json)?;
    let (data, lines) = csv::parse_with_lines(csv_text)?;
    let (x, y) = prepare(&model, &data, &lines)?;
    Ok((model, x, y))
}

/// `{"loss": C, "outputs": [[...] per row], "gradients": [{"weights": [[...]],
/// "biases": [...]} per layer]}`: the cost (loss plus L2 penalty), the raw network
/// outputs and backprop's gradients, in f64, in evaluation mode. One object per layer,
/// one key per parameter nested by its shape (conv weights F x C x KH x KW, `{}` for a
/// layer without parameters); a tied layer's W gradient, both paths summed, is on the
/// layer it ties to.
pub fn evaluate(model_json: &str, csv_text: &str) -> Result<String> {
    evaluate_with(model_json, csv_text, None)
}

/// [`evaluate`] with options `{"mode": "train"}` (batch norm by the batch's statistics,
/// dropout masks from seed 0) or `{"mode": "eval"}`, the default.
pub fn evaluate_with(model_json: &str, csv_text: &str, options: Option<&str>) -> Result<String> {
    let mode = mode_of(options)?;
    let (model, x, y) = load(model_json, csv_text)?;
    let net = &model.network;
    let (cost, trace, grads) = net.cost_and_gradients_in(mode, 0, x.view(), y.view())?;
    let outputs: Vec<Vec<f64>> = trace.output().outer_iter().map(|r| r.to_vec()).collect();
    let gradients: Vec<Value> = net
        .layers
        .iter()
        .zip(&grads.params)
        .map(|(op, g)| {
            let by_name = op.params().iter().zip(g);
            Value::Object(
                by_name
                    .map(|(spec, g)| (spec.name.to_string(), nested(&g.shape, &g.values)))
                    .collect(),
            )
        })
        .collect();
    Ok(json!({ "loss": cost, "outputs": outputs, "gradients": gradients }).to_string())
}

/// The mode of `{"mode": "train" | "eval"}`; evaluation when there are no options.
fn mode_of(options: Option<&str>) -> Result<Mode> {
    let Some(text) = options.filter(|t| !t.trim().is_empty()) else {
        return Ok(Mode::Eval);
    };
    let v: Value = serde_json::from_str(text)
        .map_err(|e| EngineError::Model(format!("the options are not valid JSON: {e}")))?;
    let mode = v
        .as_object()
        .ok_or_else(|| EngineError::Model("the options must be an object".into()))?
        .get("mode");
    match mode {
        None => Ok(Mode::Eval),
        Some(m) => m.as_str().and_then(Mode::parse).ok_or_else(|| {
            EngineError::Model(format!("mode must be \"train\" or \"eval\", got {m}"))
        }),
    }
}

/// `{"epsilon": e, "tensors": [{"layer": 1, "tensor": "weights", "max_relative_error":
/// r}, ...], "max_relative_error": r}`: backprop against central differences.
pub fn gradient_check(model_json: &str, csv_text: &str, epsilon: Option<f64>) -> Result<String> {
    let (model, x, y) = load(model_json, csv_text)?;
    let eps = epsilon.unwrap_or(gradcheck::DEFAULT_EPSILON);
    if !(eps.is_finite() && eps > 0.0 && eps < 1.0) {
        return Err(EngineError::Model(format!(
            "epsilon must be in (0, 1), got {eps}"
        )));
    }
    let checks = gradcheck::check(&model.network, x.view(), y.view(), eps)?;
    let worst = checks
        .iter()
        .fold(0.0f64, |m, c| m.max(c.max_relative_error));
    let tensors: Vec<_> = checks
        .iter()
        .map(|c| {
            json!({
                "layer": c.layer + 1,
                "tensor": c.tensor,
                "max_relative_error": c.max_relative_error,
            })
        })
        .collect();
    Ok(json!({ "epsilon": eps, "tensors": tensors, "max_relative_error": worst }).to_string())
}
