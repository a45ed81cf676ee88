//! The training step for small networks, with the examples of a mini-batch across the
//! SIMD lanes.
//!
//! The general step keeps one example per row and vectorises along the units, which
//! leaves registers half empty and pays a call per product when layers have a handful
//! of units (the circles networks). Here the mini-batch is cut into panels of up to 16
//! examples and every unit holds its panel as one row of 4 to 16 lanes, so any layer
//! fills whole registers: z[j] = b[j] + sum_i W[j][i] a_prev[i], four examples per
//! instruction. Lanes past a panel's examples hold zeros in the inputs, activations and
//! deltas, so they add nothing to the gradients. The whole step (gather, forward, cost,
//! backward, accuracy) runs over buffers allocated once.

use super::activation::Activation;
use super::flat::{flat, flat_mut};
use super::layer::Dense;
use super::loss::Loss;
use super::network::{Gradients, Network};
use super::number::lanes::Lanes;
use super::number::Real;
use ndarray::{ArrayView1, ArrayViewMut1};

/// Most examples in a panel: four registers of four lanes.
const PANEL: usize = 16;

/// Widest input or layer the panel step takes. Wider layers fill registers along their
/// units, in the general step.
pub const MAX_WIDTH: usize = 32;

/// What one mini-batch gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchOutcome<T> {
    /// Cost: the reduced loss plus the L2 penalty.
    pub cost: T,
    /// Examples classified correctly before the update (0 without labels).
    pub correct: u64,
}

/// The rows a step reads: features, dense targets and class labels, all by row index.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a, T> {
    /// Features, row-major (rows, inputs).
    pub x: &'a [T],
    /// Targets, row-major (rows, outputs).
    pub y: &'a [T],
    /// Class of each row, for accuracy.
    pub labels: Option<&'a [usize]>,
}

/// The buffers of the panel step for one network shape.
#[derive(Debug, Clone)]
pub struct Panels<T> {
    /// a[0] is the input panel, a[l + 1] = f(z[l]); each (width, lanes), row-major.
    a: Vec<Vec<T>>,
    z: Vec<Vec<T>>,
    /// dC/da, then dC/dz, of each layer: (units, lanes).
    delta: Vec<Vec<T>>,
    /// Targets: (outputs, lanes).
    y: Vec<T>,
    /// One example's output, target and dC/da, for the losses taken per example.
    out: Vec<T>,
    target: Vec<T>,
    grad: Vec<T>,
}

impl<T: Real> Panels<T> {
    /// Buffers for `net`, or None when a layer is wider than [`MAX_WIDTH`].
    pub fn new(net: &Network<T>) -> Option<Self> {
        let widths = std::iter::once(net.input_dim).chain(net.layers.iter().map(|l| l.units()));
        if widths.clone().any(|w| w > MAX_WIDTH) {
            return None;
        }
        let buffer = |w: usize| vec![T::zero(); w * PANEL];
        let outputs = net.output_dim();
        Some(Panels {
            a: widths.map(buffer).collect(),
            z: net.layers.iter().map(|l| buffer(l.units())).collect(),
            delta: net.layers.iter().map(|l| buffer(l.units())).collect(),
            y: buffer(outputs),
            out: vec![T::zero(); outputs],
            target: vec![T::zero(); outputs],
            grad: vec![T::zero(); outputs],
        })
    }

    /// Forward and backward over the rows `batch` of `rows`, leaving dC/dW and dC/db
    /// (summed over the panels, penalty included) in `grads`, whatever they held.
    pub fn step(
        &mut self,
        net: &Network<T>,
        rows: Source<T>,
        batch: &[usize],
        grads: &mut Gradients<T>,
    ) -> BatchOutcome<T> {
        let scale = net.reduction.scale(batch.len());
        let mut loss = T::zero();
        let mut correct = 0;
        for (p, panel) in batch.chunks(PANEL).enumerate() {
            let first = p == 0;
            let (l, c) = match panel.len().div_ceil(4) {
                1 => self.panel::<1>(net, rows, panel, scale, first, grads),
                2 => self.panel::<2>(net, rows, panel, scale, first, grads),
                3 => self.panel::<3>(net, rows, panel, scale, first, grads),
                _ => self.panel::<4>(net, rows, panel, scale, first, grads),
            };
            loss += l;
            correct += c;
        }
        net.add_penalty_gradients(&mut grads.dw);
        BatchOutcome {
            cost: loss * scale + net.penalty(),
            correct,
        }
    }

