//! First-layer filters. For image data each first-layer unit's weight row, reshaped to
//! the image and normalised per tile, painted into one RGBA mosaic (the picture of
//! "what each unit looks for"). For 2-D data each unit's zero line w.x + b = 0 over the
//! input plane, traced by marching squares (exact for a straight line, and it follows
//! the curve when derived features bend it), with the gradient of z at a point of the
//! line: the weight vector in raw coordinates.

use crate::engine::dataset::features::InputTransform;
use crate::engine::error::{EngineError, Result};
use crate::engine::grid::Palette;
use crate::engine::network::Network;
use ndarray::Array2;

/// Grid points per side for tracing the zero lines.
pub const LINE_GRID: usize = 65;
/// Pixels between tiles of the mosaic.
pub const GAP: usize = 1;
const BACKGROUND: u8 = 225;

/// How a tile maps weights to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileColour {
    /// Grey from the tile's smallest weight (black) to its largest (white).
    Grey,
    /// The diverging palette scaled by the tile's largest |weight| (white at 0).
    Signed(Palette),
}

/// The filters view's buffers.
#[derive(Debug, Default)]
pub struct Filters {
    /// The mosaic's RGBA pixels, `width` x `height`.
    pub rgba: Vec<u8>,
    /// Mosaic width in pixels.
    pub width: usize,
    /// Mosaic height in pixels.
    pub height: usize,
    /// Smallest and largest weight of each unit, two f32 per unit.
    pub ranges: Vec<f32>,
    /// Zero-line segments of the 2-D view: [unit, x0, y0, x1, y1] each, raw coordinates.
    pub segments: Vec<f32>,
    /// Per unit [found, x, y, gx, gy]: a point of its zero line and dz/dx there.
    pub arrows: Vec<f32>,
    /// The mosaic's layout: tiles per row, tile height and width, tiles.
    layout: (usize, usize, usize, usize),
    grid: Option<(Array2<f32>, [f64; 4])>,
    z: Vec<f32>,
}

impl Filters {
    /// Paints every first-layer unit's weights as an `h` x `w` tile, in a mosaic a
    /// little wider than tall (about 1.6 tiles across for each tile down).
    pub fn images(
        &mut self,
        net: &Network<f32>,
        (h, w): (usize, usize),
        colour: TileColour,
    ) -> Result<()> {
        let layer = net
            .layers
            .first()
            .ok_or_else(|| EngineError::Model("the network has no layers".into()))?;
        if layer.input_len() != h * w {
            return Err(EngineError::Mismatch(format!(
                "the first layer takes {} inputs, not a {h}x{w} image",
                layer.input_len()
            )));
        }
        let units = layer.output_len();
        let cols = ((units as f64 * 1.6).sqrt().ceil() as usize).clamp(1, units.max(1));
        self.layout = (cols, h, w, units);
        let rows = units.div_ceil(cols);
        let (width, height) = (cols * (w + GAP) + GAP, rows * (h + GAP) + GAP);
        if self.width != width || self.height != height {
            self.width = width;
            self.height = height;
            self.rgba = vec![0; width * height * 4];
        }
        for px in self.rgba.chunks_exact_mut(4) {
            px.copy_from_slice(&[BACKGROUND, BACKGROUND, BACKGROUND, 255]);
        }
        self.ranges.clear();
        for (unit, weights) in layer.weights().outer_iter().enumerate() {
            let (lo, hi) = weights
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            self.ranges.extend([lo, hi]);
            let (x0, y0) = (
                GAP + (unit % cols) * (w + GAP),
                GAP + (unit / cols) * (h + GAP),
            );
            let span = hi - lo;
            let big = lo.abs().max(hi.abs());
            for (i, &v) in weights.iter().enumerate() {
                let rgb = match colour {
                    TileColour::Grey => {
                        let g = if span > 0.0 {
                            ((v - lo) / span * 255.0).round() as u8
                        } else {
                            128
                        };
                        [g, g, g]
                    }
                    TileColour::Signed(p) => p.signed(if big > 0.0 { v / big } else { 0.0 }),
                };
                let (r, c) = (i / w, i % w);
                let at = ((y0 + r) * width + x0 + c) * 4;
                self.rgba[at..at + 3].copy_from_slice(&rgb);
            }
        }
        Ok(())
    }

