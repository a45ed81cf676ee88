//! Training curves drawn with plotters on a canvas: loss, accuracy and per-layer
//! gradient norms against epochs (or steps before the first epoch ends).

use crate::engine::grid::Palette;
use crate::engine::train::{History, Series};
use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
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

/// Height of an x-axis label area that holds the tick labels and, below them, the
/// axis description without the two touching, at `font` pixels.
pub(super) fn x_label_area(font: u32) -> u32 {
    font * 5 / 2 + 6
}

/// An axis value as a reader writes it: integers with thousands separators
/// ("50,000"), other values with at most four significant digits and no trailing
/// zeros, very small or large ones in exponent form ("1e-5").
pub(super) fn tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let a = v.abs();
    if (1.0..1e12).contains(&a) && v.fract() == 0.0 {
        let digits = format!("{}", a as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        return if v < 0.0 { format!("-{out}") } else { out };
    }
    if !(1e-3..1e6).contains(&a) {
        let e = format!("{v:.0e}");
        return e.replace("e-0", "e-").replace("e0", "e");
    }
    let text = format!("{:.*}", (3 - a.log10().floor() as i32).max(0) as usize, v);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    text
}

/// Ticks of a log axis from `lo` to `hi` (both positive): 1, 2 and 5 times the powers
/// of ten inside, thinned to the decades when there are more than seven, every digit
/// when there are fewer than three, so that even a range within one decade is labelled.
/// No two are closer than `spacing`, a fraction of the axis (a label's height over the
/// axis's, so that labels never touch).
pub(super) fn log_ticks(lo: f64, hi: f64, spacing: f64) -> Vec<f64> {
    let within = |digits: &[f64]| -> Vec<f64> {
        let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        (first..=last)
            // Divided for negative powers, so that 6e-1 is exactly 0.6.
            .flat_map(|k| {
                digits.iter().map(move |d| match k {
                    k if k < 0 => d / 10f64.powi(-k),
                    k => d * 10f64.powi(k),
                })
            })
            .filter(|v| (lo..=hi).contains(v))
            .collect()
    };
    let ticks = within(&[1.0, 2.0, 5.0]);
    let ticks = if ticks.len() > 7 {
        let decades = within(&[1.0]);
        let step = decades.len().div_ceil(6).max(1);
        decades.into_iter().step_by(step).collect()
    } else if ticks.len() < 3 {
        within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        ticks
    };
    // Of two labels too close (0.09 beside 0.1), the rounder one stays: a power of ten,
    // then 2 and 5 times one, then the others.
    let gap = (hi / lo).log10() * spacing;
    let roundness = |v: f64| match (v / 10f64.powf(v.log10().floor())).round() as u32 {
        1 => 0,
        2 | 5 => 1,
        _ => 2,
    };
    let mut by_roundness = ticks;
    by_roundness.sort_by_key(|&v| roundness(v));
    let mut kept: Vec<f64> = Vec::with_capacity(by_roundness.len());
    for t in by_roundness {
        if kept.iter().all(|&k| (t / k).log10().abs() >= gap) {
            kept.push(t);
        }
    }
    kept.sort_by(f64::total_cmp);
    kept
}

/// An epoch or step tick: integers only (a tick between two epochs gets no label).
fn epoch_tick(v: &f64) -> String {
    if v.fract() == 0.0 {
        tick(*v)
    } else {
        String::new()
    }
}

/// (x, y) points of a series, x in epochs (or steps), keeping only what the value
/// axis can show (positive values on a log axis).
fn points(s: &Series, log: bool) -> Vec<(f64, f64)> {
    let stride = s.stride() as f64;
    s.values()
        .iter()
        .enumerate()
        .map(|(i, &v)| ((i as f64 + 1.0) * stride, v))
        .filter(|&(_, v)| v.is_finite() && (!log || v > 0.0))
        .collect()
}

/// The curves a chart of `kind` shows, and whether x counts epochs (else steps).
fn curves(history: &History, kind: ChartKind, log: bool, palette: Palette) -> (Vec<Curve>, bool) {
    let per_epoch = !history.train_loss.values().is_empty();
    let c = |k: usize| rgb(palette.class_rgb(k));
    let pair = |train: &Series, val: &Series, log: bool| {
        vec![
            ("training".to_string(), points(train, log), c(1)),
            ("validation".to_string(), points(val, log), c(0)),
        ]
    };
    let curves = match kind {
        ChartKind::Loss if per_epoch => pair(&history.train_loss, &history.val_loss, log),
        ChartKind::Loss => vec![("batch".into(), points(&history.step_loss, log), c(1))],
        ChartKind::Accuracy => pair(&history.train_accuracy, &history.val_accuracy, false),
        ChartKind::Gradients => history
            .grad_norm
            .iter()
            .enumerate()
            .map(|(l, s)| (format!("layer {}", l + 1), points(s, log), c(l + 1)))
            .collect(),
    };
    (curves, per_epoch || kind != ChartKind::Loss)
}

