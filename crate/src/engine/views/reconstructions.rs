//! Reconstructions of an autoencoder on image data: a handful of rows, each input image
//! beside the network's reconstruction of it, as greyscale pixels on one shared scale,
//! with the row's reconstruction error (its own loss, the number training lowers). And
//! the floor a linear 2-unit autoencoder can reach: the reconstruction error of PCA
//! with the same number of components, fitted on the training rows.

use super::pca::symmetric_eigen;
use crate::engine::dataset::features::InputTransform;
use crate::engine::dataset::Dataset;
use crate::engine::error::{EngineError, Result};
use crate::engine::loss::{Loss, Reduction};
use crate::engine::network::Network;
use crate::engine::number::Real;
use ndarray::{Array2, ArrayView2, Axis};

/// Rows shown besides the selected one.
pub const SHOWN_ROWS: usize = 8;

/// The last computed reconstructions: `rgba` holds, row after row, the input image then
/// the reconstruction, each `height` x `width` RGBA pixels, dark low and light high on
/// the raw data's range (the standardisation undone, so both look like the data).
#[derive(Debug, Default)]
pub struct Reconstructions {
    /// The data rows shown, in order.
    pub rows: Vec<usize>,
    /// Each row's reconstruction error: the loss of that row alone.
    pub errors: Vec<f64>,
    /// Image height and width.
    pub height: usize,
    /// See `height`.
    pub width: usize,
    /// The pixels (see the type).
    pub rgba: Vec<u8>,
}

/// Why the view cannot be drawn for this session, if it cannot: the targets must be
/// the inputs, and the inputs one-channel images.
pub fn unavailable(autoencoder: bool, data: &Dataset) -> Option<String> {
    if !autoencoder {
        return Some(
            "reconstructions are drawn for an autoencoder: choose the problem type autoencoder (target = input)".into(),
        );
    }
    match data.image_shape {
        Some((h, w)) if h * w == data.features() => None,
        Some(_) => Some("reconstructions are drawn for one-channel images".into()),
        None => Some(
            "reconstructions are drawn for image data, such as the 8x8 digits; these rows are not images"
                .into(),
        ),
    }
}

/// The rows the view shows: the first [`SHOWN_ROWS`] of `held_out`, then `selected` if
/// it is not among them and is one of the data's `rows` (a selection past the end, left
/// from other data, is skipped rather than failing the view).
pub fn shown_rows(held_out: &[usize], rows: usize, selected: usize) -> Vec<usize> {
    let mut shown: Vec<usize> = held_out.iter().copied().take(SHOWN_ROWS).collect();
    if selected < rows && !shown.contains(&selected) {
        shown.push(selected);
    }
    shown
}

impl Reconstructions {
    /// Reconstructs `rows` of `data` with `net`, whose targets are its inputs.
    pub fn update(
        &mut self,
        net: &Network<f64>,
        data: &Dataset,
        transform: &InputTransform,
        autoencoder: bool,
        rows: &[usize],
    ) -> Result<()> {
        if let Some(why) = unavailable(autoencoder, data) {
            return Err(EngineError::Mismatch(why));
        }
        if let Some(&bad) = rows.iter().find(|&&r| r >= data.rows()) {
            return Err(EngineError::Mismatch(format!(
                "row {bad} does not exist; the data has {} rows",
                data.rows()
            )));
        }
        let (height, width) = data.image_shape.unwrap_or_default();
        let x = transform.apply(data.select(rows).x.view())?;
        let out = net.forward(x.view())?;
        let recon = out.output().to_owned();
        self.errors = x
            .outer_iter()
            .zip(recon.outer_iter())
            .map(|(xr, ar)| net.loss.row(ar, xr))
            .collect();
        let (lo, hi) = data
            .x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let raw = |m: &Array2<f64>| -> Array2<f64> {
            match &transform.standardizer {
                Some(s) => {
                    let mut m = m.clone();
                    for mut row in m.outer_iter_mut() {
                        for ((v, mean), std) in row.iter_mut().zip(&s.mean).zip(&s.std) {
                            *v = *v * std + mean;
                        }
                    }
                    m
                }
                None => m.clone(),
            }
        };
        let (xs, rs) = (raw(&x), raw(&recon));
        let grey = |v: f64| -> u8 {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            (255.0 * t.clamp(0.0, 1.0)).round() as u8
        };
        self.rgba.clear();
        for (xr, rr) in xs.outer_iter().zip(rs.outer_iter()) {
            for image in [xr, rr] {
                for &v in image.iter() {
                    let g = grey(v);
                    self.rgba.extend([g, g, g, 255]);
                }
            }
        }
        self.rows = rows.to_vec();
        self.height = height;
        self.width = width;
        Ok(())
    }
}

/// The mean reconstruction error of `net` over the rows `x` (network inputs, which are
/// also the targets): the loss per row, without the weight penalty.
pub fn mean_error(net: &Network<f64>, x: ArrayView2<f64>) -> Result<f64> {
    let out = net.forward(x)?;
    Ok(net.loss.value(out.output(), x, Reduction::Mean))
}

/// The width of the narrowest layer before the output: the autoencoder's bottleneck,
/// and the components of the PCA it is compared with.
pub fn bottleneck_width<T: Real>(net: &Network<T>) -> usize {
    let n = net.layers.len().saturating_sub(1);
    net.layers[..n]
        .iter()
        .map(|l| l.output_len())
        .min()
        .unwrap_or(net.input_dim)
}

