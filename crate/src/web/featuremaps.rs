//! The convolutional views' part of `Lab`: the shapes the network editor shows, the
//! feature maps of one image, a pixel's receptive field and its sum. The engine
//! computes them (`engine::views::featuremaps`); JavaScript paints.

use super::{js_error, Lab};
use crate::engine::ops::Shape;
use crate::engine::views::featuremaps::{pixel_sum, receptive_field};
use wasm_bindgen::prelude::*;

fn json<T: serde::Serialize>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen]
impl Lab {
    /// The input's shape and each layer's output shape, input side first, as JSON:
    /// `{"layers": [{"kind": "input", "shape": [1, 8, 8]}, {"kind": "conv2d", "shape":
    /// [8, 8, 8]}, ..., {"kind": "dense", "shape": [10]}], "text": "1×8×8 → 8×8×8 → ...
    /// → 10"}` (`Network::shapes`, the one list of them).
    #[wasm_bindgen(js_name = layerShapes)]
    pub fn layer_shapes(&self) -> Result<String, JsError> {
        let net = &self.session().trainer.net;
        let kinds = std::iter::once("input").chain(net.layers.iter().map(|op| op.kind()));
        let list: Vec<_> = kinds
            .zip(net.shapes())
            .map(|(kind, shape)| {
                let dims = match shape {
                    Shape::Features(n) => vec![n],
                    Shape::Image {
                        channels,
                        height,
                        width,
                    } => vec![channels, height, width],
                };
                serde_json::json!({"kind": kind, "shape": dims})
            })
            .collect::<Vec<_>>();
        json(&serde_json::json!({"layers": list, "text": net.shapes_text()}))
    }

    /// Recomputes the feature maps of data row `row` for the current weights; returns
    /// their layout as JSON: `{"stages": [{"layer", "kind", "channels", "height",
    /// "width", "offset", "min", "max"}], "scores": [...]}` (layer null for the input).
    /// The pixels are at `featureMapsPtr`, `featureMapsLen` f32.
    #[wasm_bindgen(js_name = featureMapsUpdate)]
    pub fn feature_maps_update(&mut self, row: usize) -> Result<String, JsError> {
        let (session, views) = self.session_and_views();
        let (x, _) = session.rows_f64(&[row]).map_err(js_error)?;
        let maps = &mut views.feature_maps;
        maps.update(&session.network_f64(), x.view())
            .map_err(js_error)?;
        json(maps)
    }

    /// Pointer to the feature maps' pixels (f32, channel-major, stage after stage).
    #[wasm_bindgen(js_name = featureMapsPtr)]
    pub fn feature_maps_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.feature_maps.values.as_ptr()
    }

    /// Number of f32 at `featureMapsPtr`.
    #[wasm_bindgen(js_name = featureMapsLen)]
    pub fn feature_maps_len(&mut self) -> usize {
        self.session_and_views().1.feature_maps.values.len()
    }

    /// The receptive field of pixel (y, x) of layer `layer`'s output (0-based), as JSON
    /// rectangles `{"y0", "x0", "y1", "x1"}` on the input and every image-shaped layer
    /// output up to it, input first.
    #[wasm_bindgen(js_name = receptiveField)]
    pub fn receptive_field(&self, layer: usize, y: usize, x: usize) -> Result<String, JsError> {
        let r = receptive_field(&self.session().trainer.net, layer, y, x).map_err(js_error)?;
        json(&r)
    }

    /// Pixel (y, x) of map `filter` of convolution layer `layer` for data row `row`,
    /// worked in f64: `{"dims": [C, KH, KW], "origin", "patch", "kernel", "products", "bias", "z",
    /// "activation", "a", "z_forward"}`.
    #[wasm_bindgen(js_name = convPixelSum)]
    pub fn conv_pixel_sum(
        &self,
        row: usize,
        layer: usize,
        filter: usize,
        y: usize,
        x: usize,
    ) -> Result<String, JsError> {
        let s = self.session();
        let (x_row, _) = s.rows_f64(&[row]).map_err(js_error)?;
        let net = s.network_f64();
        let trace = net.forward(x_row.view()).map_err(js_error)?;
        json(&pixel_sum(&net, &trace, layer, filter, y, x).map_err(js_error)?)
    }
}
