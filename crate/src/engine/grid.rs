//! Heatmaps over the 2-D input plane: the network's prediction and every hidden unit's
//! activation at each cell of a square grid, computed in one batched forward pass and
//! coloured here, so the page only paints RGBA pixels.

use super::dataset::features::{Derived, InputTransform};
use super::dataset::{Dataset, Target};
use super::error::{EngineError, Result};
use super::network::{Network, Trace};
use ndarray::Array2;

/// Largest grid side the page may ask for.
pub const MAX_SIDE: usize = 200;

/// The colours of classes and of signed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    /// Orange and blue as TensorFlow Playground, then more hues for more classes.
    Standard,
    /// Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies.
    ColorBlind,
}

/// Ten colours a palette, one per class of the digits; more classes cycle.
const CLASS_COLOURS: usize = 10;

const STANDARD: [[u8; 3]; CLASS_COLOURS] = [
    [245, 147, 34],
    [8, 119, 189],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];
/// Okabe and Ito's eight, then a mid grey and a dark purple for the digits' last two.
const OKABE_ITO: [[u8; 3]; CLASS_COLOURS] = [
    [230, 159, 0],
    [86, 180, 233],
    [0, 158, 115],
    [240, 228, 66],
    [0, 114, 178],
    [213, 94, 0],
    [204, 121, 167],
    [0, 0, 0],
    [153, 153, 153],
    [102, 51, 153],
];

impl Palette {
    /// Parses "standard" or "colorblind".
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "standard" => Ok(Palette::Standard),
            "colorblind" => Ok(Palette::ColorBlind),
            _ => Err(EngineError::Model(format!(
                "unknown palette \"{name}\" (known: standard, colorblind)"
            ))),
        }
    }

    /// RGB of class `k` (cycling after ten).
    pub fn class_rgb(self, k: usize) -> [u8; 3] {
        match self {
            Palette::Standard => STANDARD[k % CLASS_COLOURS],
            Palette::ColorBlind => OKABE_ITO[k % CLASS_COLOURS],
        }
    }

    /// The colours of negative and positive values (class 0 and class 1).
    fn poles(self) -> ([u8; 3], [u8; 3]) {
        (self.class_rgb(0), self.class_rgb(1))
    }

    /// Diverging colour of t in [-1, 1]: negative pole, white at 0, positive pole.
    pub fn signed(self, t: f32) -> [u8; 3] {
        let (neg, pos) = self.poles();
        let t = if t.is_finite() {
            t.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        mix([255, 255, 255], if t < 0.0 { neg } else { pos }, t.abs())
    }
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// Where values sit on the diverging scale: `centre` white, `centre - half` the
/// negative pole, `centre + half` the positive one. Targets that take both signs are
/// centred on 0 (so the sign reads as the colour, as in the Playground); targets all
/// of one sign on the middle of their range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueScale {
    /// The value drawn white.
    pub centre: f64,
    /// Distance from the centre to either pole (positive).
    pub half: f64,
}

impl ValueScale {
    /// The scale of a regression target's first column, or None for classes.
    pub fn of(target: &Target) -> Option<Self> {
        let Target::Values { y, .. } = target else {
            return None;
        };
        let (lo, hi) = y
            .column(0)
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        if lo > hi {
            return Some(ValueScale {
                centre: 0.0,
                half: 1.0,
            });
        }
        if lo < 0.0 && hi > 0.0 {
            let half = hi.max(-lo);
            return Some(ValueScale {
                centre: 0.0,
                half: nice_ceiling(half),
            });
        }
        let centre = (lo + hi) / 2.0;
        let half = ((hi - lo) / 2.0).max(1e-9);
        Some(ValueScale { centre, half })
    }

    /// Position of `v` on the scale, in [-1, 1] (clamped; 0 for a non-finite value).
    pub fn t(&self, v: f64) -> f32 {
        if !v.is_finite() {
            return 0.0;
        }
        ((v - self.centre) / self.half).clamp(-1.0, 1.0) as f32
    }
}