/// Mean over the rows of `eval` of the reconstruction `loss` (mse's 1/2 ||x - x-hat||^2,
/// or sse's ||x - x-hat||^2), where x-hat is x projected on the `k` leading principal
/// components of `train` (about its mean): the least reconstruction error any linear
/// autoencoder with `k` units can reach on the training rows (Baldi and Hornik), and a
/// yardstick on held-out rows, in the network's own loss.
pub fn pca_reconstruction_error(
    train: ArrayView2<f64>,
    eval: ArrayView2<f64>,
    k: usize,
    loss: Loss,
) -> f64 {
    let d = train.ncols();
    let n = train.nrows().max(1) as f64;
    let mean = train.sum_axis(Axis(0)) / n;
    let centred = &train - &mean;
    let cov = centred.t().dot(&centred) / n;
    let (_, vectors) = symmetric_eigen(cov.as_slice().unwrap_or(&[]), d);
    let k = k.min(d);
    let basis = Array2::from_shape_vec((k, d), vectors[..k * d].to_vec())
        .expect("k eigenvectors of length d");
    let e = &eval - &mean;
    let projected = e.dot(&basis.t()).dot(&basis) + &mean;
    loss.value(projected.view(), eval, Reduction::Mean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::dataset::Target;
    use crate::engine::network::{Architecture, LayerSpec};

    fn images() -> Dataset {
        let x = Array2::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as f64);
        Dataset {
            x,
            target: Target::Classes {
                labels: vec![0, 1, 0],
                names: vec!["a".into(), "b".into()],
            },
            feature_names: (0..4).map(|c| format!("p{c}")).collect(),
            image_shape: Some((2, 2)),
        }
    }

    #[test]
    fn pca_with_every_component_reconstructs_exactly_and_with_none_leaves_the_variance() {
        let x = Array2::from_shape_fn((20, 3), |(r, c)| ((r * 7 + c * 3) % 11) as f64 - c as f64);
        assert!(pca_reconstruction_error(x.view(), x.view(), 3, Loss::Mse) < 1e-20);
        let n = 20.0;
        let mean = x.sum_axis(Axis(0)) / n;
        let variance = (&x - &mean).mapv(|v| v * v).sum() / n;
        let none = pca_reconstruction_error(x.view(), x.view(), 0, Loss::Mse);
        assert!((none - 0.5 * variance).abs() < 1e-12, "{none} {variance}");
        let one = pca_reconstruction_error(x.view(), x.view(), 1, Loss::Mse);
        assert!(one < none && one > 0.0);
        let sse = pca_reconstruction_error(x.view(), x.view(), 1, Loss::Sse);
        assert!(
            (sse - 2.0 * one).abs() < 1e-12,
            "sse {sse} is twice mse {one}"
        );
    }

    #[test]
    fn the_identity_autoencoder_reconstructs_every_pixel_and_its_error_is_zero() {
        let data = images();
        let arch = Architecture {
            input_dim: 4,
            input_shape: None,
            layers: vec![
                LayerSpec::dense(4, Activation::Identity),
                LayerSpec::Tied {
                    of: 0,
                    activation: Activation::Identity,
                },
            ],
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut net = Network::<f64>::zeros(&arch).unwrap();
        for i in 0..4 {
            net.layers[0].weights_mut()[[i, i]] = 1.0;
        }
        let mut r = Reconstructions::default();
        r.update(&net, &data, &InputTransform::default(), true, &[2, 0])
            .unwrap();
        assert_eq!((r.rows.clone(), r.height, r.width), (vec![2, 0], 2, 2));
        assert_eq!(r.errors, [0.0, 0.0]);
        assert_eq!(r.rgba.len(), 2 * 2 * 4 * 4);
        // Row 2 holds 8..11 of the range 0..11: its first pixel, input and output alike.
        let first = (255.0_f64 * 8.0 / 11.0).round() as u8;
        assert_eq!(r.rgba[0], first);
        assert_eq!(r.rgba[16], first, "the reconstruction follows its input");
        assert_eq!(
            &r.rgba[32..36],
            &[0, 0, 0, 255],
            "row 0's first pixel is the low end"
        );
        net.layers[0].weights_mut()[[0, 0]] = 0.0;
        r.update(&net, &data, &InputTransform::default(), true, &[2])
            .unwrap();
        assert_eq!(r.errors, [0.5 * 64.0], "pixel 0 (8) is lost: 1/2 8^2");
        assert_eq!(r.rgba[16], 0, "and drawn dark");
        let x = data.x.select(Axis(0), &[2]);
        assert_eq!(mean_error(&net, x.view()).unwrap(), 32.0);
        assert_eq!(bottleneck_width(&net), 4);
    }

    #[test]
    fn the_view_says_why_it_cannot_be_drawn() {
        let mut data = images();
        assert!(unavailable(false, &data).unwrap().contains("autoencoder"));
        assert_eq!(unavailable(true, &data), None);
        data.image_shape = None;
        assert!(unavailable(true, &data).unwrap().contains("image data"));
        assert_eq!(shown_rows(&[5, 6], 10, 6), [5, 6]);
        assert_eq!(shown_rows(&[1, 2], 10, 7), [1, 2, 7]);
        assert_eq!(shown_rows(&[1, 2], 10, 10), [1, 2], "no row 10 of 10");
        assert_eq!(shown_rows(&(0..20).collect::<Vec<_>>(), 20, 15).len(), 9);
    }
}