    /// One panel of `NV` registers per unit: writes its gradients into `grads` (the
    /// first panel) or adds them, and returns its summed (unscaled) loss and correct count.
    fn panel<const NV: usize>(
        &mut self,
        net: &Network<T>,
        rows: Source<T>,
        panel: &[usize],
        scale: T,
        first: bool,
        grads: &mut Gradients<T>,
    ) -> (T, u64) {
        let lanes = 4 * NV;
        let used = panel.len();
        gather(rows.x, net.input_dim, panel, lanes, &mut self.a[0]);
        for (l, layer) in net.layers.iter().enumerate() {
            let (w, b) = (flat(&layer.w), flat(&layer.b));
            let width = layer.units() * lanes;
            let (before, after) = self.a.split_at_mut(l + 1);
            let a_prev = &before[l][..layer.fan_in() * lanes];
            let a = &mut after[0][..width];
            let z = &mut self.z[l][..width];
            forward::<T, NV>((w, b, layer.activation), a_prev, used, z, a);
        }
        let (loss, correct) = self.output(net, rows, panel, lanes, scale);
        for (l, layer) in net.layers.iter().enumerate().rev() {
            let width = layer.units() * lanes;
            let fan_in = layer.fan_in() * lanes;
            let (below, here) = self.delta.split_at_mut(l);
            let delta = &mut here[0][..width];
            backward::<T, NV>(
                layer,
                (&self.z[l][..width], &self.a[l + 1][..width]),
                &self.a[l][..fan_in],
                delta,
                (
                    flat_mut(&mut grads.dw[l]),
                    flat_mut(&mut grads.db[l]),
                    !first,
                ),
                below.last_mut().map(|d| &mut d[..fan_in]),
            );
        }
        (loss, correct)
    }

    /// The loss of the panel's outputs and its gradient dC/da into the last delta;
    /// squared errors lane by lane, the other losses one example at a time.
    fn output(
        &mut self,
        net: &Network<T>,
        rows: Source<T>,
        panel: &[usize],
        lanes: usize,
        scale: T,
    ) -> (T, u64) {
        let outputs = net.output_dim();
        let last = net.layers.len();
        gather(rows.y, outputs, panel, lanes, &mut self.y);
        let a = &self.a[last][..outputs * lanes];
        let y = &self.y[..outputs * lanes];
        let d = &mut self.delta[last - 1][..outputs * lanes];
        let mut loss = T::zero();
        let squared = matches!(net.loss, Loss::Mse | Loss::Sse);
        if squared {
            let (half, k) = if net.loss == Loss::Mse {
                (T::from_f64(0.5), scale)
            } else {
                (T::one(), scale + scale)
            };
            let (k, mut sq) = (T::Lanes::splat(k), T::Lanes::splat(T::zero()));
            let lanes4 = d
                .chunks_exact_mut(4)
                .zip(a.chunks_exact(4).zip(y.chunks_exact(4)));
            for (d, (a, y)) in lanes4 {
                let diff = T::Lanes::load(a) - T::Lanes::load(y);
                sq = sq + diff * diff;
                (k * diff).store(d);
            }
            loss = half * sq.sum();
        }
        let mut correct = 0;
        if squared && rows.labels.is_none() {
            return (loss, correct);
        }
        if !squared {
            clear_padding(d, lanes, panel.len());
        }
        for (e, &row) in panel.iter().enumerate() {
            if outputs == 1 {
                self.out[0] = a[e];
            } else {
                column(a, lanes, e, &mut self.out);
            }
            if !squared {
                column(y, lanes, e, &mut self.target);
                let (out, target) = (ArrayView1::from(&self.out), ArrayView1::from(&self.target));
                loss += net.loss.row(out, target);
                net.loss
                    .row_gradient(out, target, scale, ArrayViewMut1::from(&mut self.grad));
                for (o, &g) in self.grad.iter().enumerate() {
                    d[o * lanes + e] = g;
                }
            }
            if let Some(labels) = rows.labels {
                correct += u64::from(net.class_of(&self.out) == labels[row]);
            }
        }
        (loss, correct)
    }
}

