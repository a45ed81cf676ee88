//! The feature maps of one image, as CNN Explainer shows them: the input, every channel
//! of every layer whose output is an image (convolutions, pools, and the batch norms and
//! dropouts between them), and the class scores. Also what the page highlights and
//! explains about one output pixel: its receptive field on every map before it, and a
//! convolution pixel's sum, patch × kernel + b, in f64.

use crate::engine::error::{EngineError, Result};
use crate::engine::network::{Network, Trace};
use crate::engine::ops::{Op, Operation, Shape};
use ndarray::ArrayView2;
use serde::Serialize;

/// One row of maps: the input (`layer` None) or the output of layer `layer`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// 0-based layer whose output this is; None for the input.
    pub layer: Option<usize>,
    /// "input" or the layer's kind ("conv2d", "maxpool2d", ...).
    pub kind: &'static str,
    /// Maps in this stage.
    pub channels: usize,
    /// Rows of pixels per map.
    pub height: usize,
    /// Pixels per row.
    pub width: usize,
    /// Where the stage's values start in [`FeatureMaps::values`], channel-major.
    pub offset: usize,
    /// Smallest value over the stage's maps (one scale for all its channels, so that
    /// they can be compared).
    pub min: f64,
    /// Largest value over the stage's maps.
    pub max: f64,
}

/// Every map of one example, for the page to paint.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeatureMaps {
    /// The stages, input first.
    pub stages: Vec<Stage>,
    /// Every stage's pixels, channel-major, one after another.
    #[serde(skip)]
    pub values: Vec<f32>,
    /// What the output reads as: class probabilities for the cross-entropy losses, the
    /// outputs themselves otherwise.
    pub scores: Vec<f64>,
}

/// The (channels, height, width) of an image shape.
fn image(shape: Shape) -> Option<(usize, usize, usize)> {
    match shape {
        Shape::Image {
            channels,
            height,
            width,
        } => Some((channels, height, width)),
        Shape::Features(_) => None,
    }
}

/// The input's shape as the network reads it.
fn input_shape(net: &Network<f64>) -> Shape {
    net.layers
        .first()
        .map_or(Shape::Features(net.input_dim), |op| op.input_shape())
}

impl FeatureMaps {
    /// Fills the maps of the one row `x` (already through the input transform) in
    /// evaluation mode. Errs when the network does not read images.
    pub fn update(&mut self, net: &Network<f64>, x: ArrayView2<f64>) -> Result<Trace<f64>> {
        if x.nrows() != 1 {
            return Err(EngineError::Data(
                "feature maps are drawn for one row".into(),
            ));
        }
        if image(input_shape(net)).is_none() {
            return Err(EngineError::Model(
                "feature maps need image data and a network whose first layer reads the image"
                    .into(),
            ));
        }
        let trace = net.forward(x)?;
        self.stages.clear();
        self.values.clear();
        let shapes = std::iter::once((None, "input", input_shape(net))).chain(
            net.layers
                .iter()
                .enumerate()
                .map(|(l, op)| (Some(l), op.kind(), op.output_shape())),
        );
        for (layer, kind, shape) in shapes {
            let Some((channels, height, width)) = image(shape) else {
                continue;
            };
            let a = trace.a(layer.map_or(0, |l| l + 1));
            let offset = self.values.len();
            let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
            for &v in a.iter() {
                min = min.min(v);
                max = max.max(v);
                self.values.push(v as f32);
            }
            self.stages.push(Stage {
                layer,
                kind,
                channels,
                height,
                width,
                offset,
                min,
                max,
            });
        }
        let out = trace.a(net.layers.len());
        let out: Vec<f64> = out.iter().copied().collect();
        self.scores = vec![0.0; out.len()];
        net.loss.prediction_row(&out, &mut self.scores);
        Ok(trace)
    }
}

/// A rectangle of pixels, rows `y0..=y1` and columns `x0..=x1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rect {
    /// First row.
    pub y0: usize,
    /// First column.
    pub x0: usize,
    /// Last row.
    pub y1: usize,
    /// Last column.
    pub x1: usize,
}

