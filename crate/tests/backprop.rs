//! Backprop tested as mathematics: gradient checks for every activation and loss on
//! random networks, the batch form against the per-example loop, f32 against f64.

mod common;

use backprop_lab::engine::activation::{Activation, ALL};
use backprop_lab::engine::dataset::generators;
use backprop_lab::engine::dataset::Target;
use backprop_lab::engine::gradcheck;
use backprop_lab::engine::init::{standard_normal, Init};
use backprop_lab::engine::loss::{Loss, Reduction};
use backprop_lab::engine::network::{Architecture, LayerSpec, Network};
use backprop_lab::engine::optim::Optimizer;
use backprop_lab::engine::train::{Rows, TrainConfig, Trainer};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// Gradient checks in f64 must agree to this relative error.
const GRADCHECK_TOL: f64 = 1e-7;
/// The central-difference step, as the cs231n notebook's eval_numerical_gradient uses:
/// at 1e-6 the rounding of the cost already reaches 1e-7 of the smaller gradients.
const STEP: f64 = 1e-5;
/// Batch and per-example backprop must agree to this (absolute, f64).
const LOOP_TOL: f64 = 1e-12;

fn random_net(arch: &Architecture, rng: &mut StdRng, std: f64) -> Network<f64> {
    let mut net = Network::zeros(arch).unwrap();
    Init::Gaussian { std }.apply(&mut net, 0.0, rng);
    for l in &mut net.layers {
        l.biases_mut().mapv_inplace(|_| 0.3 * standard_normal(rng));
    }
    net
}

fn input(rows: usize, cols: usize, rng: &mut StdRng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| standard_normal(rng))
}

fn arch(
    hidden: Activation,
    out_act: Activation,
    loss: Loss,
    reduction: Reduction,
    l2: f64,
) -> Architecture {
    let outputs = if loss == Loss::SigmoidCrossEntropy {
        1
    } else {
        3
    };
    Architecture {
        input_dim: 3,
        input_shape: None,
        layers: LayerSpec::dense_stack(&[(4, hidden), (5, hidden), (outputs, out_act)]),
        loss,
        reduction,
        l2,
    }
}

#[test]
fn gradient_check_passes_for_every_activation_and_loss() {
    let mut rng = StdRng::seed_from_u64(2024);
    let mut worst_overall = 0.0f64;
    for hidden in ALL {
        for loss in Loss::ALL {
            for (reduction, l2) in [(Reduction::Mean, 0.0), (Reduction::Sum, 0.05)] {
                // Cross-entropy reads raw scores; a third exp stacked on two is too curved
                // for any finite-difference step to resolve to 1e-7.
                let out_act = if loss.is_cross_entropy() || hidden == Activation::Exp {
                    Activation::Identity
                } else {
                    hidden
                };
                let a = arch(hidden, out_act, loss, reduction, l2);
                // exp of exp of exp overflows from larger weights.
                let std = if hidden == Activation::Exp { 0.3 } else { 0.8 };
                let net = random_net(&a, &mut rng, std);
                let x = input(6, 3, &mut rng);
                let y = common::random_targets(loss, 6, net.output_dim(), &mut rng);
                let checks = gradcheck::check(&net, x.view(), y.view(), STEP).unwrap();
                for c in &checks {
                    // Kinks of relu and leaky_relu inside the central difference, and
                    // gradients too small for a difference of costs to resolve, are
                    // judged by absolute error instead.
                    for ((&g, &n), &r) in c.analytic.iter().zip(&c.numeric).zip(&c.relative_error) {
                        let ok = r < GRADCHECK_TOL || (g - n).abs() < 1e-9;
                        assert!(
                            ok,
                            "{} / {} / {:?}: layer {} {}: backprop {g} vs numeric {n} (rel {r})",
                            hidden.name(),
                            loss.name(),
                            reduction,
                            c.layer + 1,
                            c.tensor
                        );
                        if (g - n).abs() >= 1e-9 {
                            worst_overall = worst_overall.max(r);
                        }
                    }
                }
            }
        }
    }
    assert!(worst_overall < GRADCHECK_TOL, "worst {worst_overall}");
}