/// The least of 1, 2, 2.5 or 5 times a power of ten that is at least `x` (> 0), so that
/// a legend centred on 0 ends on a round number: targets up to 0.95 get the scale
/// [-1, 1].
fn nice_ceiling(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v >= x * (1.0 - 1e-12))
        .unwrap_or(x)
}

/// The colour of every row of `target` as RGB triples into `out`: its class's colour,
/// or for values its first column's place on the diverging scale `scale`, so that a
/// point and the heatmap under it read alike.
pub fn point_colours(
    target: &Target,
    scale: Option<ValueScale>,
    palette: Palette,
    out: &mut Vec<u8>,
) {
    out.clear();
    match (target, scale) {
        (Target::Classes { labels, .. }, _) => {
            out.extend(labels.iter().flat_map(|&l| palette.class_rgb(l)));
        }
        (Target::Values { y, .. }, Some(scale)) => {
            out.extend(y.column(0).iter().flat_map(|&v| palette.signed(scale.t(v))));
        }
        (Target::Values { y, .. }, None) => {
            out.extend(std::iter::repeat_n(palette.class_rgb(0), y.nrows()).flatten());
        }
    }
}

/// Heatmap buffers for one network shape and one grid side.
#[derive(Debug)]
pub struct Grid {
    /// x1 min, x1 max, x2 min, x2 max of the plane shown (the data's range, padded).
    pub bounds: [f64; 4],
    /// For regression, how the predicted value is coloured (the targets' scale).
    pub values: Option<ValueScale>,
    side: usize,
    raw: Array2<f64>,
    x: Array2<f32>,
    trace: Option<Trace<f32>>,
    prediction: Vec<f32>,
    /// side * side RGBA pixels of the output, row 0 at the top (largest x2).
    pub output_rgba: Vec<u8>,
    /// Per hidden unit, side * side RGBA pixels, units in layer order.
    pub unit_rgba: Vec<u8>,
    /// Per candidate input ([`FEATURES`]: x1, x2, then every derived feature), side *
    /// side RGBA pixels of its raw value over the plane, whether it is on or not, so
    /// that each input's toggle shows what it would feed.
    pub feature_rgba: Vec<u8>,
}

/// The inputs a 2-D network can be fed, in the order of [`Grid::feature_rgba`].
pub fn feature_names() -> Vec<&'static str> {
    ["x1", "x2"]
        .into_iter()
        .chain(Derived::ALL.iter().map(|d| d.name()))
        .collect()
}

