//! The dense stack's fast path inside the one training step
//! ([`crate::engine::step`]): small networks with the examples of a mini-batch across
//! the SIMD lanes.
//!
//! The general step keeps one example per row and vectorises along the units, which
//! leaves registers half empty and pays a call per product when layers have a handful
//! of units (the circles networks). Here the mini-batch is cut into panels of up to 16
//! examples and every unit holds its panel as one row of 4 to 16 lanes, so any layer
//! fills whole registers: z[j] = b[j] + sum_i W[j][i] a_prev[i], four examples per
//! instruction. Lanes past a panel's examples hold zeros in the inputs, activations and
//! deltas, so they add nothing to the gradients. The whole step (gather, forward, cost,
//! backward, accuracy) runs over buffers allocated once; the cost and dC/da come from
//! [`Loss::panel`], the penalties from the step.

use super::dense::Dense;
use super::{Op, Tensor};
use crate::engine::activation::Activation;
use crate::engine::batch::{BatchOutcome, Source};
use crate::engine::flat::flat;
use crate::engine::loss::{Loss, Reduction};
use crate::engine::number::lanes::Lanes;
use crate::engine::number::Real;

/// Most examples in a panel: four registers of four lanes.
const PANEL: usize = 16;

/// Widest input or layer the panel step takes. Wider layers fill registers along their
/// units, in the general step.
pub const MAX_WIDTH: usize = 32;

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
    rows: Vec<T>,
}

/// The dense layer behind an operation [`Panels::new`] accepted.
fn dense<T: Real>(op: &Op<T>) -> &Dense<T> {
    op.dense()
        .expect("the panels take only dense stacks (checked by Panels::new)")
}

impl<T: Real> Panels<T> {
    /// Buffers for a stack of `ops` over `input_dim` features, or None when an
    /// operation is not dense or a layer is wider than [`MAX_WIDTH`].
    pub fn new(input_dim: usize, ops: &[Op<T>]) -> Option<Self> {
        if ops.is_empty() || ops.iter().any(|op| op.dense().is_none()) {
            return None;
        }
        let widths = std::iter::once(input_dim).chain(ops.iter().map(|op| op.output_len()));
        if widths.clone().any(|w| w > MAX_WIDTH) {
            return None;
        }
        let buffer = |w: usize| vec![T::zero(); w * PANEL];
        let outputs = ops.last().map_or(0, |op| op.output_len());
        Some(Panels {
            a: widths.map(buffer).collect(),
            z: ops.iter().map(|op| buffer(op.output_len())).collect(),
            delta: ops.iter().map(|op| buffer(op.output_len())).collect(),
            y: buffer(outputs),
            rows: vec![T::zero(); 3 * outputs],
        })
    }

    /// Forward and backward over the rows `batch` of `rows`, leaving dC/dW and dC/db of
    /// the loss (summed over the panels, without any penalty) in `grads`, whatever they
    /// held; the outcome's cost is the reduced loss.
    pub fn step(
        &mut self,
        (ops, loss, reduction): (&[Op<T>], Loss, Reduction),
        rows: Source<T>,
        batch: &[usize],
        grads: &mut [Vec<Tensor<T>>],
    ) -> BatchOutcome<T> {
        let scale = reduction.scale(batch.len());
        let mut total = T::zero();
        let mut correct = 0;
        for (p, panel) in batch.chunks(PANEL).enumerate() {
            let first = p == 0;
            let stack = (ops, loss, scale);
            let (l, c) = match panel.len().div_ceil(4) {
                1 => self.panel::<1>(stack, rows, panel, first, grads),
                2 => self.panel::<2>(stack, rows, panel, first, grads),
                3 => self.panel::<3>(stack, rows, panel, first, grads),
                _ => self.panel::<4>(stack, rows, panel, first, grads),
            };
            total += l;
            correct += c;
        }
        BatchOutcome {
            cost: total * scale,
            correct,
        }
    }

