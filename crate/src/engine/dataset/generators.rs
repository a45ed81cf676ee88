//! Seeded synthetic datasets, the ones the notebooks and TensorFlow Playground use.
//! Each takes its generator as an argument, so the page's seed reproduces the data.

use super::{Dataset, Target};
use crate::engine::error::{EngineError, Result};
use crate::engine::init::standard_normal;
use crate::engine::limits::MAX_ROWS;
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use std::f64::consts::PI;

fn check_n(n: usize) -> Result<()> {
    if !(2..=MAX_ROWS).contains(&n) {
        return Err(EngineError::Limit(format!(
            "a generated dataset has 2 to {MAX_ROWS} points, asked for {n}"
        )));
    }
    Ok(())
}

fn check_noise(noise: f64) -> Result<()> {
    if !(noise.is_finite() && (0.0..=10.0).contains(&noise)) {
        return Err(EngineError::Data(format!(
            "noise must be between 0 and 10, got {noise}"
        )));
    }
    Ok(())
}

/// Builds a 2-D classification dataset from (x1, x2, label) points, shuffled.
fn points(mut pts: Vec<(f64, f64, usize)>, names: &[&str], rng: &mut impl Rng) -> Dataset {
    pts.shuffle(rng);
    let mut x = Array2::zeros((pts.len(), 2));
    let mut labels = Vec::with_capacity(pts.len());
    for (r, &(a, b, l)) in pts.iter().enumerate() {
        x[[r, 0]] = a;
        x[[r, 1]] = b;
        labels.push(l);
    }
    Dataset {
        x,
        feature_names: vec!["x1".into(), "x2".into()],
        target: Target::Classes {
            labels,
            names: names.iter().map(|s| s.to_string()).collect(),
        },
        image_shape: None,
    }
}

/// Two concentric circles, like scikit-learn's `make_circles`: n/2 points on the unit
/// circle (class 0) and the rest on the circle of radius `factor` (class 1), at evenly
/// spaced angles, plus Gaussian noise of std `noise` on each coordinate.
pub fn circles(n: usize, factor: f64, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    check_n(n)?;
    check_noise(noise)?;
    if !(factor > 0.0 && factor < 1.0) {
        return Err(EngineError::Data(format!(
            "the circles factor must be in (0, 1), got {factor}"
        )));
    }
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut pts = Vec::with_capacity(n);
    for (count, radius, label) in [(n_out, 1.0, 0), (n_in, factor, 1)] {
        for i in 0..count {
            let t = 2.0 * PI * i as f64 / count as f64;
            pts.push((
                radius * t.cos() + noise * standard_normal(rng),
                radius * t.sin() + noise * standard_normal(rng),
                label,
            ));
        }
    }
    Ok(points(pts, &["outer", "inner"], rng))
}

/// Two interleaving half circles, like scikit-learn's `make_moons`.
pub fn moons(n: usize, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    check_n(n)?;
    check_noise(noise)?;
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut pts = Vec::with_capacity(n);
    for i in 0..n_out {
        let t = PI * i as f64 / (n_out.max(2) - 1) as f64;
        pts.push((t.cos(), t.sin(), 0));
    }
    for i in 0..n_in {
        let t = PI * i as f64 / (n_in.max(2) - 1) as f64;
        pts.push((1.0 - t.cos(), 0.5 - t.sin(), 1));
    }
    for p in &mut pts {
        p.0 += noise * standard_normal(rng);
        p.1 += noise * standard_normal(rng);
    }
    Ok(points(pts, &["upper", "lower"], rng))
}

/// The XOR quadrants of TensorFlow Playground: points uniform in [-5, 5]^2 kept a
/// little away from the axes, class 1 where x1 * x2 >= 0, with uniform jitter scaled
/// by `noise`.
pub fn xor(n: usize, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    check_n(n)?;
    check_noise(noise)?;
    let pad = 0.3;
    let mut pts = Vec::with_capacity(n);
    for _ in 0..n {
        let mut a = rng.random_range(-5.0..5.0);
        a += if a > 0.0 { pad } else { -pad };
        let mut b = rng.random_range(-5.0..5.0);
        b += if b > 0.0 { pad } else { -pad };
        let label = usize::from(a * b >= 0.0);
        let jx = noise * 5.0 * rng.random_range(-1.0..1.0);
        let jy = noise * 5.0 * rng.random_range(-1.0..1.0);
        pts.push((a + jx, b + jy, label));
    }
    Ok(points(pts, &["odd", "even"], rng))
}