impl Grid {
    /// A grid over the range of `data` (2 features), padded by 10 percent.
    pub fn new(data: &Dataset) -> Self {
        let mut b = [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for row in data.x.outer_iter() {
            b[0] = b[0].min(row[0]);
            b[1] = b[1].max(row[0]);
            b[2] = b[2].min(row[1]);
            b[3] = b[3].max(row[1]);
        }
        let pad = |lo: f64, hi: f64| {
            let p = ((hi - lo) * 0.1).max(1e-3);
            (lo - p, hi + p)
        };
        let (x0, x1) = pad(b[0], b[1]);
        let (y0, y1) = pad(b[2], b[3]);
        Grid {
            bounds: [x0, x1, y0, y1],
            values: ValueScale::of(&data.target),
            side: 0,
            raw: Array2::zeros((0, 2)),
            x: Array2::zeros((0, 0)),
            trace: None,
            prediction: Vec::new(),
            output_rgba: Vec::new(),
            unit_rgba: Vec::new(),
            feature_rgba: Vec::new(),
        }
    }

    /// Cells per side of the last computation.
    pub fn side(&self) -> usize {
        self.side
    }

    /// The prediction per cell: probability of class 1 for a binary classifier, of the
    /// winning class for several, the output itself for regression.
    pub fn prediction(&self) -> &[f32] {
        &self.prediction
    }

    fn resize(
        &mut self,
        net: &Network<f32>,
        transform: &InputTransform,
        side: usize,
    ) -> Result<()> {
        let cells = side * side;
        let [x0, x1, y0, y1] = self.bounds;
        self.raw = Array2::from_shape_fn((cells, 2), |(i, c)| {
            let (row, col) = (i / side, i % side);
            if c == 0 {
                x0 + (col as f64 + 0.5) / side as f64 * (x1 - x0)
            } else {
                y1 - (row as f64 + 0.5) / side as f64 * (y1 - y0)
            }
        });
        self.x = transform.apply(self.raw.view())?.mapv(|v| v as f32);
        self.trace = Some(Trace::new(net, cells));
        let hidden: usize = net.layers[..net.layers.len() - 1]
            .iter()
            .map(|l| l.output_len())
            .sum();
        self.prediction = vec![0.0; cells];
        self.output_rgba = vec![255; cells * 4];
        self.unit_rgba = vec![255; hidden * cells * 4];
        self.feature_rgba = vec![255; (2 + Derived::ALL.len()) * cells * 4];
        self.side = side;
        Ok(())
    }

    /// Forward pass over every cell and colouring. `discrete` colours by the decision
    /// alone: the class at full strength, or the value's side of the scale's centre.
    /// Reallocates only when the side or the network shape changes.
    pub fn compute(
        &mut self,
        net: &Network<f32>,
        transform: &InputTransform,
        side: usize,
        palette: Palette,
        discrete: bool,
    ) -> Result<()> {
        if !(2..=MAX_SIDE).contains(&side) {
            return Err(EngineError::Limit(format!(
                "a heatmap has 2 to {MAX_SIDE} cells per side, asked for {side}"
            )));
        }
        let shape_changed = self.trace.as_ref().is_none_or(|t| {
            t.z.len() != net.layers.len()
                || t.z
                    .iter()
                    .zip(&net.layers)
                    .any(|(z, l)| z.ncols() != l.output_len())
        });
        if side != self.side || shape_changed {
            self.resize(net, transform, side)?;
        }
        self.colour_features(palette);
        let Some(trace) = self.trace.as_mut() else {
            return Ok(());
        };
        net.forward_into(self.x.view(), trace);
        let out = trace.output();
        let classes = out.ncols();
        let mut probs = vec![0.0f32; classes];
        let sharpen = |t: f32| if discrete { t.signum() } else { t };
        for (cell, row) in out.outer_iter().enumerate() {
            let rgb = if let Some(scale) = self.values {
                net.loss
                    .prediction_row(row.as_slice().unwrap_or(&[0.0]), &mut probs);
                self.prediction[cell] = probs[0];
                palette.signed(sharpen(scale.t(f64::from(probs[0]))))
            } else if classes == 1 {
                net.loss
                    .prediction_row(row.as_slice().unwrap_or(&[0.0]), &mut probs);
                self.prediction[cell] = probs[0];
                palette.signed(sharpen(2.0 * probs[0] - 1.0))
            } else {
                net.loss
                    .prediction_row(row.as_slice().unwrap_or(&[0.0]), &mut probs);
                let k = super::loss::argmax(probs.iter().copied());
                self.prediction[cell] = probs[k];
                let floor = 1.0 / classes as f32;
                let confidence = if discrete {
                    1.0
                } else {
                    ((probs[k] - floor) / (1.0 - floor)).clamp(0.0, 1.0)
                };
                mix([255, 255, 255], palette.class_rgb(k), confidence)
            };
            let px = &mut self.output_rgba[cell * 4..cell * 4 + 4];
            px[..3].copy_from_slice(&mix([255, 255, 255], rgb, 0.55));
            px[3] = 255;
        }
        let cells = side * side;
        let mut unit = 0;
        for l in 0..net.layers.len() - 1 {
            let a = trace.a(l + 1);
            for col in a.columns() {
                let scale = col.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
                let base = unit * cells * 4;
                for (cell, v) in col.iter().enumerate() {
                    let rgb = palette.signed(v / scale);
                    let px = &mut self.unit_rgba[base + cell * 4..base + cell * 4 + 4];
                    px[..3].copy_from_slice(&rgb);
                    px[3] = 255;
                }
                unit += 1;
            }
        }
        Ok(())
    }

    /// Colours [`Grid::feature_rgba`]: each feature over the cells, divided by its
    /// largest magnitude on the plane, on the diverging scale.
    fn colour_features(&mut self, palette: Palette) {
        let cells = self.side * self.side;
        let value = |f: usize, x1: f64, x2: f64| match f {
            0 => x1,
            1 => x2,
            _ => Derived::ALL[f - 2].value(x1, x2),
        };
        for f in 0..2 + Derived::ALL.len() {
            let at = |cell: usize| value(f, self.raw[[cell, 0]], self.raw[[cell, 1]]);
            let scale = (0..cells).fold(0.0f64, |m, c| m.max(at(c).abs())).max(1e-9);
            for cell in 0..cells {
                let rgb = palette.signed((at(cell) / scale) as f32);
                let px = &mut self.feature_rgba[(f * cells + cell) * 4..(f * cells + cell) * 4 + 4];
                px[..3].copy_from_slice(&rgb);
                px[3] = 255;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_ten_digits_get_ten_distinct_colours_in_each_palette() {
        for p in [Palette::Standard, Palette::ColorBlind] {
            let c: Vec<[u8; 3]> = (0..10).map(|k| p.class_rgb(k)).collect();
            for (i, a) in c.iter().enumerate() {
                assert!(!c[..i].contains(a), "{p:?}: class {i} repeats {a:?}");
            }
            assert_eq!(p.class_rgb(10), p.class_rgb(0), "then they cycle");
        }
    }

    fn values(y: ndarray::Array2<f64>) -> Target {
        Target::Values {
            y,
            names: vec!["y".into()],
        }
    }

    #[test]
    fn a_value_scale_centres_signed_targets_on_zero_and_others_on_their_middle() {
        let s = ValueScale::of(&values(array![[-0.5], [2.0], [0.1]])).unwrap();
        assert_eq!(
            s,
            ValueScale {
                centre: 0.0,
                half: 2.0
            }
        );
        assert_eq!(s.t(-0.5), -0.25);
        assert_eq!(s.t(9.0), 1.0);
        assert_eq!(s.t(f64::NAN), 0.0);
        let s = ValueScale::of(&values(array![[10.0], [30.0]])).unwrap();
        assert_eq!(
            s,
            ValueScale {
                centre: 20.0,
                half: 10.0
            }
        );
        assert_eq!(s.t(10.0), -1.0);
        let classes = Target::Classes {
            labels: vec![0, 1],
            names: vec!["a".into(), "b".into()],
        };
        assert!(ValueScale::of(&classes).is_none());
    }

    #[test]
    fn points_take_the_poles_of_the_scale_or_their_class_colour() {
        let p = Palette::Standard;
        let t = values(array![[1.0], [-1.0], [0.0]]);
        let mut out = Vec::new();
        point_colours(&t, ValueScale::of(&t), p, &mut out);
        assert_eq!(
            &out[0..3],
            &p.class_rgb(1),
            "the highest target is the positive pole"
        );
        assert_eq!(&out[3..6], &p.class_rgb(0), "the lowest the negative one");
        assert_eq!(&out[6..9], &[255, 255, 255], "the centre is white");
        let c = Target::Classes {
            labels: vec![2, 0],
            names: vec!["a".into(), "b".into(), "c".into()],
        };
        point_colours(&c, None, p, &mut out);
        assert_eq!(out, [p.class_rgb(2), p.class_rgb(0)].concat());
    }
}
