//! Batch normalisation (Ioffe and Szegedy; the cs231n formulas): per feature for rows
//! of features, per channel for images. Training normalises by the batch's mean and
//! (biased) variance, x-hat = (x - mu) / sqrt(var + eps), and outputs
//! gamma x-hat + beta; evaluation uses the running statistics, which each training
//! forward moves towards the batch's: running = momentum running + (1 - momentum) batch.
//!
//! In training the rows are coupled (every output depends on every row of the batch
//! through mu and var), so backprop one example at a time does not equal batch backprop;
//! in evaluation the layer is an affine map per row and the two agree.

use super::operation::{Mode, Operation, Outputs, ParamSpec, Pass, Role, Saved, Shape, Tensor};
use crate::engine::activation::Activation;
use crate::engine::error::{EngineError, Result};
use crate::engine::number::Real;
use serde_json::{json, Map, Value};

/// A batch-norm layer: gamma, beta, the running statistics and the two settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm<T> {
    /// The shape in, and out.
    pub shape: Shape,
    /// Scale per group (feature or channel).
    pub gamma: Vec<T>,
    /// Shift per group.
    pub beta: Vec<T>,
    /// Running mean per group, for evaluation.
    pub running_mean: Vec<T>,
    /// Running (biased) variance per group, for evaluation.
    pub running_var: Vec<T>,
    /// Weight of the old running statistics in each update, in [0, 1].
    pub momentum: f64,
    /// Added to the variance before the square root, > 0.
    pub eps: f64,
    /// [groups], the shape of every parameter and buffer.
    dims: [usize; 1],
}

/// gamma and beta, as model files name them.
const PARAMS: [ParamSpec; 2] = [
    ParamSpec {
        name: "gamma",
        symbol: "γ",
        role: Role::Scale,
    },
    ParamSpec {
        name: "beta",
        symbol: "β",
        role: Role::Bias,
    },
];

/// The running statistics, as model files name them.
const BUFFERS: [&str; 2] = ["running_mean", "running_var"];

impl<T: Real> BatchNorm<T> {
    /// gamma 1, beta 0, running mean 0 and variance 1, with the settings checked.
    pub fn new(shape: Shape, momentum: f64, eps: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&momentum) {
            return Err(EngineError::Model(format!(
                "momentum must be from 0 to 1, got {momentum}"
            )));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(EngineError::Model(format!(
                "eps must be a number > 0, got {eps}"
            )));
        }
        let g = groups(shape).0;
        Ok(BatchNorm {
            shape,
            gamma: vec![T::one(); g],
            beta: vec![T::zero(); g],
            running_mean: vec![T::zero(); g],
            running_var: vec![T::one(); g],
            momentum,
            eps,
            dims: [g],
        })
    }

    /// The same layer in another precision.
    pub fn cast<U: Real>(&self) -> BatchNorm<U> {
        let c = |v: &Vec<T>| v.iter().map(|x| U::from_f64(x.to_f64())).collect();
        BatchNorm {
            shape: self.shape,
            gamma: c(&self.gamma),
            beta: c(&self.beta),
            running_mean: c(&self.running_mean),
            running_var: c(&self.running_var),
            momentum: self.momentum,
            eps: self.eps,
            dims: self.dims,
        }
    }
}

/// (groups, values per group per row): features are their own groups; an image's
/// channels are, each over its pixels.
fn groups(shape: Shape) -> (usize, usize) {
    match shape {
        Shape::Features(n) => (n, 1),
        Shape::Image {
            channels,
            height,
            width,
        } => (channels, height * width),
    }
}