    /// One panel of `NV` registers per unit: writes its gradients into `grads` (the
    /// first panel) or adds them, and returns its summed (unscaled) loss and correct count.
    fn panel<const NV: usize>(
        &mut self,
        (ops, loss, scale): (&[Op<T>], Loss, T),
        rows: Source<T>,
        panel: &[usize],
        first: bool,
        grads: &mut [Vec<Tensor<T>>],
    ) -> (T, u64) {
        let lanes = 4 * NV;
        let used = panel.len();
        let input_dim = self.a[0].len() / PANEL;
        gather(rows.x, input_dim, panel, lanes, &mut self.a[0]);
        for (l, op) in ops.iter().enumerate() {
            let layer = dense(op);
            let (w, b) = (flat(&layer.w), flat(&layer.b));
            let width = layer.units() * lanes;
            let (before, after) = self.a.split_at_mut(l + 1);
            let a_prev = &before[l][..layer.fan_in() * lanes];
            let a = &mut after[0][..width];
            let z = &mut self.z[l][..width];
            forward::<T, NV>((w, b, layer.activation), a_prev, used, z, a);
        }
        let (cost, correct) = self.output(loss, rows, panel, lanes, scale);
        for (l, op) in ops.iter().enumerate().rev() {
            let layer = dense(op);
            let width = layer.units() * lanes;
            let fan_in = layer.fan_in() * lanes;
            let (below, here) = self.delta.split_at_mut(l);
            let delta = &mut here[0][..width];
            let [dw, db] = &mut grads[l][..] else {
                unreachable!("a dense layer has two parameters");
            };
            backward::<T, NV>(
                layer,
                (&self.z[l][..width], &self.a[l + 1][..width]),
                &self.a[l][..fan_in],
                delta,
                (&mut dw.values, &mut db.values, !first),
                below.last_mut().map(|d| &mut d[..fan_in]),
            );
        }
        (cost, correct)
    }

