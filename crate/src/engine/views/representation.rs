//! Hidden representations: every data row placed at its activation vector in one layer,
//! so the page can show the network pulling the classes apart. One unit gives a line
//! (with a band per class), two a plane, three a space, more a 2-D PCA projection with
//! axes kept stable between frames. For 2-D data a grid of input-plane lines is mapped
//! through the same layer and projection. A morph parameter t interpolates each point
//! from its input-space position (t = 0) to its layer-space position (t = 1). Any moment
//! of a run is shown by computing it from that moment's weights (the run's timeline).
//!
//! All buffers are allocated when the layer or the data changes, never per frame.

use super::pca::{Covariance, StableAxes};
use crate::engine::dataset::features::InputTransform;
use crate::engine::dataset::{Dataset, Target};
use crate::engine::error::{EngineError, Result};
use crate::engine::network::{Network, Trace};
use ndarray::Array2;

/// Lines of the warped grid in each direction.
pub const GRID_LINES: usize = 11;
/// Points along each grid line.
pub const GRID_SAMPLES: usize = 41;
/// How a layer's activations are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One unit: x = activation, y = a band per class with a little jitter.
    Line,
    /// Two units: the activations themselves.
    Plane,
    /// Three units: the activations in 3-D.
    Space,
    /// More units: the first two principal components.
    Pca,
}

impl Mode {
    fn of(units: usize) -> Mode {
        match units {
            1 => Mode::Line,
            2 => Mode::Plane,
            3 => Mode::Space,
            _ => Mode::Pca,
        }
    }

    /// The name the page uses: line, plane, space or pca.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Line => "line",
            Mode::Plane => "plane",
            Mode::Space => "space",
            Mode::Pca => "pca",
        }
    }

    /// Coordinates per point: 3 for a space, else 2.
    pub fn dims(self) -> usize {
        if self == Mode::Space {
            3
        } else {
            2
        }
    }
}

/// How the input side (t = 0) is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    /// As many raw features as coordinates: used as they are.
    Direct,
    /// Fewer: padded (a class band for 1-D data, zeros for 2-D data in 3-D).
    Padded,
    /// More: the leading principal components of the raw features.
    Pca,
}

/// What depends only on the data: network inputs for every row and grid point.
#[derive(Debug)]
struct Inputs {
    /// Transformed rows, as the network sees them.
    x: Array2<f32>,
    /// Raw rows, row-major.
    raw: Vec<f32>,
    raw_dim: usize,
    /// Per row: the y of a line plot, a band per class plus jitter.
    band: Vec<f32>,
    /// Grid points in the raw plane (2-D data only), line after line.
    grid_raw: Vec<f32>,
    /// The same points transformed.
    grid_x: Array2<f32>,
    feature_names: Vec<String>,
}

