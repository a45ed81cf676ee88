//! Inspection entry points of `Lab`: the ledger, the chain rule of a weight, nudge
//! curves (drawn with plotters), the per-example gradient check and the collapse of an
//! all-identity network. All in f64; JSON out, since they run on demand, not per frame.

use super::charts::white_canvas;
use super::js_error;
use super::lab::Lab;
use crate::engine::gradcheck;
use crate::engine::grid::Palette;
use crate::engine::ledger::{self, Param};
use crate::engine::ledger_tied::{tied_paths, tied_to};
use crate::engine::{collapse, nudge};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde_json::json;
use wasm_bindgen::prelude::*;

fn param(layer: usize, unit: usize, input: i32) -> Param {
    Param {
        layer,
        unit,
        input: usize::try_from(input).ok(),
    }
}

#[wasm_bindgen]
impl Lab {
    /// The whole forward and backward pass of data row `row` as JSON (see the engine's
    /// `ledger::ledger`), with the plain gradient step at the learning rate in force
    /// unless `update` is false, and each layer's bias trick unless `augmented` is
    /// false: `ledger(row)` gives everything, and a view that refreshes the ledger while
    /// training asks only for what it shows.
    pub fn ledger(
        &self,
        row: usize,
        update: Option<bool>,
        augmented: Option<bool>,
    ) -> Result<String, JsError> {
        let s = self.session();
        let (x, y) = s.rows_f64(&[row]).map_err(js_error)?;
        let extras = ledger::Extras {
            update: update.unwrap_or(true).then(|| s.trainer.learning_rate()),
            augmented: augmented.unwrap_or(true),
        };
        let v = ledger::ledger(&s.network_f64(), x.view(), y.view(), extras).map_err(js_error)?;
        Ok(v.to_string())
    }

    /// dC/dw = dC/da * da/dz * dz/dw for W[layer][unit][input] (input -1: the bias) on
    /// data row `row`, with the training batch's dC/dw, as JSON.
    pub fn chain(
        &self,
        layer: usize,
        unit: usize,
        input: i32,
        row: usize,
    ) -> Result<String, JsError> {
        let s = self.session();
        let net = s.network_f64();
        let (x, y) = s.rows_f64(&[row]).map_err(js_error)?;
        let (bx, by) = s.rows_f64(&s.train_rows).map_err(js_error)?;
        let v = ledger::chain(
            &net,
            (x.view(), y.view()),
            (bx.view(), by.view()),
            param(layer, unit, input),
        )
        .map_err(js_error)?;
        Ok(v.to_string())
    }

    /// The dense layers whose W a tied layer uses, as JSON `[{"layer", "units",
    /// "inputs", "tied": [T...]}]` (layers from 0): the weights that have two paths.
    #[wasm_bindgen(js_name = tiedWeights)]
    pub fn tied_weights(&self) -> String {
        let net = &self.session().trainer.net;
        let list: Vec<_> = (0..net.layers.len())
            .filter_map(|l| {
                let tied = tied_to(net, l);
                let w = net.layers[l].weights();
                (!tied.is_empty()).then(
                    || json!({ "layer": l, "units": w.nrows(), "inputs": w.ncols(), "tied": tied }),
                )
            })
            .collect();
        json!(list).to_string()
    }

    /// The two paths to W[layer][unit][input] of a dense layer a tied layer uses, on
    /// data row `row` and on the training batch, each with backprop's total and its
    /// gradient check (see the engine's `ledger_tied::tied_paths`), as JSON
    /// `{"example": {...}, "batch": {...}}`.
    #[wasm_bindgen(js_name = tiedPaths)]
    pub fn tied_paths(
        &self,
        layer: usize,
        unit: usize,
        input: usize,
        row: usize,
    ) -> Result<String, JsError> {
        let s = self.session();
        let net = s.network_f64();
        let p = param(layer, unit, input as i32);
        let (x, y) = s.rows_f64(&[row]).map_err(js_error)?;
        let (bx, by) = s.rows_f64(&s.train_rows).map_err(js_error)?;
        let h = gradcheck::DEFAULT_EPSILON;
        let example = tied_paths(&net, x.view(), y.view(), p, h).map_err(js_error)?;
        let batch = tied_paths(&net, bx.view(), by.view(), p, h).map_err(js_error)?;
        Ok(json!({ "example": example, "batch": batch }).to_string())
    }

    /// Backprop against central differences on data row `row`, per tensor, as JSON
    /// `[{"layer", "tensor", "max_relative_error"}]`.
    #[wasm_bindgen(js_name = gradientCheckRow)]
    pub fn gradient_check_row(&self, row: usize, epsilon: f64) -> Result<String, JsError> {
        let s = self.session();
        let (x, y) = s.rows_f64(&[row]).map_err(js_error)?;
        let checks =
            gradcheck::check(&s.network_f64(), x.view(), y.view(), epsilon).map_err(js_error)?;
        let v: Vec<_> = checks
            .iter()
            .map(|c| json!({ "layer": c.layer + 1, "tensor": c.tensor, "max_relative_error": c.max_relative_error }))
            .collect();
        Ok(json!(v).to_string())
    }

