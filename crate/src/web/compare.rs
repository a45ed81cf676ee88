//! With and without dropout and batch norm at the edge: the page's Lab writes the seed
//! (the network as its configuration starts it, the rows and the settings), a worker
//! trains the variants (`Comparison`), and the page draws their curves overlaid
//! (`Overlay`), all from the engine's histories.

use super::charts::{curve_axes, log_axis, white_canvas};
use super::js_error;
use super::lab::Lab;
use crate::engine::compare::{self, Curves};
use crate::engine::grid::Palette;
use crate::engine::seed;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde_json::json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// The legend labels of the variants a comparison would train for this network, as
    /// a JSON list: one entry ("as built") when it has no dropout or batch norm.
    #[wasm_bindgen(js_name = comparisonVariants)]
    pub fn comparison_variants(&self) -> String {
        let net = &self.session.trainer.net;
        let has = compare::has(net);
        let labels: Vec<&str> = compare::variants(net)
            .into_iter()
            .map(|v| v.label(has))
            .collect();
        json!(labels).to_string()
    }

    /// The seed of a comparison's worker (see `Comparison`): this network freshly
    /// initialised from its configuration, the training and validation rows, and the
    /// current training settings. The user's run is not part of it and is not touched.
    #[wasm_bindgen(js_name = comparisonSeed)]
    pub fn comparison_seed(&self) -> Result<Vec<u8>, JsError> {
        let start = compare::start(&self.session).map_err(js_error)?;
        Ok(seed::write(&start))
    }
}

/// The variants being trained, in the comparison's worker.
#[wasm_bindgen]
pub struct Comparison {
    inner: compare::Comparison,
}

#[wasm_bindgen]
impl Comparison {
    /// The variants of a `comparisonSeed`'s network, to train for `epochs` epochs each.
    /// Throws if the network has no dropout or batch norm, or the epochs are out of range.
    #[wasm_bindgen(constructor)]
    pub fn new(seed_bytes: &[u8], epochs: usize) -> Result<Comparison, JsError> {
        let base = seed::read(seed_bytes).map_err(js_error)?;
        let inner = compare::Comparison::new(&base, epochs).map_err(js_error)?;
        Ok(Comparison { inner })
    }

    /// Trains one epoch of the variant furthest behind; true when all are done. Throws
    /// (naming the variant) if one diverges.
    pub fn advance(&mut self) -> Result<bool, JsError> {
        self.inner.advance().map_err(js_error)
    }

    /// Epochs trained so far, over every variant.
    pub fn done(&self) -> usize {
        self.inner.done()
    }

    /// Epochs to train, over every variant.
    pub fn total(&self) -> usize {
        self.inner.total()
    }

    /// The curves so far, for `new Overlay(curves)` on the page.
    pub fn curves(&self) -> Vec<f64> {
        self.inner.write()
    }
}

/// A comparison's curves on the page: the overlaid charts and the final figures.
#[wasm_bindgen]
pub struct Overlay {
    curves: Vec<Curves>,
}

#[wasm_bindgen]
impl Overlay {
    /// Reads a `Comparison.curves()` buffer; throws if it is damaged.
    #[wasm_bindgen(constructor)]
    pub fn new(curves: &[f64]) -> Result<Overlay, JsError> {
        Ok(Overlay {
            curves: compare::read(curves).map_err(js_error)?,
        })
    }

    /// Each variant's label, epochs trained and last values, as JSON:
    /// `[{"label", "epochs", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}]`
    /// (null where a series is empty).
    pub fn summary(&self) -> String {
        let rows: Vec<_> = self
            .curves
            .iter()
            .map(|c| {
                json!({
                    "label": c.label(),
                    "epochs": c.train_loss.len(),
                    "train_loss": c.train_loss.last(),
                    "train_accuracy": c.train_accuracy.last(),
                    "val_loss": c.val_loss.last(),
                    "val_accuracy": c.val_accuracy.last(),
                })
            })
            .collect();
        json!(rows).to_string()
    }

