//! Weight initialisers. Every one draws from an injected, seeded generator, so a seed
//! reproduces a network exactly on every platform.

use super::error::{EngineError, Result};
use super::network::Network;
use super::number::Real;
use super::ops::Role;
use rand::{Rng, RngExt};

/// How initial weights are drawn; biases start at zero unless a bias value is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// Glorot uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
    Xavier,
    /// N(0, std^2): the notebooks' `weight_scale * randn`.
    Gaussian {
        /// Standard deviation.
        std: f64,
    },
    /// He normal: N(0, 2 / fan_in), for ReLU layers.
    HeNormal,
    /// U(0, 1), as one notebook does.
    Uniform01,
    /// Every weight 0: the CMU notebook's question 2.1.1. Every unit of a layer gets
    /// the same gradient, so the units never differ (and with tanh or ReLU nothing
    /// but the output biases ever moves).
    Zeros,
    /// Every weight the same value: the units of a layer start equal, get equal
    /// gradients and stay copies of one another.
    Constant {
        /// The weight.
        value: f64,
    },
}

impl Init {
    /// The name used in configurations.
    pub fn name(self) -> &'static str {
        match self {
            Init::Xavier => "xavier",
            Init::Gaussian { .. } => "gaussian",
            Init::HeNormal => "he",
            Init::Uniform01 => "uniform01",
            Init::Zeros => "zeros",
            Init::Constant { .. } => "constant",
        }
    }

    /// Parses a name; `std` is the standard deviation of `gaussian` and the value of
    /// `constant` (the page's one "init std" setting serves both).
    pub fn parse(name: &str, std: f64) -> Result<Self> {
        match name {
            "xavier" => Ok(Init::Xavier),
            "gaussian" => {
                if !(std.is_finite() && std > 0.0) {
                    return Err(EngineError::Model(format!(
                        "the gaussian initialiser needs a std > 0, got {std}"
                    )));
                }
                Ok(Init::Gaussian { std })
            }
            "he" => Ok(Init::HeNormal),
            "uniform01" => Ok(Init::Uniform01),
            "zeros" => Ok(Init::Zeros),
            "constant" => {
                if !std.is_finite() {
                    return Err(EngineError::Model(format!(
                        "the constant initialiser needs a finite value, got {std}"
                    )));
                }
                Ok(Init::Constant { value: std })
            }
            _ => Err(EngineError::Model(format!(
                "unknown initialiser \"{name}\" (known: xavier, gaussian, he, uniform01, zeros, constant)"
            ))),
        }
    }

    /// Fills every weight tensor ([`Role::Weight`]) in row-major order, operation by
    /// operation, from its fans ([`crate::engine::ops::Operation::fans`]), sets every
    /// bias ([`Role::Bias`]) to `bias` and every scale ([`Role::Scale`]) to 1.
    pub fn apply<T: Real>(self, net: &mut Network<T>, bias: f64, rng: &mut impl Rng) {
        for op in &mut net.layers {
            for (p, spec) in op.params().iter().enumerate() {
                let (fan_in, fan_out) = op.fans(p);
                let values = op.param_mut(p);
                match spec.role {
                    Role::Weight => {
                        for w in values.iter_mut() {
                            *w = T::from_f64(self.draw(fan_in, fan_out, rng));
                        }
                    }
                    Role::Bias => values.fill(T::from_f64(bias)),
                    Role::Scale => values.fill(T::one()),
                }
            }
        }
    }

    /// One initial weight of a tensor with these fans.
    fn draw(self, fan_in: usize, fan_out: usize, rng: &mut impl Rng) -> f64 {
        match self {
            Init::Xavier => {
                let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
                rng.random_range(-limit..limit)
            }
            Init::Gaussian { std } => std * standard_normal(rng),
            Init::HeNormal => (2.0 / fan_in as f64).sqrt() * standard_normal(rng),
            Init::Uniform01 => rng.random::<f64>(),
            Init::Zeros => 0.0,
            Init::Constant { value } => value,
        }
    }
}

/// One draw from N(0, 1) by the Box-Muller transform.
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn arch() -> Architecture {
        Architecture {
            input_dim: 40,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(60, Activation::Relu), (4, Activation::Identity)]),
            loss: Loss::SoftmaxCrossEntropy,
            reduction: Reduction::Mean,
            l2: 0.0,
        }
    }

    #[test]
    fn xavier_stays_in_its_limit_and_a_seed_reproduces_it() {
        let mut a = Network::<f64>::zeros(&arch()).unwrap();
        let mut b = a.clone();
        Init::Xavier.apply(&mut a, 0.0, &mut StdRng::seed_from_u64(7));
        Init::Xavier.apply(&mut b, 0.0, &mut StdRng::seed_from_u64(7));
        assert_eq!(a, b);
        let limit = (6.0f64 / 100.0).sqrt();
        assert!(a.layers[0].param(0).iter().all(|w| w.abs() < limit));
        let max = a.layers[0]
            .param(0)
            .iter()
            .fold(0.0f64, |m, w| m.max(w.abs()));
        assert!(max > 0.9 * limit, "draws should reach near the limit");
    }

    #[test]
    fn gaussian_and_he_have_the_asked_spread() {
        for (init, std) in [
            (Init::Gaussian { std: 0.01 }, 0.01),
            (Init::HeNormal, (2.0f64 / 40.0).sqrt()),
        ] {
            let mut n = Network::<f64>::zeros(&arch()).unwrap();
            init.apply(&mut n, 0.0, &mut StdRng::seed_from_u64(3));
            let w = n.layers[0].weights();
            let mean = w.sum() / w.len() as f64;
            let sd = (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
            assert!(
                (sd / std - 1.0).abs() < 0.1,
                "{}: sd {sd} vs {std}",
                init.name()
            );
            assert!(mean.abs() < 0.1 * std);
        }
    }

    #[test]
    fn zeros_and_constant_parse_by_name_and_fill_every_weight() {
        for name in ["xavier", "gaussian", "he", "uniform01", "zeros", "constant"] {
            assert_eq!(Init::parse(name, 0.5).unwrap().name(), name);
        }
        let err = Init::parse("ones", 0.5).unwrap_err().to_string();
        assert!(err.contains("zeros, constant"), "{err}");
        assert!(Init::parse("constant", f64::NAN).is_err());
        for (init, want) in [
            (Init::Zeros, 0.0),
            (Init::parse("constant", 0.25).unwrap(), 0.25),
        ] {
            let mut n = Network::<f64>::zeros(&arch()).unwrap();
            init.apply(&mut n, 0.1, &mut StdRng::seed_from_u64(1));
            for layer in &n.layers {
                assert!(
                    layer.weights().iter().all(|&w| w == want),
                    "{}",
                    init.name()
                );
                assert!(layer.biases().iter().all(|&b| b == 0.1));
            }
        }
    }
}