    /// W* and b* of an all-identity network, and the largest difference between the
    /// network's outputs and W* x + b* over every data row, as JSON
    /// `{"weights": [[...]], "biases": [...], "max_difference": d}`.
    #[wasm_bindgen(js_name = collapseAffine)]
    pub fn collapse_affine(&self) -> Result<String, JsError> {
        let s = self.session();
        let net = s.network_f64();
        let (w, b) = collapse::collapse(&net).map_err(js_error)?;
        let all: Vec<usize> = (0..s.data.rows()).collect();
        let (x, _) = s.rows_f64(&all).map_err(js_error)?;
        let direct = net.forward(x.view()).map_err(js_error)?;
        let affine = x.dot(&w.t()) + &b;
        let diff = direct
            .output()
            .iter()
            .zip(affine.iter())
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        Ok(json!({
            "weights": w.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            "biases": b.to_vec(),
            "max_difference": diff,
        })
        .to_string())
    }

    /// Sweeps a parameter over w + d, d in [-half_width, half_width] at `points`
    /// values, on data row `row` (or every training row when `row` is -1), draws the
    /// three panels z, a and C against w + d on `canvas` (the current value marked,
    /// the tangent of slope dC/dw on C), and returns JSON of the numbers.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = drawNudge)]
    pub fn draw_nudge(
        &self,
        canvas: web_sys::HtmlCanvasElement,
        layer: usize,
        unit: usize,
        input: i32,
        row: i32,
        half_width: f64,
        points: usize,
        palette: &str,
        scale: f64,
    ) -> Result<String, JsError> {
        let s = self.session();
        let idx: Vec<usize> = match usize::try_from(row) {
            Ok(r) => vec![r],
            Err(_) => s.train_rows.clone(),
        };
        let (x, y) = s.rows_f64(&idx).map_err(js_error)?;
        let p = param(layer, unit, input);
        let n = nudge::sweep(&s.network_f64(), x.view(), y.view(), p, half_width, points)
            .map_err(js_error)?;
        let pal = Palette::parse(palette).map_err(js_error)?;
        draw_panels(canvas, &n, pal, scale)
            .map_err(|e| JsError::new(&format!("nudge chart: {e}")))?;
        Ok(json!({
            "value": n.value, "cost": n.cost_now, "backprop": n.backprop, "numeric": n.numeric,
            "w": n.w, "z": n.z, "a": n.a, "costs": n.cost,
        })
        .to_string())
    }
}

fn draw_panels(
    canvas: web_sys::HtmlCanvasElement,
    n: &nudge::Nudge,
    palette: Palette,
    scale: f64,
) -> Result<(), String> {
    let root = white_canvas(canvas)?;
    let panels = root.split_evenly((1, 3));
    let font = (12.0 * scale) as u32;
    let c = palette.class_rgb(1);
    let line = RGBColor(c[0], c[1], c[2]);
    let t = palette.class_rgb(0);
    let tangent = RGBColor(t[0], t[1], t[2]);
    let x0 = n.w.first().copied().unwrap_or(-1.0);
    let x1 = n.w.last().copied().unwrap_or(1.0);
    let series = [
        ("z of the unit", &n.z, n.z_now),
        ("output a", &n.a, n.a_now),
        ("cost C", &n.cost, n.cost_now),
    ];
    for (panel, (name, ys, now)) in panels.iter().zip(series) {
        let finite: Vec<f64> = ys.iter().copied().filter(|v| v.is_finite()).collect();
        let (mut lo, mut hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.08).max(1e-9);
        let mut chart = ChartBuilder::on(panel)
            .caption(name, ("sans-serif", font + 2))
            .margin((6.0 * scale) as u32)
            .x_label_area_size(super::charts::x_label_area(font))
            .y_label_area_size((44.0 * scale) as u32)
            .build_cartesian_2d::<RangedCoordf64, RangedCoordf64>(
                (x0..x1).into(),
                (lo - pad..hi + pad).into(),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("w + d")
            .label_style(("sans-serif", font))
            .axis_desc_style(("sans-serif", font))
            .x_label_formatter(&|v: &f64| super::charts::tick(*v))
            .y_label_formatter(&|v: &f64| super::charts::tick(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .x_labels(5)
            .y_labels(5)
            .draw()
            .map_err(|e| e.to_string())?;
        let pts: Vec<(f64, f64)> =
            n.w.iter()
                .copied()
                .zip(ys.iter().copied())
                .filter(|p| p.1.is_finite())
                .collect();
        let width = (2.0 * scale).round() as u32;
        chart
            .draw_series(LineSeries::new(pts, line.stroke_width(width)))
            .map_err(|e| e.to_string())?;
        if name == "cost C" {
            let tan = [
                (x0, n.cost_now + n.backprop * (x0 - n.value)),
                (x1, n.cost_now + n.backprop * (x1 - n.value)),
            ];
            let clipped: Vec<(f64, f64)> = tan
                .iter()
                .map(|&(x, y)| (x, y.clamp(lo - pad, hi + pad)))
                .collect();
            chart
                .draw_series(LineSeries::new(clipped, tangent.stroke_width(width)))
                .map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(std::iter::once(Circle::new(
                (n.value, now),
                (4.0 * scale) as u32,
                BLACK.filled(),
            )))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