#[test]
fn per_example_backprop_equals_batch_backprop() {
    let mut rng = StdRng::seed_from_u64(11);
    for loss in Loss::ALL {
        for reduction in [Reduction::Mean, Reduction::Sum] {
            let a = arch(Activation::Tanh, Activation::Sigmoid, loss, reduction, 0.01);
            let net = random_net(&a, &mut rng, 0.7);
            let x = input(17, 3, &mut rng);
            let y = common::random_targets(loss, 17, net.output_dim(), &mut rng);
            let (_, _, batch) = net.cost_and_gradients(x.view(), y.view()).unwrap();
            let looped = net.gradients_per_example(x.view(), y.view()).unwrap();
            for l in 0..net.layers.len() {
                let dw = (&batch.dw(l) - &looped.dw(l))
                    .mapv(f64::abs)
                    .fold(0.0f64, |m, &v| m.max(v));
                let db = (&batch.db(l) - &looped.db(l))
                    .mapv(f64::abs)
                    .fold(0.0f64, |m, &v| m.max(v));
                assert!(
                    dw < LOOP_TOL && db < LOOP_TOL,
                    "{}: layer {l}: {dw} {db}",
                    loss.name()
                );
            }
        }
    }
}

#[test]
fn nielsen_circles_batch_equals_loop_and_gradient_checks() {
    // Seed 004: make_circles(1000, factor 0.3, noise 0.1), 2-3-3-1 sigmoid, cost 1/2 (a - y)^2.
    let mut rng = StdRng::seed_from_u64(4);
    let data = generators::circles(1000, 0.3, 0.1, &mut rng).unwrap();
    let a = Architecture {
        input_dim: 2,
        input_shape: None,
        layers: LayerSpec::dense_stack(&[
            (3, Activation::Sigmoid),
            (3, Activation::Sigmoid),
            (1, Activation::Sigmoid),
        ]),
        loss: Loss::Mse,
        reduction: Reduction::Mean,
        l2: 0.0,
    };
    let net = random_net(&a, &mut rng, 1.0);
    let y = data.target.matrix::<f64>(1).unwrap();
    let x50 = data.x.slice(ndarray::s![..50, ..]);
    let y50 = y.slice(ndarray::s![..50, ..]);
    let (_, _, batch) = net.cost_and_gradients(x50, y50).unwrap();
    let looped = net.gradients_per_example(x50, y50).unwrap();
    for l in 0..3 {
        assert!((&batch.dw(l) - &looped.dw(l))
            .iter()
            .all(|d| d.abs() < LOOP_TOL));
    }
    // Gradients of 1e-5 through three saturating sigmoids: a step of 1e-4 keeps the
    // rounding of the cost below 1e-7 of them, and sigmoid's curvature is gentle there.
    let checks = gradcheck::check(&net, x50, y50, 1e-4).unwrap();
    for c in &checks {
        assert!(c.max_relative_error < GRADCHECK_TOL, "{c:?}");
    }
}