/// Interleaved spirals, one per class (2 or more), radius growing to 5 over about
/// 1.75 turns, with Gaussian noise of std `noise` * 0.5 on each coordinate.
pub fn spirals(n: usize, classes: usize, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    check_n(n)?;
    check_noise(noise)?;
    if !(2..=8).contains(&classes) {
        return Err(EngineError::Data(format!(
            "spirals have 2 to 8 classes, asked for {classes}"
        )));
    }
    let mut pts = Vec::with_capacity(n);
    for c in 0..classes {
        let count = n / classes + usize::from(c < n % classes);
        let delta = 2.0 * PI * c as f64 / classes as f64;
        for i in 0..count {
            let r = 5.0 * i as f64 / count as f64;
            let t = 1.75 * 2.0 * PI * i as f64 / count as f64 + delta;
            pts.push((
                r * t.sin() + 0.5 * noise * standard_normal(rng),
                r * t.cos() + 0.5 * noise * standard_normal(rng),
                c,
            ));
        }
    }
    let names: Vec<String> = (0..classes).map(|c| format!("arm {}", c + 1)).collect();
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    Ok(points(pts, &names, rng))
}

/// Gaussian blobs: `per_blob` points around each mean with a diagonal covariance
/// (variances, not standard deviations), one class per blob.
pub fn blobs(
    means: &[[f64; 2]],
    variances: &[[f64; 2]],
    per_blob: usize,
    rng: &mut impl Rng,
) -> Result<Dataset> {
    if means.len() != variances.len() || means.is_empty() {
        return Err(EngineError::Data(
            "blobs need one variance pair per mean".into(),
        ));
    }
    check_n(per_blob * means.len())?;
    let mut pts = Vec::with_capacity(per_blob * means.len());
    for (c, (m, v)) in means.iter().zip(variances).enumerate() {
        if v.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(EngineError::Data(format!(
                "blob {} has a negative or non-finite variance",
                c + 1
            )));
        }
        for _ in 0..per_blob {
            pts.push((
                m[0] + v[0].sqrt() * standard_normal(rng),
                m[1] + v[1].sqrt() * standard_normal(rng),
                c,
            ));
        }
    }
    let names: Vec<String> = (0..means.len())
        .map(|c| format!("blob {}", c + 1))
        .collect();
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    Ok(points(pts, &names, rng))
}

/// The CMU notebook's four blobs: 10 points each around [3.6, 40], [3.9, 10],
/// [3.4, 30], [2.0, 10] with variances [0.05, 10], [0.01, 5], [0.25, 5], [0.5, 10].
pub fn cmu_blobs(rng: &mut impl Rng) -> Result<Dataset> {
    blobs(
        &[[3.6, 40.0], [3.9, 10.0], [3.4, 30.0], [2.0, 10.0]],
        &[[0.05, 10.0], [0.01, 5.0], [0.25, 5.0], [0.5, 10.0]],
        10,
        rng,
    )
}

/// Builds a 2-D regression dataset from (x1, x2, target) points, shuffled.
fn valued(mut pts: Vec<(f64, f64, f64)>, rng: &mut impl Rng) -> Dataset {
    pts.shuffle(rng);
    let mut x = Array2::zeros((pts.len(), 2));
    let mut y = Array2::zeros((pts.len(), 1));
    for (r, &(a, b, t)) in pts.iter().enumerate() {
        x[[r, 0]] = a;
        x[[r, 1]] = b;
        y[[r, 0]] = t;
    }
    Dataset {
        x,
        feature_names: vec!["x1".into(), "x2".into()],
        target: Target::Values {
            y,
            names: vec!["y".into()],
        },
        image_shape: None,
    }
}