impl<T: Real> Operation<T> for BatchNorm<T> {
    fn kind(&self) -> &'static str {
        "batchnorm"
    }
    fn input_shape(&self) -> Shape {
        self.shape
    }
    fn output_shape(&self) -> Shape {
        self.shape
    }
    fn activation(&self) -> Option<Activation> {
        None
    }
    fn params(&self) -> &'static [ParamSpec] {
        &PARAMS
    }
    fn param_shape(&self, _p: usize) -> &[usize] {
        &self.dims
    }
    fn param(&self, p: usize) -> &[T] {
        match p {
            0 => &self.gamma,
            _ => &self.beta,
        }
    }
    fn param_mut(&mut self, p: usize) -> &mut [T] {
        match p {
            0 => &mut self.gamma,
            _ => &mut self.beta,
        }
    }
    fn buffers(&self) -> &'static [&'static str] {
        &BUFFERS
    }
    fn buffer(&self, i: usize) -> &[T] {
        match i {
            0 => &self.running_mean,
            _ => &self.running_var,
        }
    }
    fn buffer_mut(&mut self, i: usize) -> &mut [T] {
        match i {
            0 => &mut self.running_mean,
            _ => &mut self.running_var,
        }
    }
    fn hyper(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("momentum".into(), json!(self.momentum));
        m.insert("eps".into(), json!(self.eps));
        m
    }
    fn scratch_len(&self, _rows: usize) -> usize {
        0
    }
    /// x-hat for every value, then per group 1 / sqrt(var + eps), the mean and the
    /// variance the pass used.
    fn saved_len(&self, rows: usize) -> usize {
        rows * self.shape.len() + 3 * self.gamma.len()
    }
    fn forward(&self, pass: Pass<T>, input: &[T], n: usize, out: Outputs<T>, _s: &mut [T]) {
        let (g, spatial) = groups(self.shape);
        let len = g * spatial;
        let (x_hat, stats) = out.saved.split_at_mut(n * len);
        let (inv_std, rest) = stats.split_at_mut(g);
        let (mean, var) = rest.split_at_mut(g);
        let eps = T::from_f64(self.eps);
        let values = |c: usize| {
            (0..n).flat_map(move |r| (0..spatial).map(move |s| r * len + c * spatial + s))
        };
        for c in 0..g {
            let (mu, v) = match pass.mode {
                Mode::Eval => (self.running_mean[c], self.running_var[c]),
                Mode::Train => {
                    let m = T::from_f64((n * spatial) as f64);
                    let mu = values(c).fold(T::zero(), |s, i| s + input[i]) / m;
                    let v = values(c).fold(T::zero(), |s, i| {
                        let d = input[i] - mu;
                        s + d * d
                    }) / m;
                    (mu, v)
                }
            };
            mean[c] = mu;
            var[c] = v;
            inv_std[c] = T::one() / (v + eps).sqrt();
            for i in values(c) {
                x_hat[i] = (input[i] - mu) * inv_std[c];
                out.z[i] = self.gamma[c] * x_hat[i] + self.beta[c];
            }
        }
        out.a.copy_from_slice(out.z);
    }
    fn backward(
        &self,
        pass: Pass<T>,
        n: usize,
        saved: Saved<T>,
        delta: &mut [T],
        grads: &mut [Tensor<T>],
        d_input: Option<&mut [T]>,
        _scratch: &mut [T],
    ) {
        let [d_gamma, d_beta] = grads else {
            unreachable!("batch norm has two parameters");
        };
        let (g, spatial) = groups(self.shape);
        let len = g * spatial;
        let (x_hat, stats) = saved.saved.split_at(n * len);
        let inv_std = &stats[..g];
        let values = |c: usize| {
            (0..n).flat_map(move |r| (0..spatial).map(move |s| r * len + c * spatial + s))
        };
        let mut d_input = d_input;
        for (c, &inv_std) in inv_std.iter().enumerate() {
            let sum_d = values(c).fold(T::zero(), |s, i| s + delta[i]);
            let sum_dx = values(c).fold(T::zero(), |s, i| s + delta[i] * x_hat[i]);
            d_beta.values[c] = sum_d;
            d_gamma.values[c] = sum_dx;
            let Some(d) = d_input.as_deref_mut() else {
                continue;
            };
            let k = self.gamma[c] * inv_std;
            match pass.mode {
                Mode::Eval => values(c).for_each(|i| d[i] = k * delta[i]),
                Mode::Train => {
                    // cs231n: dx = gamma / (m sigma) (m dy - sum dy - x_hat sum dy x_hat)
                    let m = T::from_f64((n * spatial) as f64);
                    for i in values(c) {
                        d[i] = k / m * (m * delta[i] - sum_d - x_hat[i] * sum_dx);
                    }
                }
            }
        }
    }
    fn update_state(&mut self, saved: &[T], n: usize) {
        let g = self.gamma.len();
        let stats = &saved[n * self.shape.len()..];
        let (mean, var) = (&stats[g..2 * g], &stats[2 * g..3 * g]);
        let keep = T::from_f64(self.momentum);
        let take = T::one() - keep;
        for c in 0..g {
            self.running_mean[c] = keep * self.running_mean[c] + take * mean[c];
            self.running_var[c] = keep * self.running_var[c] + take * var[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::number::kernel::Kernel;

    fn pass(mode: Mode) -> Pass<'static, f64> {
        Pass {
            mode,
            ..Pass::eval(Kernel::Scalar)
        }
    }

    /// Forward over `x` (n rows of 2 features) into (out, saved).
    fn forward(bn: &BatchNorm<f64>, mode: Mode, x: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
        let (mut z, mut a) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let mut saved = vec![0.0; bn.saved_len(n)];
        let out = Outputs {
            z: &mut z,
            a: &mut a,
            saved: &mut saved,
        };
        bn.forward(pass(mode), x, n, out, &mut []);
        (a, saved)
    }

    #[test]
    fn training_follows_the_cs231n_formulas_and_evaluation_the_running_statistics() {
        let mut bn = BatchNorm::<f64>::new(Shape::Features(2), 0.9, 1e-5).unwrap();
        bn.gamma = vec![2.0, 0.5];
        bn.beta = vec![1.0, -1.0];
        let x = [1.0, 10.0, 2.0, 20.0, 6.0, 60.0];
        let (out, saved) = forward(&bn, Mode::Train, &x, 3);
        // Feature 0: mu = 3, var = (4 + 1 + 9) / 3 (biased), out = gamma x_hat + beta.
        let (mu, var) = (3.0, 14.0 / 3.0);
        for (r, &v) in [1.0, 2.0, 6.0].iter().enumerate() {
            let want = 2.0 * (v - mu) / (var + 1e-5f64).sqrt() + 1.0;
            assert!(
                (out[2 * r] - want).abs() < 1e-12,
                "{} vs {want}",
                out[2 * r]
            );
        }
        // running = momentum running + (1 - momentum) batch, from mean 0 and variance 1.
        bn.update_state(&saved, 3);
        assert!((bn.running_mean[0] - 0.1 * mu).abs() < 1e-12);
        assert!((bn.running_var[0] - (0.9 + 0.1 * var)).abs() < 1e-12);
        assert!((bn.running_mean[1] - 0.1 * 30.0).abs() < 1e-12);
        // Evaluation normalises by the running statistics, whatever the batch.
        let (out, _) = forward(&bn, Mode::Eval, &x[..2], 1);
        let want = 2.0 * (1.0 - bn.running_mean[0]) / (bn.running_var[0] + 1e-5).sqrt() + 1.0;
        assert!((out[0] - want).abs() < 1e-12);
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(BatchNorm::<f64>::new(Shape::Features(2), 1.5, 1e-5).is_err());
        assert!(BatchNorm::<f64>::new(Shape::Features(2), 0.9, 0.0).is_err());
    }
}