/// Draws the chart; `scale` is the device-pixel ratio (fonts and lines scale with it).
/// `cursor` is the (step, epoch) of the moment the page shows from the run's timeline,
/// marked with a vertical line. The legend sits in a row above the plotted area; with
/// `log` the value axis is a log axis labelled in the values' own units; before any
/// value exists the chart says it is waiting for training.
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
    let log = log && kind != ChartKind::Accuracy;
    let (curves, per_epoch) = curves(history, kind, log, palette);
    let font = (12.0 * scale) as u32;
    let name = match kind {
        ChartKind::Loss => "loss",
        ChartKind::Accuracy => "accuracy",
        ChartKind::Gradients => "gradient norm",
    };
    if curves.iter().all(|c| c.1.is_empty()) {
        let (w, h) = root.dim_in_pixel();
        let text = format!("{name}: waiting for training (press Play or Step)");
        let style = TextStyle::from(("sans-serif", font).into_font())
            .color(&RGBColor(110, 116, 128))
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        root.draw(&Text::new(text, (w as i32 / 2, h as i32 / 2), style))
            .map_err(|e| e.to_string())?;
        return root.present().map_err(|e| e.to_string());
    }
    let legend_height = font + (8.0 * scale) as u32;
    let (top, body) = root.split_vertically(legend_height);
    legend(&top, &curves, font, scale)?;
    let (mut x1, mut y0, mut y1) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in curves.iter().flat_map(|c| c.1.iter()) {
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    // At least four epochs wide, so that the ticks fall on whole epochs.
    let x1 = x1.max(4.0);
    if kind == ChartKind::Accuracy {
        (y0, y1) = (y0.clamp(0.0, 0.5), 1.0);
    }
    let plot = Plot {
        curves,
        x1,
        x_label: if per_epoch { "epoch" } else { "step" },
        y_label: name,
        font,
        scale,
        cursor: cursor.map(|(step, epoch)| if per_epoch { epoch } else { step } as f64),
    };
    if log {
        plot.draw(&body, log_axis(y0, y1, body.dim_in_pixel().1, font))?;
    } else {
        let y1 = if y1 - y0 < 1e-9 { y0 + 1.0 } else { y1 };
        let range: RangedCoordf64 = (y0..y1 + 0.05 * (y1 - y0)).into();
        plot.draw(&body, range)?;
    }
    root.present().map_err(|e| e.to_string())
}

/// The curves' names in a row, each after a short line in its colour.
fn legend(
    area: &DrawingArea<CanvasBackend, Shift>,
    curves: &[Curve],
    font: u32,
    scale: f64,
) -> Result<(), String> {
    let style = TextStyle::from(("sans-serif", font).into_font()).color(&RGBColor(40, 44, 52));
    let mut x = (50.0 * scale) as i32;
    let y = area.dim_in_pixel().1 as i32 / 2;
    let width = (2.0 * scale).round() as u32;
    for (name, pts, color) in curves {
        if pts.is_empty() {
            continue;
        }
        let line = (16.0 * scale) as i32;
        area.draw(&PathElement::new(
            vec![(x, y), (x + line, y)],
            color.stroke_width(width),
        ))
        .map_err(|e| e.to_string())?;
        x += line + (4.0 * scale) as i32;
        let (w, _) = area
            .estimate_text_size(name, &style)
            .map_err(|e| e.to_string())?;
        area.draw(&Text::new(
            name.clone(),
            (x, y - font as i32 / 2),
            style.clone(),
        ))
        .map_err(|e| e.to_string())?;
        x += w as i32 + (14.0 * scale) as i32;
    }
    Ok(())
}

/// The log value axis of a loss chart: [y0, y1] widened by 15% each way, its labelled
/// key points spaced for `font` on a plot `height` pixels tall.
pub(super) fn log_axis(y0: f64, y1: f64, height: u32, font: u32) -> WithKeyPoints<LogCoord<f64>> {
    let (lo, hi) = (y0 / 1.15, y1 * 1.15);
    let range: LogCoord<f64> = (lo..hi).log_scale().into();
    let axis = f64::from(height) - f64::from(x_label_area(font));
    let spacing = (1.4 * f64::from(font) / axis.max(1.0)).min(0.5);
    range.with_key_points(log_ticks(lo, hi, spacing))
}