    /// The unit whose tile holds mosaic pixel (x, y), if any (not the gaps).
    pub fn tile_at(&self, x: f64, y: f64) -> Option<usize> {
        let (cols, h, w, units) = self.layout;
        let (mx, my) = (x - GAP as f64, y - GAP as f64);
        if !(mx >= 0.0 && my >= 0.0) || cols == 0 {
            return None;
        }
        let (col, row) = (
            (mx / (w + GAP) as f64) as usize,
            (my / (h + GAP) as f64) as usize,
        );
        let (left, top) = ((col * (w + GAP)) as f64, (row * (h + GAP)) as f64);
        let inside = mx - left < w as f64 && my - top < h as f64;
        let unit = row * cols + col;
        (col < cols && inside && unit < units).then_some(unit)
    }

    /// [x, y, width, height] of unit `unit`'s tile in mosaic pixels, if there is one.
    pub fn tile_rect(&self, unit: usize) -> Option<[usize; 4]> {
        let (cols, h, w, units) = self.layout;
        (unit < units && cols > 0).then(|| {
            [
                GAP + (unit % cols) * (w + GAP),
                GAP + (unit / cols) * (h + GAP),
                w,
                h,
            ]
        })
    }

    /// Traces every first-layer unit's zero line over the raw input plane `bounds`
    /// ([x1 min, x1 max, x2 min, x2 max]) of 2-D data.
    pub fn lines(
        &mut self,
        net: &Network<f32>,
        transform: &InputTransform,
        bounds: [f64; 4],
    ) -> Result<()> {
        let layer = net
            .layers
            .first()
            .ok_or_else(|| EngineError::Model("the network has no layers".into()))?;
        let n = LINE_GRID;
        let [x0, x1, y0, y1] = bounds;
        if !self.grid.as_ref().is_some_and(|(_, b)| *b == bounds) {
            let raw = Array2::from_shape_fn((n * n, 2), |(i, c)| {
                let (r, col) = (i / n, i % n);
                if c == 0 {
                    x0 + (x1 - x0) * col as f64 / (n - 1) as f64
                } else {
                    y0 + (y1 - y0) * r as f64 / (n - 1) as f64
                }
            });
            let x = transform.apply(raw.view())?.mapv(|v| v as f32);
            self.grid = Some((x, bounds));
        }
        let Some((x, _)) = self.grid.as_ref() else {
            return Ok(());
        };
        if x.ncols() != layer.input_len() {
            return Err(EngineError::Mismatch(format!(
                "the first layer takes {} inputs but the plane gives {}",
                layer.input_len(),
                x.ncols()
            )));
        }
        let units = layer.output_len();
        self.z.resize(n * n, 0.0);
        self.segments.clear();
        self.arrows.clear();
        let (dx, dy) = ((x1 - x0) / (n - 1) as f64, (y1 - y0) / (n - 1) as f64);
        let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
        let weights = layer.weights();
        for unit in 0..units {
            let w = weights.row(unit);
            let b = layer.biases()[unit];
            for (z, p) in self.z.iter_mut().zip(x.outer_iter()) {
                *z = p.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f32>() + b;
            }
            let at = |r: usize, c: usize| (x0 + dx * c as f64, y0 + dy * r as f64);
            // The arrow's point: the segment midpoint nearest the plane's centre.
            let mut best: Option<(f64, [f32; 4])> = None;
            for r in 0..n - 1 {
                for c in 0..n - 1 {
                    let v = [
                        self.z[r * n + c],
                        self.z[r * n + c + 1],
                        self.z[(r + 1) * n + c + 1],
                        self.z[(r + 1) * n + c],
                    ];
                    if !v.iter().all(|z| z.is_finite()) {
                        continue;
                    }
                    let corners = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)];
                    let cross = |e: usize| -> Option<(f64, f64)> {
                        let (a, b) = (v[e], v[(e + 1) % 4]);
                        if (a >= 0.0) == (b >= 0.0) {
                            return None;
                        }
                        let t = f64::from(a / (a - b));
                        let (p, q) = (corners[e], corners[(e + 1) % 4]);
                        Some((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)))
                    };
                    let crossing = [cross(0), cross(1), cross(2), cross(3)];
                    let mut edges = [0usize; 4];
                    let mut count = 0;
                    for (e, c) in crossing.iter().enumerate() {
                        if c.is_some() {
                            edges[count] = e;
                            count += 1;
                        }
                    }
                    let two = [(edges[0], edges[1])];
                    let pairs: &[(usize, usize)] = match count {
                        2 => &two,
                        4 => {
                            // A saddle: the centre's sign decides which corners join.
                            let centre = 0.25 * (v[0] + v[1] + v[2] + v[3]);
                            if (centre >= 0.0) == (v[0] >= 0.0) {
                                &[(0, 1), (2, 3)]
                            } else {
                                &[(3, 0), (1, 2)]
                            }
                        }
                        _ => &[],
                    };
                    for &(e, f) in pairs {
                        let (Some(p), Some(q)) = (crossing[e], crossing[f]) else {
                            continue;
                        };
                        self.segments.extend([
                            unit as f32,
                            p.0 as f32,
                            p.1 as f32,
                            q.0 as f32,
                            q.1 as f32,
                        ]);
                        let (mx, my) = (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1));
                        let d = (mx - cx).powi(2) + (my - cy).powi(2);
                        if best.is_none_or(|(bd, _)| d < bd) {
                            let gx = 0.5 * f64::from((v[1] - v[0]) + (v[2] - v[3])) / dx;
                            let gy = 0.5 * f64::from((v[3] - v[0]) + (v[2] - v[1])) / dy;
                            best = Some((d, [mx as f32, my as f32, gx as f32, gy as f32]));
                        }
                    }
                }
            }
            match best {
                Some((_, a)) => self.arrows.extend([1.0, a[0], a[1], a[2], a[3]]),
                None => self.arrows.extend([0.0; 5]),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use crate::engine::ops::dense::Dense;
    use crate::engine::ops::Op;
    use ndarray::array;

    fn net(input: usize, w: Array2<f32>, b: Vec<f32>) -> Network<f32> {
        let units = w.nrows();
        let mut net = Network::<f32>::zeros(&Architecture {
            input_dim: input,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(units, Activation::Tanh), (1, Activation::Identity)]),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        })
        .expect("net");
        net.layers[0] = Op::Dense(Dense {
            w,
            b: b.into(),
            activation: Activation::Tanh,
        });
        net
    }

    #[test]
    fn tiles_are_normalised_per_unit() {
        // Two 2x2 filters: a ramp 0..3 and a constant.
        let n = net(
            4,
            array![[0.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0]],
            vec![0.0, 0.0],
        );
        let mut f = Filters::default();
        f.images(&n, (2, 2), TileColour::Grey).expect("images");
        assert_eq!((f.width, f.height), (2 * 3 + 1, 2 + 2));
        let px = |x: usize, y: usize| f.rgba[(y * f.width + x) * 4];
        assert_eq!([px(1, 1), px(2, 1), px(1, 2), px(2, 2)], [0, 85, 170, 255]);
        assert_eq!(px(4, 1), 128);
        assert_eq!(px(0, 0), BACKGROUND);
        assert_eq!(f.ranges, vec![0.0, 3.0, 5.0, 5.0]);
        // The layout: two tiles side by side, found from a pixel, gaps belong to none.
        assert_eq!(f.tile_rect(1), Some([4, 1, 2, 2]));
        assert_eq!(f.tile_rect(2), None);
        assert_eq!(f.tile_at(4.5, 2.9), Some(1));
        assert_eq!(f.tile_at(1.0, 1.0), Some(0));
        for gap in [(0.5, 1.5), (3.2, 1.5), (1.5, 3.5), (-1.0, 1.0)] {
            assert_eq!(f.tile_at(gap.0, gap.1), None, "{gap:?}");
        }
        let e = f.images(&n, (3, 3), TileColour::Grey);
        assert!(e.is_err(), "a 9-pixel image does not fit 4 inputs");
    }

    #[test]
    fn zero_lines_are_exact_for_a_linear_unit() {
        // z = 2 x1 - x2 + 0.5: the line x2 = 2 x1 + 0.5, gradient (2, -1).
        let n = net(2, array![[2.0, -1.0]], vec![0.5]);
        let mut f = Filters::default();
        f.lines(&n, &InputTransform::default(), [-1.0, 1.0, -1.5, 1.5])
            .expect("lines");
        assert!(!f.segments.is_empty());
        for s in f.segments.chunks(5) {
            for (x, y) in [(s[1], s[2]), (s[3], s[4])] {
                assert!(
                    (y - (2.0 * x + 0.5)).abs() < 1e-5,
                    "({x}, {y}) is off the line"
                );
            }
        }
        assert_eq!(f.arrows.len(), 5);
        assert_eq!(f.arrows[0], 1.0);
        assert!((f.arrows[3] - 2.0).abs() < 1e-4 && (f.arrows[4] + 1.0).abs() < 1e-4);
    }

    #[test]
    fn a_unit_whose_line_misses_the_plane_has_no_arrow() {
        let n = net(2, array![[1.0, 0.0]], vec![10.0]);
        let mut f = Filters::default();
        f.lines(&n, &InputTransform::default(), [-1.0, 1.0, -1.0, 1.0])
            .expect("lines");
        assert!(f.segments.is_empty());
        assert_eq!(f.arrows, vec![0.0; 5]);
    }
}