/// The receptive field of pixel (y, x) of layer `layer`'s output map: for the input and
/// each image-shaped layer output before it, the rectangle of pixels that pixel reads
/// (padding cut away), input first; the pixel itself last. A convolution reads every
/// channel of its input, so the rectangle holds for all of a stage's channels.
pub fn receptive_field<T: crate::engine::number::Real>(
    net: &Network<T>,
    layer: usize,
    y: usize,
    x: usize,
) -> Result<Vec<Rect>> {
    let op = net
        .layers
        .get(layer)
        .ok_or_else(|| EngineError::Data(format!("there is no layer {layer}")))?;
    let (_, h, w) = image(op.output_shape()).ok_or_else(|| {
        EngineError::Data(format!("layer {} does not output an image", layer + 1))
    })?;
    if y >= h || x >= w {
        return Err(EngineError::Data(format!(
            "pixel ({y}, {x}) is outside layer {}'s {h}x{w} map",
            layer + 1
        )));
    }
    // Signed bounds, so that padding can reach below 0 before it is cut away.
    let (mut r0, mut c0, mut r1, mut c1) = (y as i64, x as i64, y as i64, x as i64);
    let mut rects = vec![Rect {
        y0: y,
        x0: x,
        y1: y,
        x1: x,
    }];
    for l in (0..=layer).rev() {
        let op = &net.layers[l];
        let (window, stride, pad) = match op {
            Op::Conv2d(c) => (c.kernel(), c.stride as i64, c.pad as i64),
            Op::MaxPool2d(p) => ((p.size, p.size), p.stride as i64, 0),
            _ => ((1, 1), 1, 0),
        };
        r0 = r0 * stride - pad;
        c0 = c0 * stride - pad;
        r1 = r1 * stride - pad + window.0 as i64 - 1;
        c1 = c1 * stride - pad + window.1 as i64 - 1;
        let Some((_, ih, iw)) = image(op.input_shape()) else {
            break;
        };
        let clip = |v: i64, n: usize| v.clamp(0, n as i64 - 1) as usize;
        rects.push(Rect {
            y0: clip(r0, ih),
            x0: clip(c0, iw),
            y1: clip(r1, ih),
            x1: clip(c1, iw),
        });
    }
    rects.reverse();
    Ok(rects)
}

/// One convolution output pixel worked out: z = Σ patch × kernel + b, then a = f(z).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PixelSum {
    /// Channels, kernel rows and columns of the patch and the kernel.
    pub dims: [usize; 3],
    /// Top-left corner of the patch in the input map, padding included (may be < 0).
    pub origin: [i64; 2],
    /// The input values under the kernel, channel-major (0 where the kernel sits on
    /// padding).
    pub patch: Vec<f64>,
    /// The filter's weights, channel-major.
    pub kernel: Vec<f64>,
    /// patch × kernel term by term, so that the ledger lists each product as the
    /// engine computed it.
    pub products: Vec<f64>,
    /// The filter's bias.
    pub bias: f64,
    /// Σ patch × kernel + b.
    pub z: f64,
    /// The activation's name.
    pub activation: &'static str,
    /// f(z).
    pub a: f64,
    /// z as the forward pass computed it, to compare.
    pub z_forward: f64,
}