/// The axes every curves chart of the page draws on `area`: 0 to `x1` along x with
/// `x_labels` labels on whole numbers, the value axis `y` with 5, both named, in the
/// page's margins and grid.
pub(super) fn curve_axes<'a, Y>(
    area: &'a DrawingArea<CanvasBackend, Shift>,
    x1: f64,
    y: Y,
    (x_desc, y_desc): (&str, &str),
    x_labels: usize,
    font: u32,
    scale: f64,
) -> Result<ChartContext<'a, CanvasBackend, Cartesian2d<RangedCoordf64, Y>>, String>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left((6.0 * scale) as u32)
        .margin_right((10.0 * scale) as u32)
        .margin_bottom((4.0 * scale) as u32)
        .x_label_area_size(x_label_area(font))
        .y_label_area_size((50.0 * scale) as u32)
        .build_cartesian_2d::<RangedCoordf64, Y>((0.0..x1).into(), y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", font))
        .axis_desc_style(("sans-serif", font))
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(x_labels)
        .y_labels(5)
        .x_label_formatter(&epoch_tick)
        .y_label_formatter(&|v: &f64| tick(*v))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// A chart's curves and axes, drawn over any value axis (linear or log).
struct Plot {
    curves: Vec<Curve>,
    x1: f64,
    x_label: &'static str,
    y_label: &'static str,
    font: u32,
    scale: f64,
    cursor: Option<f64>,
}

impl Plot {
    fn draw<Y>(self, area: &DrawingArea<CanvasBackend, Shift>, y: Y) -> Result<(), String>
    where
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let (font, scale) = (self.font, self.scale);
        let (y0, y1) = (y.range().start, y.range().end);
        // About one epoch label per 90 CSS pixels: 5 on a laptop, more on a wide screen.
        let x_labels = ((area.dim_in_pixel().0 as f64 / (90.0 * scale)) as usize).clamp(3, 12);
        let mut chart = curve_axes(
            area,
            self.x1,
            y,
            (self.x_label, self.y_label),
            x_labels,
            font,
            scale,
        )?;
        let width = (2.0 * scale).round() as u32;
        if let Some(x) = self.cursor {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, y0), (x, y1)],
                    RGBColor(60, 60, 60).stroke_width(width.max(1)),
                )))
                .map_err(|e| e.to_string())?;
        }
        for (_, pts, color) in self.curves {
            if !pts.is_empty() {
                chart
                    .draw_series(LineSeries::new(pts, color.stroke_width(width)))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{log_ticks, tick};

    #[test]
    fn a_short_log_axis_keeps_its_labels_apart() {
        let ticks = log_ticks(0.087, 0.24, 0.15);
        assert_eq!(ticks, [0.1, 0.2]);
    }

    #[test]
    fn a_log_axis_is_labelled_inside_one_decade_and_over_many() {
        assert_eq!(log_ticks(0.42, 1.05, 0.1), [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        assert_eq!(
            log_ticks(0.085, 0.25, 0.1),
            [0.1, 0.2],
            "0.09 would touch 0.1"
        );
        assert_eq!(
            log_ticks(0.07, 0.25, 0.1),
            [0.07, 0.08, 0.1, 0.2],
            "0.09 goes, the others fit"
        );
        assert_eq!(
            log_ticks(0.01, 1.2, 0.1),
            [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
        );
        let wide = log_ticks(1e-8, 10.0, 0.1);
        assert!(wide.len() <= 7 && wide.len() >= 3, "{wide:?}");
        assert!(
            wide.iter().all(|v| v.log10().fract().abs() < 1e-9),
            "{wide:?}"
        );
    }

    #[test]
    fn ticks_read_as_a_person_writes_numbers() {
        for (v, want) in [
            (50000.0, "50,000"),
            (1234567.0, "1,234,567"),
            (0.0, "0"),
            (7.0, "7"),
            (-2500.0, "-2,500"),
            (0.5, "0.5"),
            (0.01, "0.01"),
            (0.123456, "0.1235"),
            (12.5, "12.5"),
            (0.0001, "1e-4"),
        ] {
            assert_eq!(tick(v), want, "{v}");
        }
    }
}
