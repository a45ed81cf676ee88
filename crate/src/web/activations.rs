//! The activation-histogram view's part of `Lab`: how every layer's activations spread
//! over the training rows for the current weights. JSON out: a few numbers per layer,
//! asked for a few times a second at most.

use super::{js_error, Lab};
use crate::engine::views::histogram;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// Histograms of every layer's activations (the output layer last) over the
    /// training rows, in f64, `bins` bins each, as JSON: `[{"activation", "units",
    /// "lo", "hi", "counts", "mean", "std", "saturated", "non_finite"}]` (see the
    /// engine's `views::histogram`).
    #[wasm_bindgen(js_name = activationHistograms)]
    pub fn activation_histograms(&self, bins: usize) -> Result<String, JsError> {
        let s = self.session();
        let (x, _) = s.rows_f64(&s.train_rows).map_err(js_error)?;
        let h = histogram::layer_histograms(&s.network_f64(), x.view(), bins).map_err(js_error)?;
        serde_json::to_string(&h).map_err(|e| JsError::new(&e.to_string()))
    }
}
