//! The WebAssembly facade: converts between JavaScript values and engine types, and
//! turns engine errors into JavaScript `Error`s. No mathematics lives here.

mod lab;

use crate::engine::api;
use wasm_bindgen::prelude::*;

pub use lab::Lab;

fn js_error(e: crate::engine::EngineError) -> JsError {
    JsError::new(&e.to_string())
}

/// Cost, raw outputs and backprop's gradients of a model on a CSV, in f64, as JSON:
/// `{"loss", "outputs", "gradients": [{"weights", "biases"}]}`. Throws on bad input.
#[wasm_bindgen]
pub fn evaluate(model_json: &str, csv: &str) -> Result<String, JsError> {
    api::evaluate(model_json, csv).map_err(js_error)
}

/// Backprop against central differences for every weight and bias, as JSON with the
/// maximum relative error per tensor. Throws on bad input.
#[wasm_bindgen(js_name = gradientCheck)]
pub fn gradient_check(
    model_json: &str,
    csv: &str,
    epsilon: Option<f64>,
) -> Result<String, JsError> {
    api::gradient_check(model_json, csv, epsilon).map_err(js_error)
}
