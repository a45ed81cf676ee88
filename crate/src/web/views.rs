//! The inspection views' part of `Lab`: hidden representations and first-layer
//! filters. The engine computes every coordinate and pixel; JavaScript reads them as
//! typed-array views through the `*Ptr` getters and draws.

use super::{js_error, Lab};
use crate::engine::grid::Palette;
use crate::engine::views::filters::TileColour;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// Computes every row's position in layer `layer` (0-based, the output layer
    /// last) for the current weights: the activations themselves for 1 to 3 units, a
    /// 2-D PCA projection with stable axes for more.
    #[wasm_bindgen(js_name = reprUpdate)]
    pub fn repr_update(&mut self, layer: usize) -> Result<(), JsError> {
        let (session, views) = self.session_and_views();
        let bounds = session.grid.as_ref().map(|g| g.bounds);
        views
            .representation
            .update(
                &session.trainer.net,
                &session.data,
                &session.transform,
                bounds,
                layer,
            )
            .map_err(js_error)
    }

    /// The placement: "line" (1 unit), "plane" (2), "space" (3) or "pca" (more); empty
    /// before the first `reprUpdate`.
    #[wasm_bindgen(js_name = reprMode)]
    pub fn repr_mode(&mut self) -> String {
        let r = &self.session_and_views().1.representation;
        r.mode().map_or("", |m| m.name()).into()
    }

    /// Coordinates per point: 2, or 3 for "space".
    #[wasm_bindgen(js_name = reprDims)]
    pub fn repr_dims(&mut self) -> usize {
        self.session_and_views().1.representation.dims()
    }

    /// Number of points composed (the data's rows).
    #[wasm_bindgen(js_name = reprPointCount)]
    pub fn repr_point_count(&mut self) -> usize {
        let r = &self.session_and_views().1.representation;
        r.points().len() / r.dims()
    }

    /// Pointer to the composed positions: f32, rows x dims.
    #[wasm_bindgen(js_name = reprPointsPtr)]
    pub fn repr_points_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.representation.points().as_ptr()
    }

    /// Pointer to the composed warped grid: f32, lines x samples x dims.
    #[wasm_bindgen(js_name = reprGridPtr)]
    pub fn repr_grid_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.representation.grid().as_ptr()
    }

    /// Lines of the warped grid (0 when there is none: data not 2-D, or a line plot).
    #[wasm_bindgen(js_name = reprGridLines)]
    pub fn repr_grid_lines(&mut self) -> usize {
        self.session_and_views().1.representation.grid_lines()
    }

    /// Points along each grid line.
    #[wasm_bindgen(js_name = reprGridSamples)]
    pub fn repr_grid_samples() -> usize {
        crate::engine::views::representation::GRID_SAMPLES
    }

    /// Pointer to 6 f32: min and max of x, y and z over the composed points.
    #[wasm_bindgen(js_name = reprBoundsPtr)]
    pub fn repr_bounds_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.representation.bounds().as_ptr()
    }

    /// Fills the buffers to draw, moved from the input space (t = 0) to the layer's
    /// space (t = 1).
    #[wasm_bindgen(js_name = reprCompose)]
    pub fn repr_compose(&mut self, t: f64) -> Result<(), JsError> {
        self.session_and_views()
            .1
            .representation
            .compose(t as f32)
            .map_err(js_error)
    }

    /// Caption of axis `k` (0 to 2) of the layer's space, or of the input space when
    /// `input` is set. Feature names are user text: show them as text.
    #[wasm_bindgen(js_name = reprAxisLabel)]
    pub fn repr_axis_label(&mut self, k: usize, input: bool) -> String {
        self.session_and_views()
            .1
            .representation
            .axis_label(k, input)
    }

    /// Recomputes the first-layer filters. Image data: a mosaic of one tile per unit
    /// (its layout from the engine: `filtersTileAt`, `filtersTileRect`), coloured
    /// "grey" (min to max per tile) or "signed" (the palette's diverging colours);
    /// returns "images". 2-D data: every unit's zero line
    /// and weight vector; returns "lines". Other data: returns "".
    #[wasm_bindgen(js_name = filtersUpdate)]
    pub fn filters_update(&mut self, colour: &str, palette: &str) -> Result<String, JsError> {
        let colour = match colour {
            "grey" => TileColour::Grey,
            "signed" => TileColour::Signed(Palette::parse(palette).map_err(js_error)?),
            other => {
                return Err(JsError::new(&format!(
                    "unknown tile colouring \"{other}\" (known: grey, signed)"
                )))
            }
        };
        let (session, views) = self.session_and_views();
        let net = &session.trainer.net;
        if let Some(shape) = session.data.image_shape {
            views.filters.images(net, shape, colour).map_err(js_error)?;
            return Ok("images".into());
        }
        if let Some(grid) = session.grid.as_ref() {
            views
                .filters
                .lines(net, &session.transform, grid.bounds)
                .map_err(js_error)?;
            return Ok("lines".into());
        }
        Ok(String::new())
    }

    /// Pointer to the filters mosaic's RGBA bytes (`filtersWidth` x `filtersHeight`).
    #[wasm_bindgen(js_name = filtersPtr)]
    pub fn filters_ptr(&mut self) -> *const u8 {
        self.session_and_views().1.filters.rgba.as_ptr()
    }

    /// Width of the filters mosaic in pixels.
    #[wasm_bindgen(js_name = filtersWidth)]
    pub fn filters_width(&mut self) -> usize {
        self.session_and_views().1.filters.width
    }

    /// Height of the filters mosaic in pixels.
    #[wasm_bindgen(js_name = filtersHeight)]
    pub fn filters_height(&mut self) -> usize {
        self.session_and_views().1.filters.height
    }

    /// The unit whose tile holds mosaic pixel (x, y), or -1 (a gap, or outside).
    #[wasm_bindgen(js_name = filtersTileAt)]
    pub fn filters_tile_at(&mut self, x: f64, y: f64) -> i32 {
        let f = &self.session_and_views().1.filters;
        f.tile_at(x, y).map_or(-1, |u| u as i32)
    }

    /// [x, y, width, height] of unit `unit`'s tile in mosaic pixels (empty if none).
    #[wasm_bindgen(js_name = filtersTileRect)]
    pub fn filters_tile_rect(&mut self, unit: usize) -> Vec<u32> {
        let f = &self.session_and_views().1.filters;
        f.tile_rect(unit)
            .map_or(Vec::new(), |r| r.iter().map(|&v| v as u32).collect())
    }

    /// Pixels between tiles (and around the mosaic).
    #[wasm_bindgen(js_name = filtersGap)]
    pub fn filters_gap() -> usize {
        crate::engine::views::filters::GAP
    }

    /// Pointer to each unit's smallest and largest weight: f32, units x 2.
    #[wasm_bindgen(js_name = filtersRangesPtr)]
    pub fn filters_ranges_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.filters.ranges.as_ptr()
    }

    /// Number of zero-line segments (2-D data).
    #[wasm_bindgen(js_name = filtersSegmentCount)]
    pub fn filters_segment_count(&mut self) -> usize {
        self.session_and_views().1.filters.segments.len() / 5
    }

    /// Pointer to the segments: f32 [unit, x0, y0, x1, y1] each, raw input coordinates.
    #[wasm_bindgen(js_name = filtersSegmentsPtr)]
    pub fn filters_segments_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.filters.segments.as_ptr()
    }

    /// Pointer to the arrows: f32 [found, x, y, gx, gy] per unit, the weight vector
    /// (dz/dx in raw coordinates) at a point of the unit's zero line.
    #[wasm_bindgen(js_name = filtersArrowsPtr)]
    pub fn filters_arrows_ptr(&mut self) -> *const f32 {
        self.session_and_views().1.filters.arrows.as_ptr()
    }
}