    /// The value of series `name` ("train_loss", "train_accuracy", "val_loss",
    /// "val_accuracy") of variant `i` after `epoch` epochs (1-based); NaN if absent.
    pub fn value(&self, i: usize, name: &str, epoch: usize) -> f64 {
        self.curves
            .get(i)
            .and_then(|c| series(c, name))
            .and_then(|s| s.get(epoch.checked_sub(1)?))
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// RGB of variant `i`'s curves in `palette`.
    pub fn colour(&self, i: usize, palette: &str) -> Result<Vec<u8>, JsError> {
        let p = Palette::parse(palette).map_err(js_error)?;
        let c = self
            .curves
            .get(i)
            .ok_or_else(|| JsError::new(&format!("there is no variant {i}")))?;
        Ok(colour(p, c).to_vec())
    }

    /// Draws `kind` ("loss" or "accuracy") for every variant: training solid, validation
    /// dashed, each variant in its colour, with the legend above. `scale` is the
    /// device-pixel ratio; `log` puts the loss on a log axis.
    pub fn draw(
        &self,
        canvas: web_sys::HtmlCanvasElement,
        kind: &str,
        log: bool,
        palette: &str,
        scale: f64,
    ) -> Result<(), JsError> {
        let p = Palette::parse(palette).map_err(js_error)?;
        let (train, val, name) = match kind {
            "loss" => ("train_loss", "val_loss", "loss"),
            "accuracy" => ("train_accuracy", "val_accuracy", "accuracy"),
            _ => return Err(JsError::new(&format!("unknown chart \"{kind}\""))),
        };
        draw(
            canvas,
            &self.curves,
            (train, val, name),
            log && kind == "loss",
            p,
            scale,
        )
        .map_err(|e| JsError::new(&format!("chart: {e}")))
    }
}

fn series<'a>(c: &'a Curves, name: &str) -> Option<&'a Vec<f64>> {
    match name {
        "train_loss" => Some(&c.train_loss),
        "train_accuracy" => Some(&c.train_accuracy),
        "val_loss" => Some(&c.val_loss),
        "val_accuracy" => Some(&c.val_accuracy),
        _ => None,
    }
}

/// A variant's colour, by what it is ("as built" always the same hue): the palette's
/// class hues, blue first.
fn colour(p: Palette, c: &Curves) -> [u8; 3] {
    p.class_rgb([1, 0, 2, 3][c.label_index])
}

type Series<'a> = (&'a str, &'a str, &'static str);

/// A variant's colour, training points and validation points.
type Line = (RGBColor, Vec<(f64, f64)>, Vec<(f64, f64)>);

/// Curves' stroke width at device-pixel ratio `scale`.
fn line_width(scale: f64) -> u32 {
    (2.0 * scale).round().max(1.0) as u32
}