/// A number in [-1, 1] that looks random but depends only on `i`.
fn jitter(i: usize) -> f32 {
    let mut z = (i as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

impl Inputs {
    fn new(data: &Dataset, transform: &InputTransform, bounds: Option<[f64; 4]>) -> Result<Self> {
        let x = transform.apply(data.x.view())?.mapv(|v| v as f32);
        let raw: Vec<f32> = data.x.iter().map(|&v| v as f32).collect();
        let band = match &data.target {
            Target::Classes { labels, names } => {
                let c = names.len().max(1);
                labels
                    .iter()
                    .enumerate()
                    .map(|(r, &l)| {
                        let centre = if c > 1 {
                            -0.6 + 1.2 * l as f32 / (c - 1) as f32
                        } else {
                            0.0
                        };
                        centre + 0.5 / c as f32 * jitter(r)
                    })
                    .collect()
            }
            Target::Values { .. } => (0..data.rows()).map(|r| 0.3 * jitter(r)).collect(),
        };
        let (grid_raw, grid_x) = match bounds {
            Some([x0, x1, y0, y1]) if data.features() == 2 => {
                let mut g = Vec::with_capacity(2 * GRID_LINES * GRID_SAMPLES * 2);
                let at = |lo: f64, hi: f64, i: usize, n: usize| {
                    lo + (hi - lo) * i as f64 / (n - 1) as f64
                };
                // Vertical lines (x fixed), then horizontal lines (y fixed).
                for line in 0..GRID_LINES {
                    for s in 0..GRID_SAMPLES {
                        g.extend([at(x0, x1, line, GRID_LINES), at(y0, y1, s, GRID_SAMPLES)]);
                    }
                }
                for line in 0..GRID_LINES {
                    for s in 0..GRID_SAMPLES {
                        g.extend([at(x0, x1, s, GRID_SAMPLES), at(y0, y1, line, GRID_LINES)]);
                    }
                }
                let points = Array2::from_shape_vec((g.len() / 2, 2), g)
                    .map_err(|e| EngineError::Data(e.to_string()))?;
                let gx = transform.apply(points.view())?.mapv(|v| v as f32);
                (points.iter().map(|&v| v as f32).collect(), gx)
            }
            _ => (Vec::new(), Array2::zeros((0, x.ncols()))),
        };
        Ok(Inputs {
            x,
            raw,
            raw_dim: data.features(),
            band,
            grid_raw,
            grid_x,
            feature_names: data.feature_names.clone(),
        })
    }

    fn rows(&self) -> usize {
        self.x.nrows()
    }

    fn grid_points(&self) -> usize {
        self.grid_x.nrows()
    }
}

/// The representation view's state and buffers.
#[derive(Debug, Default)]
pub struct Representation {
    inputs: Option<Inputs>,
    layer: Option<(usize, usize)>,
    mode: Option<Mode>,
    input_kind: Option<InputKind>,
    trace: Option<Trace<f32>>,
    grid_trace: Option<Trace<f32>>,
    cov: Covariance,
    axes: StableAxes,
    input_axes: StableAxes,
    live: Vec<f32>,
    live_grid: Vec<f32>,
    input: Vec<f32>,
    input_grid: Vec<f32>,
    out: Vec<f32>,
    out_grid: Vec<f32>,
    bounds: [f32; 6],
}

impl Representation {
    /// Computes every row's (and grid point's) projected position in layer `layer`
    /// (0-based over the network's layers, the output included) for the current
    /// weights. `bounds` is the input plane of 2-D data, for the grid. The data and
    /// transform must stay the same for the life of this value.
    pub fn update(
        &mut self,
        net: &Network<f32>,
        data: &Dataset,
        transform: &InputTransform,
        bounds: Option<[f64; 4]>,
        layer: usize,
    ) -> Result<()> {
        let Some(units) = net.layers.get(layer).map(|l| l.output_len()) else {
            return Err(EngineError::Mismatch(format!(
                "there is no layer {}; the network has {}",
                layer + 1,
                net.layers.len()
            )));
        };
        if self.inputs.is_none() {
            self.inputs = Some(Inputs::new(data, transform, bounds)?);
        }
        let Some(inputs) = self.inputs.as_ref() else {
            return Ok(());
        };
        if inputs.x.ncols() != net.input_dim {
            return Err(EngineError::Mismatch(format!(
                "the network takes {} inputs but the data gives {}",
                net.input_dim,
                inputs.x.ncols()
            )));
        }
        let mode = Mode::of(units);
        let dims = mode.dims();
        let rows = inputs.rows();
        let grid_points = if mode == Mode::Line {
            0
        } else {
            inputs.grid_points()
        };
        if self.layer != Some((layer, units)) {
            self.layer = Some((layer, units));
            self.mode = Some(mode);
            self.axes.reset();
            self.live = vec![0.0; rows * dims];
            self.live_grid = vec![0.0; grid_points * dims];
            self.out = vec![0.0; rows * dims];
            self.out_grid = vec![0.0; grid_points * dims];
            self.place_inputs(dims, grid_points);
        }
        let shape_ok = |t: &Trace<f32>, cap: usize| {
            t.capacity() == cap
                && t.a.len() == net.layers.len() + 1
                && t.a
                    .iter()
                    .skip(1)
                    .zip(&net.layers)
                    .all(|(a, l)| a.ncols() == l.output_len())
        };
        let Some(inputs) = self.inputs.as_ref() else {
            return Ok(());
        };
        if !self.trace.as_ref().is_some_and(|t| shape_ok(t, rows)) {
            self.trace = Some(Trace::new(net, rows));
        }
        let Some(trace) = self.trace.as_mut() else {
            return Ok(());
        };
        net.forward_into(inputs.x.view(), trace);
        let a = activations(trace, layer, rows, units);
        match mode {
            Mode::Line => {
                for (r, p) in self.live.chunks_exact_mut(2).enumerate() {
                    p[0] = a[r];
                    p[1] = inputs.band[r];
                }
            }
            Mode::Plane | Mode::Space => self.live.copy_from_slice(a),
            Mode::Pca => {
                self.cov.compute(a, units);
                self.axes.fit(&self.cov, 2);
                self.axes.project(a, &self.cov.mean, &mut self.live);
            }
        }
        if grid_points > 0 {
            if !self
                .grid_trace
                .as_ref()
                .is_some_and(|t| shape_ok(t, grid_points))
            {
                self.grid_trace = Some(Trace::new(net, grid_points));
            }
            if let Some(gt) = self.grid_trace.as_mut() {
                net.forward_into(inputs.grid_x.view(), gt);
                let g = activations(gt, layer, grid_points, units);
                if mode == Mode::Pca {
                    self.axes.project(g, &self.cov.mean, &mut self.live_grid);
                } else {
                    self.live_grid.copy_from_slice(g);
                }
            }
        }
        Ok(())
    }

    /// Places the input side (t = 0) in `dims` coordinates.
    fn place_inputs(&mut self, dims: usize, grid_points: usize) {
        let Some(inputs) = self.inputs.as_ref() else {
            return;
        };
        let d = inputs.raw_dim;
        let rows = inputs.rows();
        self.input = vec![0.0; rows * dims];
        self.input_grid = vec![0.0; grid_points * dims];
        let kind = match d.cmp(&dims) {
            std::cmp::Ordering::Equal => InputKind::Direct,
            std::cmp::Ordering::Less => InputKind::Padded,
            std::cmp::Ordering::Greater => InputKind::Pca,
        };
        self.input_kind = Some(kind);
        if kind == InputKind::Pca {
            let mut cov = Covariance::default();
            cov.compute(&inputs.raw, d);
            self.input_axes.reset();
            self.input_axes.fit(&cov, dims);
            self.input_axes
                .project(&inputs.raw, &cov.mean, &mut self.input);
            return;
        }
        let copy = |src: &[f32], out: &mut [f32], band: Option<&[f32]>| {
            for (i, (s, o)) in src
                .chunks_exact(d)
                .zip(out.chunks_exact_mut(dims))
                .enumerate()
            {
                o[..d].copy_from_slice(s);
                if let Some(b) = band {
                    if d == 1 {
                        o[1] = b[i];
                    }
                }
            }
        };
        copy(&inputs.raw, &mut self.input, Some(&inputs.band));
        if grid_points > 0 {
            copy(&inputs.grid_raw, &mut self.input_grid, None);
        }
    }

    /// Writes the positions to show, moved from the input side by `t` in [0, 1] (1 =
    /// the layer).
    pub fn compose(&mut self, t: f32) -> Result<()> {
        if self.mode.is_none() {
            return Err(EngineError::Mismatch(
                "the representation has not been computed yet".into(),
            ));
        }
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let (points, grid) = (self.live.as_slice(), self.live_grid.as_slice());
        let lerp = |out: &mut [f32], from: &[f32], to: &[f32]| {
            for ((o, &a), &b) in out.iter_mut().zip(from).zip(to) {
                *o = a + t * (b - a);
            }
        };
        lerp(&mut self.out, &self.input, points);
        lerp(&mut self.out_grid, &self.input_grid, grid);
        let dims = self.dims();
        let mut b = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for p in self.out.chunks_exact(dims) {
            if p.iter().all(|v| v.is_finite()) {
                for (k, &v) in p.iter().enumerate() {
                    b[2 * k] = b[2 * k].min(v);
                    b[2 * k + 1] = b[2 * k + 1].max(v);
                }
            }
        }
        for k in 0..3 {
            if !(b[2 * k].is_finite() && b[2 * k + 1].is_finite()) {
                b[2 * k] = -1.0;
                b[2 * k + 1] = 1.0;
            }
            self.bounds[2 * k] = b[2 * k];
            self.bounds[2 * k + 1] = b[2 * k + 1];
        }
        Ok(())
    }

    /// The current mode, if computed.
    pub fn mode(&self) -> Option<Mode> {
        self.mode
    }

    /// Coordinates per point (2 or 3).
    pub fn dims(&self) -> usize {
        self.mode.map_or(2, Mode::dims)
    }

    /// The composed positions: rows x dims.
    pub fn points(&self) -> &[f32] {
        &self.out
    }

    /// The composed grid: lines x samples x dims (empty without a grid).
    pub fn grid(&self) -> &[f32] {
        &self.out_grid
    }

    /// Number of grid lines (0 without a grid).
    pub fn grid_lines(&self) -> usize {
        if self.out_grid.is_empty() {
            0
        } else {
            2 * GRID_LINES
        }
    }

    /// Min and max of each coordinate of the composed points: x0, x1, y0, y1, z0, z1.
    pub fn bounds(&self) -> &[f32; 6] {
        &self.bounds
    }

    /// A caption for axis `k` (0, 1, 2) of the layer side, or of the input side when
    /// `input` is set: unit numbers, feature names or principal components with the
    /// share of variance they carry.
    pub fn axis_label(&self, k: usize, input: bool) -> String {
        let Some(mode) = self.mode else {
            return String::new();
        };
        if input {
            let names = self
                .inputs
                .as_ref()
                .map_or(&[][..], |i| i.feature_names.as_slice());
            return match self.input_kind {
                Some(InputKind::Pca) => pc_label("input PC", k, &self.input_axes),
                _ if mode == Mode::Line && k == 1 && names.len() < 2 => "class".into(),
                _ => names.get(k).cloned().unwrap_or_default(),
            };
        }
        match mode {
            Mode::Line if k == 1 => "class".into(),
            Mode::Pca => pc_label("PC", k, &self.axes),
            _ if k < mode.dims() => format!("unit {}", k + 1),
            _ => String::new(),
        }
    }
}

fn pc_label(prefix: &str, k: usize, axes: &StableAxes) -> String {
    axes.explained.get(k).map_or(String::new(), |e| {
        format!("{prefix} {} ({:.0}% of variance)", k + 1, 100.0 * e)
    })
}

/// The filled rows of a trace's activations of layer `layer`, row-major.
fn activations(trace: &Trace<f32>, layer: usize, rows: usize, units: usize) -> &[f32] {
    let a = &trace.a[layer + 1];
    &a.as_slice()
        .expect("trace buffers are standard-layout arrays")[..rows * units]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::LayerSpec;
    use crate::engine::session::{Session, SessionConfig};

    fn session(hidden: &[usize]) -> Session {
        let mut config = SessionConfig::default();
        config.network.hidden = hidden
            .iter()
            .map(|&units| LayerSpec::dense(units, crate::engine::activation::Activation::Tanh))
            .collect();
        Session::new(config, None).expect("a circles session")
    }

    fn update(r: &mut Representation, s: &Session, layer: usize) {
        let bounds = s.grid.as_ref().map(|g| g.bounds);
        r.update(&s.trainer.net, &s.data, &s.transform, bounds, layer)
            .expect("update");
    }

    #[test]
    fn every_mode_places_every_row() {
        for (units, mode, dims) in [
            (1, Mode::Line, 2),
            (2, Mode::Plane, 2),
            (3, Mode::Space, 3),
            (5, Mode::Pca, 2),
        ] {
            let s = session(&[units]);
            let mut r = Representation::default();
            update(&mut r, &s, 0);
            r.compose(1.0).expect("compose");
            assert_eq!(r.mode(), Some(mode));
            assert_eq!(r.points().len(), s.data.rows() * dims);
            assert!(r.points().iter().all(|v| v.is_finite()));
            let grid = if mode == Mode::Line {
                0
            } else {
                2 * GRID_LINES * GRID_SAMPLES * dims
            };
            assert_eq!(r.grid().len(), grid);
            let b = r.bounds();
            assert!(b[0] < b[1] && b[2] < b[3]);
        }
    }

    #[test]
    fn plane_mode_shows_the_activations_and_t_zero_the_input() {
        let s = session(&[2]);
        let mut r = Representation::default();
        update(&mut r, &s, 0);
        r.compose(1.0).expect("compose");
        let trace = s
            .trainer
            .net
            .forward(s.data.x.mapv(|v| v as f32).view())
            .expect("forward");
        let a = trace.a(1);
        for (p, row) in r.points().chunks(2).zip(a.outer_iter()) {
            assert!((p[0] - row[0]).abs() < 1e-6 && (p[1] - row[1]).abs() < 1e-6);
        }
        r.compose(0.0).expect("compose");
        for (p, row) in r.points().chunks(2).zip(s.data.x.outer_iter()) {
            assert!((f64::from(p[0]) - row[0]).abs() < 1e-6);
        }
        r.compose(0.5).expect("compose");
        let mid = r.points()[0];
        assert!((f64::from(mid) - 0.5 * (f64::from(a[[0, 0]]) + s.data.x[[0, 0]])).abs() < 1e-5);
    }

    #[test]
    fn pca_projection_is_centred_and_stable_while_training() {
        let mut s = session(&[6]);
        let mut r = Representation::default();
        update(&mut r, &s, 0);
        r.compose(1.0).expect("compose");
        let rows = s.data.rows() as f32;
        let mean_x: f32 = r.points().chunks(2).map(|p| p[0]).sum::<f32>() / rows;
        assert!(mean_x.abs() < 1e-4, "projection is centred, mean {mean_x}");
        let mut last = r.points().to_vec();
        for _ in 0..30 {
            s.trainer.run(5).expect("train");
            update(&mut r, &s, 0);
            r.compose(1.0).expect("compose");
            // Small steps move the points a little; a flipped or swapped axis would
            // move them by about the cloud's size.
            let moved = r
                .points()
                .iter()
                .zip(&last)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            let size = r.bounds()[1] - r.bounds()[0];
            assert!(moved < 0.2 * size, "moved {moved} of {size}");
            last = r.points().to_vec();
        }
    }

    #[test]
    fn a_missing_layer_is_an_error() {
        let s = session(&[3]);
        let mut r = Representation::default();
        let bounds = s.grid.as_ref().map(|g| g.bounds);
        let e = r.update(&s.trainer.net, &s.data, &s.transform, bounds, 5);
        assert!(e.is_err());
        assert!(r.compose(1.0).is_err());
    }

    #[test]
    fn labels_name_units_and_components() {
        let s = session(&[5, 3, 1]);
        let mut r = Representation::default();
        update(&mut r, &s, 0);
        assert!(r.axis_label(0, false).starts_with("PC 1 ("));
        assert_eq!(r.axis_label(0, true), "x1");
        update(&mut r, &s, 1);
        assert_eq!(r.axis_label(2, false), "unit 3");
        update(&mut r, &s, 2);
        assert_eq!(r.axis_label(1, false), "class");
    }
}