/// The sum behind pixel (y, x) of filter `filter` of convolution layer `layer`, from the
/// trace of one row's forward pass (in f64).
pub fn pixel_sum(
    net: &Network<f64>,
    trace: &Trace<f64>,
    layer: usize,
    filter: usize,
    y: usize,
    x: usize,
) -> Result<PixelSum> {
    let Some(Op::Conv2d(conv)) = net.layers.get(layer) else {
        return Err(EngineError::Data(format!(
            "layer {} is not a convolution",
            layer + 1
        )));
    };
    let (c, h, w) = image(conv.input_shape()).expect("a convolution reads an image");
    let (f, oh, ow) = image(conv.output_shape()).expect("a convolution writes an image");
    if filter >= f || y >= oh || x >= ow {
        return Err(EngineError::Data(format!(
            "layer {} has {f} maps of {oh}x{ow}; there is no map {filter} pixel ({y}, {x})",
            layer + 1
        )));
    }
    let (kh, kw) = conv.kernel();
    let input = trace.a(layer);
    let input = input.row(0);
    let weights = conv.param(0);
    let bias = conv.param(1)[filter];
    let oy = (y * conv.stride) as i64 - conv.pad as i64;
    let ox = (x * conv.stride) as i64 - conv.pad as i64;
    let mut patch = Vec::with_capacity(c * kh * kw);
    let kernel = weights[filter * c * kh * kw..(filter + 1) * c * kh * kw].to_vec();
    for ch in 0..c {
        for ky in 0..kh as i64 {
            for kx in 0..kw as i64 {
                let (iy, ix) = (oy + ky, ox + kx);
                let inside = iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w;
                patch.push(if inside {
                    input[ch * h * w + iy as usize * w + ix as usize]
                } else {
                    0.0
                });
            }
        }
    }
    let products: Vec<f64> = patch.iter().zip(&kernel).map(|(p, k)| p * k).collect();
    let z = products.iter().sum::<f64>() + bias;
    let f_ = conv.activation;
    Ok(PixelSum {
        dims: [c, kh, kw],
        origin: [oy, ox],
        patch,
        kernel,
        products,
        bias,
        z,
        activation: f_.name(),
        a: f_.apply(z),
        z_forward: trace.z[layer][[0, filter * oh * ow + y * ow + x]],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn convnet() -> Network<f64> {
        let arch = Architecture {
            input_dim: 64,
            input_shape: Some((1, 8, 8)),
            layers: vec![
                LayerSpec::Conv2d {
                    filters: 3,
                    kernel: (3, 3),
                    stride: 1,
                    pad: 1,
                    activation: Activation::Relu,
                },
                LayerSpec::MaxPool2d { size: 2, stride: 2 },
                LayerSpec::Conv2d {
                    filters: 2,
                    kernel: (3, 3),
                    stride: 2,
                    pad: 0,
                    activation: Activation::Tanh,
                },
                LayerSpec::Flatten,
                LayerSpec::dense(4, Activation::Identity),
            ],
            loss: Loss::SoftmaxCrossEntropy,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut net = Network::zeros(&arch).unwrap();
        crate::engine::init::Init::HeNormal.apply(&mut net, 0.1, &mut StdRng::seed_from_u64(3));
        net
    }

    fn row() -> Array2<f64> {
        Array2::from_shape_fn((1, 64), |(_, i)| ((i * 7) % 11) as f64 / 10.0)
    }

    #[test]
    fn every_image_stage_is_kept_with_its_range_and_the_scores_sum_to_one() {
        let net = convnet();
        let mut maps = FeatureMaps::default();
        maps.update(&net, row().view()).unwrap();
        let kinds: Vec<_> = maps
            .stages
            .iter()
            .map(|s| (s.kind, s.channels, s.height))
            .collect();
        assert_eq!(
            kinds,
            [
                ("input", 1, 8),
                ("conv2d", 3, 8),
                ("maxpool2d", 3, 4),
                ("conv2d", 2, 1)
            ]
        );
        assert_eq!(maps.values.len(), 64 + 192 + 48 + 2);
        assert_eq!(maps.stages[2].offset, 64 + 192);
        let s = &maps.stages[1];
        let vals = &maps.values[s.offset..s.offset + 192];
        assert_eq!(
            s.min,
            vals.iter().fold(f64::INFINITY, |m, &v| m.min(v as f64))
        );
        assert!(s.min >= 0.0, "ReLU maps are not negative");
        assert_eq!(maps.scores.len(), 4);
        assert!((maps.scores.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn receptive_fields_grow_back_through_pool_and_convolution() {
        let net = convnet();
        // The last conv (stride 2, no pad) pixel (0, 0) reads pool rows 0..=2, which read
        // conv rows 0..=5, which (pad 1) read input rows -1..=6, cut to 0..=6.
        let r = receptive_field(&net, 2, 0, 0).unwrap();
        let rect = |y0, x0, y1, x1| Rect { y0, x0, y1, x1 };
        assert_eq!(
            r,
            [
                rect(0, 0, 6, 6),
                rect(0, 0, 5, 5),
                rect(0, 0, 2, 2),
                rect(0, 0, 0, 0)
            ]
        );
        let r = receptive_field(&net, 0, 7, 3).unwrap();
        assert_eq!(r, [rect(6, 2, 7, 4), rect(7, 3, 7, 3)]);
        assert!(receptive_field(&net, 3, 0, 0)
            .unwrap_err()
            .to_string()
            .contains("layer 4"));
        assert!(receptive_field(&net, 0, 8, 0).is_err());
    }

    #[test]
    fn a_pixels_sum_is_the_forward_passes_z() {
        let net = convnet();
        let mut maps = FeatureMaps::default();
        let trace = maps.update(&net, row().view()).unwrap();
        for (layer, filter, y, x) in [(0, 2, 0, 0), (0, 1, 5, 7), (2, 1, 0, 0)] {
            let s = pixel_sum(&net, &trace, layer, filter, y, x).unwrap();
            assert!((s.z - s.z_forward).abs() < 1e-12, "{s:?}");
            assert_eq!(s.patch.len(), s.kernel.len());
        }
        let corner = pixel_sum(&net, &trace, 0, 0, 0, 0).unwrap();
        assert_eq!(corner.origin, [-1, -1]);
        assert_eq!(corner.patch[0], 0.0, "padding");
        assert_eq!(corner.patch[4], row()[[0, 0]]);
        assert!(pixel_sum(&net, &trace, 1, 0, 0, 0)
            .unwrap_err()
            .to_string()
            .contains("not a convolution"));
    }
}