/// Copies feature f of row panel[e] into dst[f * lanes + e], zeros past the panel (in
/// the same loop: a separate fill of a few values would be a `memory.fill` call).
fn gather<T: Real>(src: &[T], width: usize, panel: &[usize], lanes: usize, dst: &mut [T]) {
    for (f, lane) in dst.chunks_exact_mut(lanes).take(width).enumerate() {
        for (e, o) in lane.iter_mut().enumerate() {
            *o = panel.get(e).map_or(T::zero(), |&row| src[row * width + f]);
        }
    }
}

/// Example e of a (width, lanes) panel.
fn column<T: Copy>(panel: &[T], lanes: usize, e: usize, out: &mut [T]) {
    for (o, lane) in out.iter_mut().zip(panel.chunks_exact(lanes)) {
        *o = lane[e];
    }
}

/// Zeros the lanes past the first `used` of every unit.
fn clear_padding<T: Real>(panel: &mut [T], lanes: usize, used: usize) {
    if used < lanes {
        for lane in panel.chunks_exact_mut(lanes) {
            lane[used..].fill(T::zero());
        }
    }
}

/// z = W a_prev + b and a = f(z) along the lanes, f applied in registers and the lanes
/// past the first `used` of a set to 0. w: (units, fan_in); a_prev: (fan_in, 4 NV);
/// z, a: (units, 4 NV).
#[inline(always)]
fn forward<T: Real, const NV: usize>(
    (w, b, f): (&[T], &[T], Activation),
    a_prev: &[T],
    used: usize,
    z: &mut [T],
    a: &mut [T],
) {
    let lanes = 4 * NV;
    let fan_in = a_prev.len() / lanes;
    let units = z.chunks_exact_mut(lanes).zip(a.chunks_exact_mut(lanes));
    for (((zj, aj), wj), &bj) in units.zip(w.chunks_exact(fan_in)).zip(b) {
        let mut acc = [T::Lanes::splat(bj); NV];
        for (&wji, ai) in wj.iter().zip(a_prev.chunks_exact(lanes)) {
            let s = T::Lanes::splat(wji);
            for (v, acc) in acc.iter_mut().enumerate() {
                *acc = *acc + s * T::Lanes::load(&ai[4 * v..]);
            }
        }
        for (v, &acc) in acc.iter().enumerate() {
            acc.store(&mut zj[4 * v..]);
            let av = f.apply_lanes::<T>(acc);
            let av = if used < 4 * v + 4 {
                av.keep_first(used.saturating_sub(4 * v))
            } else {
                av
            };
            av.store(&mut aj[4 * v..]);
        }
    }
}

