//! Training curves drawn with plotters on a canvas: loss, accuracy and per-layer
//! gradient norms against epochs (or steps before the first epoch ends).

use crate::engine::grid::Palette;
use crate::engine::train::{History, Series};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Which curves a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Training and validation cost.
    Loss,
    /// Training and validation accuracy.
    Accuracy,
    /// Mean gradient norm of each layer per epoch.
    Gradients,
}

impl ChartKind {
    /// Parses loss, accuracy or gradients.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "loss" => Some(ChartKind::Loss),
            "accuracy" => Some(ChartKind::Accuracy),
            "gradients" => Some(ChartKind::Gradients),
            _ => None,
        }
    }
}

/// A named line of (x, y) points in a colour.
type Curve = (String, Vec<(f64, f64)>, RGBColor);

/// A plotters drawing area over `canvas`, cleared to white.
pub(super) fn white_canvas(
    canvas: HtmlCanvasElement,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, String> {
    let backend =
        CanvasBackend::with_canvas_object(canvas).ok_or("no 2-D context on the canvas")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    Ok(root)
}

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// (x, y) points of a series, x in epochs (or steps), skipping what a log axis cannot show.
fn points(s: &Series, log: bool) -> Vec<(f64, f64)> {
    let stride = s.stride() as f64;
    s.values()
        .iter()
        .enumerate()
        .map(|(i, &v)| ((i as f64 + 1.0) * stride, if log { v.log10() } else { v }))
        .filter(|(_, v)| v.is_finite())
        .collect()
}

/// Draws the chart; `scale` is the device-pixel ratio (fonts and lines scale with it).
/// `cursor` is the (step, epoch) of the moment the page shows from the run's timeline,
/// marked with a vertical line.
pub fn draw(
    canvas: HtmlCanvasElement,
    history: &History,
    kind: ChartKind,
    log: bool,
    palette: Palette,
    scale: f64,
    cursor: Option<(u64, u64)>,
) -> Result<(), String> {
    let root = white_canvas(canvas)?;
    let per_epoch = !history.train_loss.values().is_empty();
    let mut curves: Vec<Curve> = Vec::new();
    let log = log && kind != ChartKind::Accuracy;
    match kind {
        ChartKind::Loss if per_epoch => {
            curves.push((
                "training".into(),
                points(&history.train_loss, log),
                rgb(palette.class_rgb(1)),
            ));
            curves.push((
                "validation".into(),
                points(&history.val_loss, log),
                rgb(palette.class_rgb(0)),
            ));
        }
        ChartKind::Loss => {
            curves.push((
                "batch".into(),
                points(&history.step_loss, log),
                rgb(palette.class_rgb(1)),
            ));
        }
        ChartKind::Accuracy => {
            curves.push((
                "training".into(),
                points(&history.train_accuracy, false),
                rgb(palette.class_rgb(1)),
            ));
            curves.push((
                "validation".into(),
                points(&history.val_accuracy, false),
                rgb(palette.class_rgb(0)),
            ));
        }
        ChartKind::Gradients => {
            for (l, s) in history.grad_norm.iter().enumerate() {
                curves.push((
                    format!("layer {}", l + 1),
                    points(s, log),
                    rgb(palette.class_rgb(l + 1)),
                ));
            }
        }
    }
    let all = curves.iter().flat_map(|c| c.1.iter());
    let (mut x1, mut y0, mut y1) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in all {
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if kind == ChartKind::Accuracy {
        (y0, y1) = (y0.clamp(0.0, 0.5), 1.0);
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if y1 - y0 < 1e-9 {
        y1 = y0 + 1.0;
    }
    let font = (12.0 * scale) as u32;
    let x_label = if per_epoch || kind != ChartKind::Loss {
        "epoch"
    } else {
        "step"
    };
    let y_label = match (kind, log) {
        (ChartKind::Loss, false) => "loss",
        (ChartKind::Loss, true) => "log10 loss",
        (ChartKind::Accuracy, _) => "accuracy",
        (ChartKind::Gradients, false) => "gradient norm",
        (ChartKind::Gradients, true) => "log10 gradient norm",
    };
    let mut chart = ChartBuilder::on(&root)
        .margin((6.0 * scale) as u32)
        .x_label_area_size((26.0 * scale) as u32)
        .y_label_area_size((44.0 * scale) as u32)
        .build_cartesian_2d::<RangedCoordf64, RangedCoordf64>(
            (0.0..x1).into(),
            (y0..y1 + 0.05 * (y1 - y0)).into(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", font))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(5)
        .y_labels(5)
        .draw()
        .map_err(|e| e.to_string())?;
    let width = (2.0 * scale).round() as u32;
    if let Some((step, epoch)) = cursor {
        let x = if x_label == "step" { step } else { epoch } as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, y0), (x, y1 + 0.05 * (y1 - y0))],
                RGBColor(60, 60, 60).stroke_width(width.max(1)),
            )))
            .map_err(|e| e.to_string())?;
    }
    for (name, pts, color) in curves {
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(width)))
            .map_err(|e| e.to_string())?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(width))
            });
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", font))
        .background_style(WHITE.mix(0.8))
        .border_style(RGBColor(200, 200, 200))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