/// Half the side of the square the regression sets sample: points are uniform in
/// [-6, 6]^2, as in TensorFlow Playground.
const REGRESSION_RADIUS: f64 = 6.0;

/// Uniform points in [-6, 6]^2 whose target is computed from the clean position and
/// whose inputs then move by uniform jitter of up to `noise` * 6 per coordinate (so
/// noise blurs the picture without pushing a target outside [-1, 1]).
fn regression_points(
    n: usize,
    noise: f64,
    target: impl Fn(f64, f64) -> f64,
    rng: &mut impl Rng,
) -> Result<Dataset> {
    check_n(n)?;
    check_noise(noise)?;
    let r = REGRESSION_RADIUS;
    let mut pts = Vec::with_capacity(n);
    for _ in 0..n {
        let a = rng.random_range(-r..r);
        let b = rng.random_range(-r..r);
        let t = target(a, b);
        let ja = noise * r * rng.random_range(-1.0..1.0);
        let jb = noise * r * rng.random_range(-1.0..1.0);
        pts.push((a + ja, b + jb, t));
    }
    Ok(valued(pts, rng))
}

/// The Playground's "Plane (regression)": target (x1 + x2) / 12, which maps the
/// square's range of x1 + x2, [-12, 12], onto [-1, 1].
pub fn plane_regression(n: usize, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    regression_points(n, noise, |a, b| (a + b) / (2.0 * REGRESSION_RADIUS), rng)
}

/// Centres and signs of the six bumps of [`gauss_regression`]: two rows of three,
/// 4 apart across and 5 apart down, alternating in sign like a chequerboard.
pub const BUMPS: [(f64, f64, f64); 6] = [
    (-4.0, 2.5, 1.0),
    (0.0, 2.5, -1.0),
    (4.0, 2.5, 1.0),
    (-4.0, -2.5, -1.0),
    (0.0, -2.5, 1.0),
    (4.0, -2.5, -1.0),
];

/// Width (standard deviation) of each bump of [`gauss_regression`].
pub const BUMP_WIDTH: f64 = 1.2;

/// The Playground's "Gaussian bumps (regression)": target
/// sum_i s_i exp(-|x - c_i|^2 / (2 w^2)) over the signed bumps [`BUMPS`] of width
/// [`BUMP_WIDTH`], clamped to [-1, 1] (neighbours overlap by less than 0.01).
pub fn gauss_regression(n: usize, noise: f64, rng: &mut impl Rng) -> Result<Dataset> {
    regression_points(n, noise, bumps_at, rng)
}

/// The noiseless target of [`gauss_regression`] at (x1, x2).
pub fn bumps_at(x1: f64, x2: f64) -> f64 {
    let two_w2 = 2.0 * BUMP_WIDTH * BUMP_WIDTH;
    BUMPS
        .iter()
        .map(|&(c1, c2, s)| s * (-((x1 - c1).powi(2) + (x2 - c2).powi(2)) / two_w2).exp())
        .sum::<f64>()
        .clamp(-1.0, 1.0)
}