/// On entry delta holds dC/da of this layer; BP2's second half makes it dC/dz = dC/da
/// f'(z) in registers (written back for the layer below). Then BP3 and BP4 go into db
/// and dW, added when `accumulate` and written otherwise: db[j] (+)= sum of delta[j];
/// dW[j][i] (+)= delta[j] . a_prev[i] over the lanes. Then, when asked, the first half
/// of BP2 into da_prev: da_prev[i] = sum over j of W[j][i] delta[j]. The second
/// argument is this layer's (z, a); shapes as in [`forward`].
#[inline(always)]
fn backward<T: Real, const NV: usize>(
    layer: &Dense<T>,
    (z, a): (&[T], &[T]),
    a_prev: &[T],
    delta: &mut [T],
    (dw, db, accumulate): (&mut [T], &mut [T], bool),
    da_prev: Option<&mut [T]>,
) {
    let lanes = 4 * NV;
    let fan_in = a_prev.len() / lanes;
    let f = layer.activation;
    // The first panel writes the gradients, so they need no zeroing (a `memory.fill`).
    let add = |old: T, new: T| if accumulate { old + new } else { new };
    let units = delta
        .chunks_exact_mut(lanes)
        .zip(z.chunks_exact(lanes).zip(a.chunks_exact(lanes)));
    for (((dj, (zj, aj)), dwj), dbj) in units.zip(dw.chunks_exact_mut(fan_in)).zip(db.iter_mut()) {
        let d: [T::Lanes; NV] = std::array::from_fn(|v| {
            let lane = |s: &[T]| T::Lanes::load(&s[4 * v..]);
            f.scale_lanes::<T>(lane(dj), lane(zj), lane(aj))
        });
        for (v, d) in d.iter().enumerate() {
            d.store(&mut dj[4 * v..]);
        }
        *dbj = add(*dbj, d.iter().skip(1).fold(d[0], |s, &x| s + x).sum());
        let dot = |ai: &[T]| {
            (1..NV).fold(d[0] * T::Lanes::load(ai), |s, v| {
                s + d[v] * T::Lanes::load(&ai[4 * v..])
            })
        };
        // Four weights at a time, so that their dot products share one reduction.
        let mut dw4 = dwj.chunks_exact_mut(4);
        let mut a4 = a_prev.chunks_exact(4 * lanes);
        for (dw, a) in (&mut dw4).zip(&mut a4) {
            let dots = T::Lanes::sum4(std::array::from_fn(|r| dot(&a[r * lanes..])));
            let sums = if accumulate {
                T::Lanes::load(dw) + dots
            } else {
                dots
            };
            sums.store(dw);
        }
        for (dwji, ai) in dw4
            .into_remainder()
            .iter_mut()
            .zip(a4.remainder().chunks_exact(lanes))
        {
            *dwji = add(*dwji, dot(ai).sum());
        }
    }
    if let Some(da_prev) = da_prev {
        let w = flat(&layer.w);
        for (i, dai) in da_prev.chunks_exact_mut(lanes).enumerate() {
            let mut acc = [T::Lanes::splat(T::zero()); NV];
            for (dj, wj) in delta.chunks_exact(lanes).zip(w.chunks_exact(fan_in)) {
                let s = T::Lanes::splat(wj[i]);
                for (v, acc) in acc.iter_mut().enumerate() {
                    *acc = *acc + s * T::Lanes::load(&dj[4 * v..]);
                }
            }
            for (v, acc) in acc.iter().enumerate() {
                acc.store(&mut dai[4 * v..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::{Activation, ALL};
    use crate::engine::init::standard_normal;
    use crate::engine::loss::Reduction;
    use crate::engine::network::Architecture;
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    struct Case {
        input: usize,
        layers: Vec<(usize, Activation)>,
        loss: Loss,
        l2: f64,
    }

    fn network(case: &Case, rng: &mut StdRng) -> Network<f64> {
        let mut net = Network::zeros(&Architecture {
            input_dim: case.input,
            layers: case.layers.clone(),
            loss: case.loss,
            reduction: Reduction::Mean,
            l2: case.l2,
        })
        .unwrap();
        for layer in &mut net.layers {
            let scale = (layer.fan_in() as f64).sqrt();
            layer.w.mapv_inplace(|_| standard_normal(rng) / scale);
            layer.b.mapv_inplace(|_| 0.1 * standard_normal(rng));
        }
        net
    }

    /// Rows, dense targets and labels for `case`: one-hot for several outputs, 0/1 for one.
    fn rows(case: &Case, count: usize, rng: &mut StdRng) -> (Array2<f64>, Array2<f64>, Vec<usize>) {
        let outputs = case.layers.last().unwrap().0;
        let x = Array2::from_shape_fn((count, case.input), |_| standard_normal(rng));
        let labels: Vec<usize> = (0..count).map(|r| (r * 7 + 3) % outputs.max(2)).collect();
        let y = Array2::from_shape_fn((count, outputs), |(r, o)| {
            let on = if outputs == 1 {
                labels[r] == 1
            } else {
                labels[r] == o
            };
            f64::from(u8::from(on))
        });
        (x, y, labels)
    }

    /// The general step's cost, gradients and correct count over `batch`.
    fn general(
        net: &Network<f64>,
        x: &Array2<f64>,
        y: &Array2<f64>,
        labels: &[usize],
        batch: &[usize],
    ) -> (f64, Gradients<f64>, u64) {
        let bx = x.select(ndarray::Axis(0), batch);
        let by = y.select(ndarray::Axis(0), batch);
        let (cost, trace, grads) = net.cost_and_gradients(bx.view(), by.view()).unwrap();
        let correct = net
            .classes_of(trace.output())
            .iter()
            .zip(batch)
            .filter(|(c, &r)| **c == labels[r])
            .count() as u64;
        (cost, grads, correct)
    }

    fn cases() -> Vec<Case> {
        let tanh = Activation::Tanh;
        let mut cases = vec![
            Case {
                input: 2,
                layers: vec![(8, tanh), (8, tanh), (1, tanh)],
                loss: Loss::Mse,
                l2: 0.0,
            },
            Case {
                input: 3,
                layers: vec![(5, tanh), (1, Activation::Identity)],
                loss: Loss::SigmoidCrossEntropy,
                l2: 0.01,
            },
            Case {
                input: 32,
                layers: vec![(32, Activation::Relu), (4, Activation::Identity)],
                loss: Loss::SoftmaxCrossEntropy,
                l2: 0.0,
            },
            Case {
                input: 6,
                layers: vec![(7, Activation::Sigmoid), (3, Activation::Identity)],
                loss: Loss::Sse,
                l2: 0.1,
            },
        ];
        for act in ALL {
            cases.push(Case {
                input: 4,
                layers: vec![(6, act), (2, act)],
                loss: Loss::Mse,
                l2: 0.0,
            });
        }
        cases
    }

    #[test]
    fn panels_give_the_general_steps_gradients_for_every_panel_width() {
        let rng = &mut StdRng::seed_from_u64(11);
        for case in cases() {
            let net = network(&case, rng);
            let (x, y, labels) = rows(&case, 45, rng);
            let mut order: Vec<usize> = (0..45).collect();
            order.shuffle(rng);
            let mut panels = Panels::new(&net).unwrap();
            let mut grads = Gradients::new(&net, 45);
            for n in [1, 3, 4, 5, 10, 16, 17, 33, 45] {
                let batch = &order[..n];
                let rows = Source {
                    x: x.as_slice().unwrap(),
                    y: y.as_slice().unwrap(),
                    labels: Some(&labels),
                };
                let got = panels.step(&net, rows, batch, &mut grads);
                let (cost, want, correct) = general(&net, &x, &y, &labels, batch);
                let what = format!("{:?} {:?} n={n}", case.layers, case.loss);
                assert!(
                    (got.cost - cost).abs() <= 1e-12 * (1.0 + cost.abs()),
                    "{what}: cost {} vs {cost}",
                    got.cost
                );
                assert_eq!(got.correct, correct, "{what}");
                for l in 0..net.layers.len() {
                    let pairs = grads.dw[l]
                        .iter()
                        .zip(&want.dw[l])
                        .chain(grads.db[l].iter().zip(&want.db[l]));
                    for (g, w) in pairs {
                        assert!(
                            (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                            "{what} layer {l}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn f32_panels_on_simd_lanes_agree_with_f64_within_rounding() {
        let rng = &mut StdRng::seed_from_u64(12);
        for case in cases() {
            let net = network(&case, rng);
            let net32: Network<f32> = net.cast();
            let (x, y, labels) = rows(&case, 30, rng);
            let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
            let batch: Vec<usize> = (0..30).rev().collect();
            let mut grads = Gradients::new(&net32, 30);
            let rows = Source {
                x: x32.as_slice().unwrap(),
                y: y32.as_slice().unwrap(),
                labels: Some(&labels),
            };
            let got = Panels::new(&net32)
                .unwrap()
                .step(&net32, rows, &batch, &mut grads);
            let (cost, want, _) = general(&net, &x, &y, &labels, &batch);
            assert!((f64::from(got.cost) - cost).abs() <= 1e-5 * (1.0 + cost.abs()));
            for l in 0..net.layers.len() {
                for (g, w) in grads.dw[l].iter().zip(&want.dw[l]) {
                    assert!(
                        (f64::from(*g) - w).abs() <= 1e-4 * (1.0 + w.abs()),
                        "{:?} layer {l}: {g} vs {w}",
                        case.layers
                    );
                }
            }
        }
    }

    #[test]
    fn networks_wider_than_the_panel_limit_take_the_general_step() {
        let rng = &mut StdRng::seed_from_u64(13);
        let wide = Case {
            input: 2,
            layers: vec![(MAX_WIDTH + 1, Activation::Tanh), (1, Activation::Tanh)],
            loss: Loss::Mse,
            l2: 0.0,
        };
        assert!(Panels::new(&network(&wide, rng)).is_none());
    }
}