#[test]
fn f32_training_tracks_f64_from_the_same_seed() {
    let mut rng = StdRng::seed_from_u64(9);
    let data = generators::circles(400, 0.5, 0.1, &mut rng).unwrap();
    let a = Architecture {
        input_dim: 2,
        input_shape: None,
        layers: LayerSpec::dense_stack(&[
            (8, Activation::Tanh),
            (8, Activation::Tanh),
            (1, Activation::Sigmoid),
        ]),
        loss: Loss::Mse,
        reduction: Reduction::Mean,
        l2: 0.0,
    };
    let mut net = Network::<f64>::zeros(&a).unwrap();
    Init::Xavier.apply(&mut net, 0.0, &mut StdRng::seed_from_u64(1));
    let Target::Classes { labels, .. } = &data.target else {
        unreachable!()
    };
    let config = TrainConfig {
        batch_size: 10,
        learning_rate: 0.3,
        lr_decay: 1.0,
        optimizer: Optimizer::Sgd,
        shuffle: true,
        seed: 5,
    };
    let rows64 = Rows {
        x: data.x.clone(),
        y: data.target.matrix(1).unwrap(),
        labels: Some(labels.clone()),
    };
    let rows32 = Rows {
        x: data.x.mapv(|v| v as f32),
        y: data.target.matrix(1).unwrap(),
        labels: Some(labels.clone()),
    };
    let empty64 = Rows {
        x: Array2::zeros((0, 2)),
        y: Array2::zeros((0, 1)),
        labels: None,
    };
    let empty32 = Rows {
        x: Array2::zeros((0, 2)),
        y: Array2::zeros((0, 1)),
        labels: None,
    };
    let mut t64 = Trainer::new(net.clone(), rows64, empty64, config.clone()).unwrap();
    let mut t32 = Trainer::new(net.cast::<f32>(), rows32, empty32, config).unwrap();
    t64.run(100).unwrap();
    t32.run(100).unwrap();
    let l64 = *t64.history.step_loss.values().last().unwrap();
    let l32 = *t32.history.step_loss.values().last().unwrap();
    assert!((l64 - l32).abs() / l64 < 1e-3, "f64 {l64} vs f32 {l32}");
    let first = t64.history.step_loss.values()[0];
    assert!(l64 != first, "training must move the loss");
}

#[test]
fn gradient_check_passes_with_l1_away_from_zero() {
    let mut rng = StdRng::seed_from_u64(77);
    for loss in Loss::ALL {
        for (l1, l2) in [(0.05, 0.0), (0.2, 0.05)] {
            let out_act = if loss.is_cross_entropy() {
                Activation::Identity
            } else {
                Activation::Tanh
            };
            let a = arch(Activation::Tanh, out_act, loss, Reduction::Mean, l2);
            let mut net = random_net(&a, &mut rng, 0.8);
            net.l1 = l1;
            // |w| has a corner at 0: keep every weight well clear of it, where the
            // central difference of l1 |w| is exactly l1 sign(w).
            for l in &mut net.layers {
                l.weights_mut().mapv_inplace(|w| {
                    if w.abs() < 0.01 {
                        0.01f64.copysign(w)
                    } else {
                        w
                    }
                });
            }
            let x = input(6, 3, &mut rng);
            let y = common::random_targets(loss, 6, net.output_dim(), &mut rng);
            let (_, _, with) = net.cost_and_gradients(x.view(), y.view()).unwrap();
            let mut plain = net.clone();
            plain.l1 = 0.0;
            let (_, _, without) = plain.cost_and_gradients(x.view(), y.view()).unwrap();
            // The penalty's share is exactly l1 sign(W), on weights only.
            for l in 0..net.layers.len() {
                let share = &with.dw(l) - &without.dw(l);
                let want = net.layers[l].weights().mapv(|w| l1 * w.signum());
                assert!(
                    (&share - &want).iter().all(|d| d.abs() < 1e-12),
                    "layer {}",
                    l + 1
                );
                assert_eq!(with.db(l), without.db(l), "biases carry no penalty");
            }
            for c in gradcheck::check(&net, x.view(), y.view(), STEP).unwrap() {
                for ((&g, &n), &r) in c.analytic.iter().zip(&c.numeric).zip(&c.relative_error) {
                    assert!(
                        r < GRADCHECK_TOL || (g - n).abs() < 1e-9,
                        "{} l1 {l1} l2 {l2}: layer {} {}: backprop {g} vs numeric {n} (rel {r})",
                        loss.name(),
                        c.layer + 1,
                        c.tensor
                    );
                }
            }
        }
    }
}