/// The 1-D step toy: `n` points evenly spaced in [-5, 5], target sign(x) as -1 or +1.
pub fn toy_1d(n: usize) -> Result<Dataset> {
    check_n(n)?;
    let mut x = Array2::zeros((n, 1));
    let mut y = Array2::zeros((n, 1));
    for i in 0..n {
        let v = -5.0 + 10.0 * i as f64 / (n - 1) as f64;
        x[[i, 0]] = v;
        y[[i, 0]] = if v < 0.0 { -1.0 } else { 1.0 };
    }
    Ok(Dataset {
        x,
        feature_names: vec!["x".into()],
        target: Target::Values {
            y,
            names: vec!["y".into()],
        },
        image_shape: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn circles_have_the_asked_radii_and_balance() {
        let d = circles(1000, 0.3, 0.0, &mut StdRng::seed_from_u64(1)).unwrap();
        let Target::Classes { labels, .. } = &d.target else {
            panic!("circles are classes")
        };
        assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 500);
        for (row, &l) in d.x.outer_iter().zip(labels) {
            let r = (row[0] * row[0] + row[1] * row[1]).sqrt();
            let want = if l == 0 { 1.0 } else { 0.3 };
            assert!((r - want).abs() < 1e-12);
        }
    }

    #[test]
    fn a_seed_reproduces_each_generator() {
        let make = |seed| {
            let rng = &mut StdRng::seed_from_u64(seed);
            vec![
                circles(100, 0.5, 0.1, rng).unwrap(),
                moons(100, 0.1, rng).unwrap(),
                xor(100, 0.1, rng).unwrap(),
                spirals(100, 3, 0.1, rng).unwrap(),
                cmu_blobs(rng).unwrap(),
                plane_regression(100, 0.1, rng).unwrap(),
                gauss_regression(100, 0.1, rng).unwrap(),
            ]
        };
        assert_eq!(make(5), make(5));
        assert_ne!(make(5), make(6));
    }

    #[test]
    fn toy_1d_is_the_sign_of_x() {
        let d = toy_1d(1000).unwrap();
        assert_eq!(d.x[[0, 0]], -5.0);
        assert_eq!(d.x[[999, 0]], 5.0);
        let Target::Values { y, .. } = &d.target else {
            panic!("toy is regression")
        };
        assert!(d.x.iter().zip(y.iter()).all(|(x, y)| *y == x.signum()));
    }

    fn values(d: &Dataset) -> Vec<f64> {
        let Target::Values { y, .. } = &d.target else {
            panic!("a regression set has values")
        };
        y.column(0).to_vec()
    }

    #[test]
    fn the_plane_target_is_the_scaled_sum_and_spans_minus_one_to_one() {
        let d = plane_regression(2000, 0.0, &mut StdRng::seed_from_u64(3)).unwrap();
        let y = values(&d);
        for (row, t) in d.x.outer_iter().zip(&y) {
            assert!((t - (row[0] + row[1]) / 12.0).abs() < 1e-12);
        }
        let (lo, hi) = y
            .iter()
            .fold((1.0f64, -1.0f64), |(l, h), v| (l.min(*v), h.max(*v)));
        assert!(
            (-1.0..-0.9).contains(&lo) && hi > 0.9 && hi <= 1.0,
            "{lo} {hi}"
        );
        assert!(d.x.iter().all(|v| v.abs() <= 6.0));
        let noisy = plane_regression(2000, 0.5, &mut StdRng::seed_from_u64(3)).unwrap();
        assert_eq!(values(&noisy), y, "noise moves the inputs, not the targets");
        assert!(noisy.x.iter().any(|v| v.abs() > 6.0));
    }

    #[test]
    fn the_bumps_have_their_signs_at_their_centres_and_vanish_between() {
        for &(c1, c2, s) in &BUMPS {
            assert!((bumps_at(c1, c2) - s).abs() < 0.01, "{c1} {c2}");
        }
        assert!(bumps_at(2.0, 0.0).abs() < 0.1);
        assert!(bumps_at(0.0, 6.0).abs() < 0.05);
        let d = gauss_regression(3000, 0.0, &mut StdRng::seed_from_u64(4)).unwrap();
        let y = values(&d);
        assert!(y.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(y.iter().any(|&v| v > 0.9) && y.iter().any(|&v| v < -0.9));
        for (row, t) in d.x.outer_iter().zip(&y) {
            assert_eq!(*t, bumps_at(row[0], row[1]));
        }
    }

    #[test]
    fn bad_sizes_are_refused() {
        let rng = &mut StdRng::seed_from_u64(0);
        assert!(circles(1_000_000, 0.5, 0.1, rng).is_err());
        assert!(circles(100, 1.5, 0.1, rng).is_err());
        assert!(moons(100, f64::NAN, rng).is_err());
        assert!(spirals(100, 1, 0.1, rng).is_err());
        assert!(plane_regression(1, 0.1, rng).is_err());
        assert!(gauss_regression(100, -1.0, rng).is_err());
    }
}
