//! The WebAssembly facade: converts between JavaScript values and engine types, and
//! turns engine errors into JavaScript `Error`s. No mathematics lives here.

mod activations;
#[cfg(feature = "bench")]
mod bench;
mod charts;
mod compare;
mod edit;
mod featuremaps;
mod inspect;
mod lab;
mod reconstructions;
mod timeline;
mod trainer;
mod views;

use crate::engine::api;
use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
pub use bench::{bench_epochs, bench_learning, bench_matmul};
pub use lab::Lab;
pub use trainer::Trainer;
/// `initThreadPool(n)` for the threaded module: starts n Web Workers sharing this
/// module's memory as rayon's pool, before the first training step.
#[cfg(all(feature = "threads", target_arch = "wasm32"))]
pub use wasm_bindgen_rayon::init_thread_pool;

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs when the module loads: keeps the message of any panic, so that the page can
/// say what stopped the engine after the trap that follows it.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
    }));
}

/// Threads a training step may split its big products between: the team's in the
/// threaded module (after `initThreadPool`, as many as the pool's threads), 1 in the others.
#[wasm_bindgen(js_name = trainingThreads)]
pub fn training_threads() -> usize {
    #[cfg(feature = "threads")]
    let threads = crate::engine::number::team::Team::current().threads();
    #[cfg(not(feature = "threads"))]
    let threads = 1;
    threads
}

/// The message of the panic that stopped the engine, if one did.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

fn js_error(e: crate::engine::EngineError) -> JsError {
    JsError::new(&e.to_string())
}

/// Cost, raw outputs and backprop's gradients of a model on a CSV, in f64, as JSON:
/// `{"loss", "outputs", "gradients": [one object per layer]}`. The optional third
/// argument `{"mode": "train"}` (an object or its JSON) runs batch norm on the batch's
/// statistics; evaluation mode otherwise. Throws on bad input.
#[wasm_bindgen]
pub fn evaluate(model_json: &str, csv: &str, options: JsValue) -> Result<String, JsError> {
    let options = if options.is_undefined() || options.is_null() {
        None
    } else if let Some(text) = options.as_string() {
        Some(text)
    } else {
        let text = js_sys::JSON::stringify(&options)
            .map_err(|_| JsError::new("the options cannot be written as JSON"))?;
        Some(String::from(text))
    };
    api::evaluate_with(model_json, csv, options.as_deref()).map_err(js_error)
}

/// A model file (any layer kinds, with its input transform) as the ONNX bytes
/// `Lab.exportOnnx` writes for a live network: for models the page's configuration
/// cannot build, and for tests. Throws on a bad model file.
#[wasm_bindgen(js_name = modelToOnnx)]
pub fn model_to_onnx(model_json: &str) -> Result<Vec<u8>, JsError> {
    let model = crate::engine::model_json::Model::from_json(model_json).map_err(js_error)?;
    crate::engine::onnx::export(&model).map_err(js_error)
}

/// The shapes a model file's network passes through, input first, as JSON:
/// `{"shapes": ["1×8×8", "8×8×8", ..., "10"], "text": "1×8×8 → 8×8×8 → ... → 10"}`.
/// Throws on a bad model file.
#[wasm_bindgen(js_name = modelShapes)]
pub fn model_shapes(model_json: &str) -> Result<String, JsError> {
    let model = crate::engine::model_json::Model::from_json(model_json).map_err(js_error)?;
    let net = &model.network;
    let shapes: Vec<String> = net.shapes().into_iter().map(|s| s.describe()).collect();
    Ok(serde_json::json!({ "shapes": shapes, "text": net.shapes_text() }).to_string())
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

/// The settings table, read once by the page at load: every setting's path, label,
/// kind, range, default and options, and the training paces, as JSON (see the
/// engine's `settings::table_json`). The page repeats none of it.
#[wasm_bindgen(js_name = settingsTable)]
pub fn settings_table() -> String {
    crate::engine::settings::table_json()
}

/// Checks settings the page reads back (a saved session, a lesson, an imported
/// model's configuration): `{"settings": {...every key...}, "notes": ["..."]}`. A
/// value out of range or of the wrong kind gets its default and a note naming the
/// field, the value and the range; an unknown key a note. Throws only when the text
/// is not a JSON object.
#[wasm_bindgen(js_name = checkSettings)]
pub fn check_settings(settings_json: &str) -> Result<String, JsError> {
    use crate::engine::settings::{Mode, Settings};
    crate::engine::limits::check_file_size("settings", settings_json.len()).map_err(js_error)?;
    let value: serde_json::Value = serde_json::from_str(settings_json)
        .map_err(|e| JsError::new(&format!("the settings are not JSON: {e}")))?;
    let checked = Settings::check(&value, Mode::Lenient).map_err(js_error)?;
    let notes: Vec<String> = checked.notes.into_iter().map(|n| n.message).collect();
    Ok(serde_json::json!({ "settings": checked.settings.to_value(), "notes": notes }).to_string())
}

/// The data seed "Regenerate" moves to from `seed` (see the engine's `next_seed`).
#[wasm_bindgen(js_name = nextSeed)]
pub fn next_seed(seed: f64) -> f64 {
    crate::engine::settings::next_seed(seed as u64) as f64
}

/// A shareable link (the part after the page address's `#`) for the page's settings
/// JSON (missing keys take their defaults; a `view` section is carried too),
/// optionally a model file's text, and optionally a classroom object's JSON (note,
/// hidden panels and controls, lock, embed). Throws if any is invalid.
#[wasm_bindgen(js_name = encodeLink)]
pub fn encode_link(
    config_json: &str,
    model_json: Option<String>,
    classroom_json: Option<String>,
) -> Result<String, JsError> {
    crate::engine::link::encode_page(
        config_json,
        model_json.as_deref(),
        classroom_json.as_deref(),
    )
    .map_err(js_error)
}

/// Unpacks a link (alone, as the address's hash, or a whole address) to JSON:
/// `{"config": {...}, "model": "model file text" or null}`. Throws "the link is not a
/// Backprop Lab link" or "the link is damaged: ..." naming the problem.
#[wasm_bindgen(js_name = decodeLink)]
pub fn decode_link(link: &str) -> Result<String, JsError> {
    crate::engine::link::decode_json(link).map_err(js_error)
}

/// A WebM recorded by the browser's MediaRecorder, with its duration (`ms`) written in
/// so that players can seek it. Throws if the bytes are not such a file.
#[wasm_bindgen(js_name = webmWithDuration)]
pub fn webm_with_duration(webm: &[u8], ms: f64) -> Result<Vec<u8>, JsError> {
    crate::engine::webm::with_duration(webm, ms).map_err(js_error)
}
