//! The autoencoder's part of `Lab`: a few rows reconstructed beside their inputs, the
//! held-out rows' mean reconstruction error and PCA's with as many components as the
//! bottleneck has units. The engine computes them (`engine::views::reconstructions`);
//! JavaScript paints.

use super::{js_error, Lab};
use crate::engine::views::reconstructions::{
    bottleneck_width, mean_error, pca_reconstruction_error, shown_rows, unavailable, SHOWN_ROWS,
};
use wasm_bindgen::prelude::*;

impl Lab {
    /// (components, error) of [`Lab::pca_baseline_json`], computed once per lab: the
    /// data and the split do not change.
    fn pca_baseline(&mut self) -> Result<(usize, f64), JsError> {
        let (session, views) = self.session_and_views();
        let k = bottleneck_width(&session.trainer.net);
        if let Some((components, e)) = views.pca_error.filter(|&(c, _)| c == k) {
            return Ok((components, e));
        }
        let (x, _) = session.rows_f64(session.held_out().0).map_err(js_error)?;
        let (train, _) = session.rows_f64(&session.train_rows).map_err(js_error)?;
        let e = pca_reconstruction_error(train.view(), x.view(), k, session.trainer.net.loss);
        views.pca_error = Some((k, e));
        Ok((k, e))
    }
}

#[wasm_bindgen]
impl Lab {
    /// Whether the targets are the inputs (problem "autoencoder"): the outputs are then
    /// no classes, though the rows keep theirs for colouring.
    pub fn autoencoder(&self) -> bool {
        self.session().autoencoder
    }

    /// Why the reconstructions cannot be shown for this lab (not an autoencoder, or the
    /// rows are not images), or undefined when they can.
    #[wasm_bindgen(js_name = reconstructionsUnavailable)]
    pub fn reconstructions_unavailable(&self) -> Option<String> {
        let s = self.session();
        unavailable(s.autoencoder, &s.data)
    }

    /// Reconstructs the first 8 held-out rows and `selected` with the shown weights;
    /// returns JSON `{"rows", "selected_added" (whether `selected` follows the held-out
    /// rows, not being one of the first 8), "errors" (each row's loss), "height", "width",
    /// "held_out" ("validation" or "training": which rows the mean is over),
    /// "mean_error", "pca": {"components", "error"}}`. The pixels are at
    /// `reconstructionsPtr`, `reconstructionsLen` bytes: per row, the input then the
    /// reconstruction, height x width RGBA each. Throws when
    /// `reconstructionsUnavailable` says why.
    #[wasm_bindgen(js_name = reconstructionsUpdate)]
    pub fn reconstructions_update(&mut self, selected: usize) -> Result<String, JsError> {
        let (session, views) = self.session_and_views();
        let net = session.network_f64();
        let (held_out, name) = session.held_out();
        let rows = shown_rows(held_out, session.data.rows(), selected);
        let r = &mut views.reconstructions;
        r.update(
            &net,
            &session.data,
            &session.transform,
            session.autoencoder,
            &rows,
        )
        .map_err(js_error)?;
        let (x, _) = session.rows_f64(held_out).map_err(js_error)?;
        let selected_added = rows.len() > SHOWN_ROWS.min(held_out.len());
        let mean = mean_error(&net, x.view()).map_err(js_error)?;
        let (k, pca) = self.pca_baseline()?;
        let r = &self.session_and_views().1.reconstructions;
        Ok(serde_json::json!({
            "rows": r.rows, "selected_added": selected_added, "errors": r.errors, "height": r.height, "width": r.width,
            "held_out": name, "mean_error": mean,
            "pca": {"components": k, "error": pca},
        })
        .to_string())
    }

    /// PCA's reconstruction error with as many components as the bottleneck has units,
    /// fitted on the training rows, over the validation rows (the training rows when
    /// none are held out), as JSON `{"components", "error"}`: the floor of a linear
    /// autoencoder, which the lesson's figure compares with the validation loss.
    #[wasm_bindgen(js_name = pcaBaseline)]
    pub fn pca_baseline_json(&mut self) -> Result<String, JsError> {
        let (components, error) = self.pca_baseline()?;
        Ok(serde_json::json!({"components": components, "error": error}).to_string())
    }

    /// Pointer to the reconstructions' RGBA pixels (see `reconstructionsUpdate`).
    #[wasm_bindgen(js_name = reconstructionsPtr)]
    pub fn reconstructions_ptr(&mut self) -> *const u8 {
        self.session_and_views().1.reconstructions.rgba.as_ptr()
    }

    /// Bytes at `reconstructionsPtr`.
    #[wasm_bindgen(js_name = reconstructionsLen)]
    pub fn reconstructions_len(&mut self) -> usize {
        self.session_and_views().1.reconstructions.rgba.len()
    }
}