/// The overlaid chart.
fn draw(
    canvas: web_sys::HtmlCanvasElement,
    curves: &[Curves],
    (train, val, name): Series,
    log: bool,
    p: Palette,
    scale: f64,
) -> Result<(), String> {
    let root = white_canvas(canvas)?;
    let font = (12.0 * scale) as u32;
    let lines: Vec<Line> = curves
        .iter()
        .map(|c| {
            let pts = |s: Option<&Vec<f64>>| -> Vec<(f64, f64)> {
                s.map(|s| {
                    s.iter()
                        .enumerate()
                        .map(|(i, &v)| ((i + 1) as f64, v))
                        .filter(|&(_, v)| v.is_finite() && (!log || v > 0.0))
                        .collect()
                })
                .unwrap_or_default()
            };
            let [r, g, b] = colour(p, c);
            (
                RGBColor(r, g, b),
                pts(series(c, train)),
                pts(series(c, val)),
            )
        })
        .collect();
    let all = || lines.iter().flat_map(|l| l.1.iter().chain(&l.2));
    if all().next().is_none() {
        return root.present().map_err(|e| e.to_string());
    }
    let legend_rows = 2;
    let legend_height = legend_rows * (font + (6.0 * scale) as u32) + (4.0 * scale) as u32;
    let (top, body) = root.split_vertically(legend_height);
    legend(&top, curves, &lines, font, scale)?;
    let x1 = all().map(|q| q.0).fold(4.0, f64::max);
    let (mut y0, mut y1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), q| {
        (a.min(q.1), b.max(q.1))
    });
    if name == "accuracy" {
        (y0, y1) = (y0.clamp(0.0, 0.5), 1.0);
    }
    if y1 - y0 < 1e-9 {
        y1 = y0 + 1.0;
    }
    let name = if log { "loss (log scale)" } else { name };
    if log {
        let y = log_axis(y0, y1, body.dim_in_pixel().1, font);
        plot(&body, y, x1, &lines, name, font, scale)?;
    } else {
        let y: RangedCoordf64 = (y0..y1 + 0.04 * (y1 - y0)).into();
        plot(&body, y, x1, &lines, name, font, scale)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// The axes and the lines, over a linear or log value axis.
fn plot<Y>(
    area: &DrawingArea<CanvasBackend, Shift>,
    y: Y,
    x1: f64,
    lines: &[Line],
    name: &str,
    font: u32,
    scale: f64,
) -> Result<(), String>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = curve_axes(area, x1, y, ("epoch", name), 6, font, scale)?;
    let width = line_width(scale);
    let dash = (6.0 * scale) as u32;
    for (colour, train_pts, val_pts) in lines {
        chart
            .draw_series(LineSeries::new(
                train_pts.clone(),
                colour.stroke_width(width),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(DashedLineSeries::new(
                val_pts.clone(),
                dash,
                dash * 2 / 3,
                colour.stroke_width(width),
            ))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Two rows: each variant's colour and label, then the line styles' key.
fn legend(
    area: &DrawingArea<CanvasBackend, Shift>,
    curves: &[Curves],
    lines: &[Line],
    font: u32,
    scale: f64,
) -> Result<(), String> {
    let width = line_width(scale);
    let ink = RGBColor(40, 44, 52);
    let style = TextStyle::from(("sans-serif", font).into_font()).color(&ink);
    let row = (font + (6.0 * scale) as u32) as i32;
    let line = (18.0 * scale) as i32;
    let gap = (4.0 * scale) as i32;
    let put = |x: &mut i32, y: i32, colour: RGBColor, dashed: bool, text: &str| {
        let segs: Vec<(i32, i32)> = if dashed {
            let d = line / 3;
            vec![(0, d), (d * 3 / 2, line)]
        } else {
            vec![(0, line)]
        };
        for (a, b) in segs {
            area.draw(&PathElement::new(
                vec![(*x + a, y), (*x + b, y)],
                colour.stroke_width(width),
            ))
            .map_err(|e| e.to_string())?;
        }
        *x += line + gap;
        let (w, _) = area
            .estimate_text_size(text, &style)
            .map_err(|e| e.to_string())?;
        area.draw(&Text::new(
            text.to_string(),
            (*x, y - font as i32 / 2),
            style.clone(),
        ))
        .map_err(|e| e.to_string())?;
        *x += w as i32 + (14.0 * scale) as i32;
        Ok::<(), String>(())
    };
    let left = (50.0 * scale) as i32;
    let mut x = left;
    for (c, (colour, _, _)) in curves.iter().zip(lines) {
        put(&mut x, row / 2 + gap, *colour, false, c.label())?;
    }
    let mut x = left;
    let y = row + row / 2 + gap;
    put(&mut x, y, ink, false, "training (after each epoch)")?;
    put(&mut x, y, ink, true, "validation")?;
    Ok(())
}