    /// The loss of the panel's outputs and its gradient dC/da into the last delta, both
    /// from [`Loss::panel`]; then the correct count.
    fn output(
        &mut self,
        loss: Loss,
        rows: Source<T>,
        panel: &[usize],
        lanes: usize,
        scale: T,
    ) -> (T, u64) {
        let last = self.delta.len();
        let outputs = self.y.len() / PANEL;
        gather(rows.y, outputs, panel, lanes, &mut self.y);
        let a = &self.a[last][..outputs * lanes];
        let y = &self.y[..outputs * lanes];
        let d = &mut self.delta[last - 1][..outputs * lanes];
        let cost = loss.panel(a, y, lanes, panel.len(), scale, d, &mut self.rows);
        let mut correct = 0;
        if let (Some(labels), 1) = (rows.labels, outputs) {
            // One output: its lane is the row, no copy needed.
            for (out, &row) in a.chunks_exact(1).zip(panel) {
                correct += u64::from(loss.class_of(out) == labels[row]);
            }
        } else if let Some(labels) = rows.labels {
            let out = &mut self.rows[..outputs];
            for (e, &row) in panel.iter().enumerate() {
                for (o, lane) in out.iter_mut().zip(a.chunks_exact(lanes)) {
                    *o = lane[e];
                }
                correct += u64::from(loss.class_of(out) == labels[row]);
            }
        }
        (cost, correct)
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

/// z = W a_prev + b and a = f(z) along the lanes, f applied in registers and the lanes
/// past the first `used` of a set to 0. w: (units, fan_in); a_prev: (fan_in, 4 NV);
/// z, a: (units, 4 NV). Two units at a time ([`forward_units`]), the odd one alone.
#[inline(always)]
fn forward<T: Real, const NV: usize>(
    (w, b, f): (&[T], &[T], Activation),
    a_prev: &[T],
    used: usize,
    z: &mut [T],
    a: &mut [T],
) {
    let (lanes, fan_in) = (4 * NV, a_prev.len() / (4 * NV));
    let (w2, b2) = (w.chunks_exact(2 * fan_in), b.chunks_exact(2));
    let (mut z2, mut a2) = (z.chunks_exact_mut(2 * lanes), a.chunks_exact_mut(2 * lanes));
    for (((w, b), z), a) in w2.clone().zip(b2.clone()).zip(&mut z2).zip(&mut a2) {
        forward_units::<T, NV, 2>((w, b, f), a_prev, used, z, a);
    }
    let (z, a) = (z2.into_remainder(), a2.into_remainder());
    if !z.is_empty() {
        forward_units::<T, NV, 1>((w2.remainder(), b2.remainder(), f), a_prev, used, z, a);
    }
}

/// [`forward`] for `U` units together: each input's registers are loaded once for all of
/// them, and their sums of products are `U` independent chains that overlap, where one
/// unit's chain would wait on each multiply-add in turn. Every z sums its products in the
/// same order as alone.
#[inline(always)]
fn forward_units<T: Real, const NV: usize, const U: usize>(
    (w, b, f): (&[T], &[T], Activation),
    a_prev: &[T],
    used: usize,
    z: &mut [T],
    a: &mut [T],
) {
    let (lanes, fan_in) = (4 * NV, a_prev.len() / (4 * NV));
    let w: [&[T]; U] = std::array::from_fn(|u| &w[u * fan_in..][..fan_in]);
    let mut acc: [[T::Lanes; NV]; U] = std::array::from_fn(|u| [T::Lanes::splat(b[u]); NV]);
    for (i, ai) in a_prev.chunks_exact(lanes).enumerate() {
        let x: [T::Lanes; NV] = std::array::from_fn(|v| T::Lanes::load(&ai[4 * v..]));
        for (acc, wu) in acc.iter_mut().zip(w) {
            let s = T::Lanes::splat(wu[i]);
            for (acc, &x) in acc.iter_mut().zip(&x) {
                *acc = acc.mul_add(s, x);
            }
        }
    }
    let units = z.chunks_exact_mut(lanes).zip(a.chunks_exact_mut(lanes));
    for ((zj, aj), acc) in units.zip(acc) {
        for (v, acc) in acc.iter().enumerate() {
            acc.store(&mut zj[4 * v..]);
        }
        for (v, av) in f.apply_lanes::<T, NV>(acc).into_iter().enumerate() {
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
                s.mul_add(d[v], T::Lanes::load(&ai[4 * v..]))
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
        let mut da2 = da_prev.chunks_exact_mut(2 * lanes);
        for (pair, da) in (&mut da2).enumerate() {
            back_inputs::<T, NV, 2>(w, delta, 2 * pair, da);
        }
        let da = da2.into_remainder();
        if !da.is_empty() {
            back_inputs::<T, NV, 1>(w, delta, fan_in - 1, da);
        }
    }
}

/// BP2's first half for the `U` inputs from `first`: da_prev[i] = sum over j of
/// W[j][i] delta[j], each unit's delta registers loaded once for all of them and the `U`
/// sums independent chains that overlap (as in [`forward_units`]), each summed in the
/// same order as alone. w: (units, fan_in); delta: (units, 4 NV); da: (U, 4 NV).
#[inline(always)]
fn back_inputs<T: Real, const NV: usize, const U: usize>(
    w: &[T],
    delta: &[T],
    first: usize,
    da: &mut [T],
) {
    let lanes = 4 * NV;
    let fan_in = w.len() / (delta.len() / lanes);
    let mut acc = [[T::Lanes::splat(T::zero()); NV]; U];
    for (dj, wj) in delta.chunks_exact(lanes).zip(w.chunks_exact(fan_in)) {
        let d: [T::Lanes; NV] = std::array::from_fn(|v| T::Lanes::load(&dj[4 * v..]));
        for (acc, &wji) in acc.iter_mut().zip(&wj[first..first + U]) {
            let s = T::Lanes::splat(wji);
            for (acc, &d) in acc.iter_mut().zip(&d) {
                *acc = acc.mul_add(s, d);
            }
        }
    }
    for (dai, acc) in da.chunks_exact_mut(lanes).zip(acc) {
        for (v, acc) in acc.iter().enumerate() {
            acc.store(&mut dai[4 * v..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::{Activation, ALL};
    use crate::engine::init::standard_normal;
    use crate::engine::loss::Reduction;
    use crate::engine::network::{Architecture, LayerSpec};
    use crate::engine::network::{Gradients, Network};
    use crate::engine::penalty;
    use ndarray::Array2;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::SeedableRng;

    /// The panels' step as the one step takes it: the penalties added after.
    fn step<T: Real>(
        panels: &mut Panels<T>,
        net: &Network<T>,
        rows: Source<T>,
        batch: &[usize],
        grads: &mut Gradients<T>,
    ) -> BatchOutcome<T> {
        let stack = (&net.layers[..], net.loss, net.reduction);
        let got = panels.step(stack, rows, batch, &mut grads.params);
        penalty::add_gradients(&net.layers, net.penalties(), &mut grads.params);
        BatchOutcome {
            cost: got.cost + net.penalty(),
            correct: got.correct,
        }
    }

    struct Case {
        input: usize,
        layers: Vec<(usize, Activation)>,
        loss: Loss,
        l2: f64,
    }

    fn network(case: &Case, rng: &mut StdRng) -> Network<f64> {
        let mut net = Network::zeros(&Architecture {
            input_dim: case.input,
            input_shape: None,
            layers: LayerSpec::dense_stack(&case.layers.clone()),
            loss: case.loss,
            reduction: Reduction::Mean,
            l2: case.l2,
        })
        .unwrap();
        for layer in &mut net.layers {
            let scale = (layer.input_len() as f64).sqrt();
            layer
                .weights_mut()
                .mapv_inplace(|_| standard_normal(rng) / scale);
            layer
                .biases_mut()
                .mapv_inplace(|_| 0.1 * standard_normal(rng));
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
            let mut panels = Panels::new(net.input_dim, &net.layers).unwrap();
            let mut grads = Gradients::new(&net, 45);
            for n in [1, 3, 4, 5, 10, 16, 17, 33, 45] {
                let batch = &order[..n];
                let rows = Source {
                    x: x.as_slice().unwrap(),
                    y: y.as_slice().unwrap(),
                    labels: Some(&labels),
                };
                let got = step(&mut panels, &net, rows, batch, &mut grads);
                let (cost, want, correct) = general(&net, &x, &y, &labels, batch);
                let what = format!("{:?} {:?} n={n}", case.layers, case.loss);
                assert!(
                    (got.cost - cost).abs() <= 1e-12 * (1.0 + cost.abs()),
                    "{what}: cost {} vs {cost}",
                    got.cost
                );
                assert_eq!(got.correct, correct, "{what}");
                for l in 0..net.layers.len() {
                    let pairs = grads.params[l]
                        .iter()
                        .flat_map(|t| &t.values)
                        .zip(want.params[l].iter().flat_map(|t| &t.values));
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
            let mut panels = Panels::new(net32.input_dim, &net32.layers).unwrap();
            let got = step(&mut panels, &net32, rows, &batch, &mut grads);
            let (cost, want, _) = general(&net, &x, &y, &labels, &batch);
            assert!((f64::from(got.cost) - cost).abs() <= 1e-5 * (1.0 + cost.abs()));
            for l in 0..net.layers.len() {
                for (g, w) in grads.dw(l).iter().zip(&want.dw(l)) {
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
        let net = network(&wide, rng);
        assert!(Panels::new(net.input_dim, &net.layers).is_none());
    }
}
