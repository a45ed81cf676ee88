//! Element-wise activation functions, each beside its exact derivative.

use super::error::{EngineError, Result};
use super::number::lanes::Lanes;
use super::number::Real;

/// Slope of `leaky_relu` for negative inputs.
pub const LEAKY_SLOPE: f64 = 0.01;

/// An element-wise non-linearity a = f(z).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// a = z
    Identity,
    /// a = 1 / (1 + e^-z)
    Sigmoid,
    /// a = tanh z
    Tanh,
    /// a = max(0, z); da/dz = 1 where z > 0, else 0 (the mask the ledger shows)
    Relu,
    /// a = z for z > 0, 0.01 z otherwise
    LeakyRelu,
    /// a = z * sigmoid(z)
    Swish,
    /// a = sin z
    Sin,
    /// a = cos z
    Cos,
    /// a = e^z
    Exp,
}

/// Every activation, in the order the page lists them.
pub const ALL: [Activation; 9] = [
    Activation::Identity,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu,
    Activation::Swish,
    Activation::Sin,
    Activation::Cos,
    Activation::Exp,
];

/// a = tanh z by [`Lanes::tanh`], four at a time, the tail through a padded register.
fn tanh_lanes<T: Real>(z: &[T], a: &mut [T]) {
    let n4 = z.len().min(a.len()) / 4 * 4;
    for (zc, ac) in z[..n4].chunks_exact(4).zip(a[..n4].chunks_exact_mut(4)) {
        T::Lanes::load(zc).tanh().store(ac);
    }
    if n4 < z.len() {
        let mut pad = [T::zero(); 4];
        let tail = z.len() - n4;
        pad[..tail].copy_from_slice(&z[n4..]);
        T::Lanes::load(&pad).tanh().store(&mut pad);
        a[n4..z.len()].copy_from_slice(&pad[..tail]);
    }
}

/// Numerically stable logistic function.
#[inline]
pub fn sigmoid<T: Real>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

impl Activation {
    /// The name used in model JSON and the page.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Swish => "swish",
            Activation::Sin => "sin",
            Activation::Cos => "cos",
            Activation::Exp => "exp",
        }
    }

    /// Parses a name as written by [`Activation::name`] (`linear` is accepted for identity).
    pub fn parse(name: &str) -> Result<Self> {
        if name == "linear" {
            return Ok(Activation::Identity);
        }
        ALL.iter()
            .copied()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = ALL.iter().map(|a| a.name()).collect();
                EngineError::Model(format!(
                    "unknown activation \"{name}\" (known: {})",
                    known.join(", ")
                ))
            })
    }

    /// a = f(z).
    #[inline]
    pub fn apply<T: Real>(self, z: T) -> T {
        match self {
            Activation::Identity => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => {
                if z > T::zero() {
                    z
                } else {
                    T::zero()
                }
            }
            Activation::LeakyRelu => {
                if z > T::zero() {
                    z
                } else {
                    T::from_f64(LEAKY_SLOPE) * z
                }
            }
            Activation::Swish => z * sigmoid(z),
            Activation::Sin => z.sin(),
            Activation::Cos => z.cos(),
            Activation::Exp => z.exp(),
        }
    }

    /// a = f(z) over slices; `fast` lets tanh take its lanes' fast method
    /// ([`Lanes::tanh`]: within a few ulp for f32, exact for f64).
    pub fn apply_all<T: Real>(self, fast: bool, z: &[T], a: &mut [T]) {
        match self {
            Activation::Tanh if fast => tanh_lanes(z, a),
            Activation::Identity => a.copy_from_slice(z),
            Activation::Relu => {
                for (o, &x) in a.iter_mut().zip(z) {
                    *o = if x > T::zero() { x } else { T::zero() };
                }
            }
            f => {
                for (o, &x) in a.iter_mut().zip(z) {
                    *o = f.apply(x);
                }
            }
        }
    }

    /// a = f(z) on `N` registers of four lanes, by the method [`Activation::apply_all`]
    /// takes when fast; tanh takes them together ([`Lanes::tanh_n`]).
    #[inline(always)]
    pub fn apply_lanes<T: Real, const N: usize>(self, z: [T::Lanes; N]) -> [T::Lanes; N] {
        match self {
            Activation::Tanh => T::Lanes::tanh_n(z),
            Activation::Identity => z,
            Activation::Relu => z.map(T::Lanes::relu),
            f => z.map(|z| f.apply_each::<T>(z)),
        }
    }

    /// The other activations lane by lane, out of line so that each caller stays small.
    #[inline(never)]
    fn apply_each<T: Real>(self, z: T::Lanes) -> T::Lanes {
        z.map(|x| self.apply(x))
    }

    /// delta * f'(z) on four lanes, as [`Activation::scale_by_derivative`] computes it.
    #[inline(always)]
    pub fn scale_lanes<T: Real>(self, delta: T::Lanes, z: T::Lanes, a: T::Lanes) -> T::Lanes {
        let one = T::Lanes::splat(T::one());
        match self {
            Activation::Identity => delta,
            Activation::Tanh => delta * (one - a * a),
            Activation::Sigmoid => delta * (a * (one - a)),
            Activation::Relu => delta.zero_where_nonpositive(z),
            f => f.scale_each::<T>(delta, z, a),
        }
    }

    /// The other derivatives through the slice form, out of line.
    #[inline(never)]
    fn scale_each<T: Real>(self, delta: T::Lanes, z: T::Lanes, a: T::Lanes) -> T::Lanes {
        let [mut d, mut zl, mut al] = [[T::zero(); 4]; 3];
        delta.store(&mut d);
        z.store(&mut zl);
        a.store(&mut al);
        self.scale_by_derivative(&zl, &al, &mut d);
        T::Lanes::load(&d)
    }

    /// delta *= f'(z) over slices, with one plain loop for each common activation so
    /// that the compiler vectorises it.
    pub fn scale_by_derivative<T: Real>(self, z: &[T], a: &[T], delta: &mut [T]) {
        match self {
            Activation::Identity => {}
            Activation::Tanh => {
                for (d, &a) in delta.iter_mut().zip(a) {
                    *d *= T::one() - a * a;
                }
            }
            Activation::Sigmoid => {
                for (d, &a) in delta.iter_mut().zip(a) {
                    *d *= a * (T::one() - a);
                }
            }
            Activation::Relu => {
                // A select on every value, not a store where z <= 0: branch-free, so
                // the half of the signs that a prediction misses costs nothing.
                for (d, &z) in delta.iter_mut().zip(z) {
                    *d = if z <= T::zero() { T::zero() } else { *d };
                }
            }
            f => {
                for ((d, &z), &a) in delta.iter_mut().zip(z).zip(a) {
                    *d *= f.derivative(z, a);
                }
            }
        }
    }

    /// da/dz at z, given a = f(z) (reused where it makes the derivative cheaper).
    #[inline]
    pub fn derivative<T: Real>(self, z: T, a: T) -> T {
        match self {
            Activation::Identity => T::one(),
            Activation::Sigmoid => a * (T::one() - a),
            Activation::Tanh => T::one() - a * a,
            Activation::Relu => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Activation::LeakyRelu => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::from_f64(LEAKY_SLOPE)
                }
            }
            Activation::Swish => {
                let s = sigmoid(z);
                s + z * s * (T::one() - s)
            }
            Activation::Sin => z.cos(),
            Activation::Cos => -z.sin(),
            Activation::Exp => a,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in ALL {
            for &z in &[-2.3, -0.7, 0.4, 1.9] {
                let numeric = (act.apply(z + h) - act.apply(z - h)) / (2.0 * h);
                let exact = act.derivative(z, act.apply(z));
                assert!(
                    (numeric - exact).abs() < 1e-8,
                    "{} at {z}: {exact} vs {numeric}",
                    act.name()
                );
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        for act in ALL {
            assert_eq!(Activation::parse(act.name()).unwrap(), act);
        }
        let err = Activation::parse("softplus").unwrap_err().to_string();
        assert!(err.contains("unknown activation \"softplus\""), "{err}");
    }

    #[test]
    fn fast_tanh_is_within_a_few_ulp_for_f32_and_exact_for_f64() {
        let z: Vec<f64> = (-2000..=2000)
            .map(|i| f64::from(i) * 0.005 + 0.0007)
            .collect();
        for len in [z.len(), 7, 3] {
            let mut a = vec![0.0; len];
            Activation::Tanh.apply_all(true, &z[..len], &mut a);
            assert!(a.iter().zip(&z).all(|(a, z)| *a == z.tanh()), "f64, {len}");
            let z32: Vec<f32> = z[..len].iter().map(|&v| v as f32).collect();
            let mut a32 = vec![9.0f32; len];
            Activation::Tanh.apply_all(true, &z32, &mut a32);
            for (&t, &x) in a32.iter().zip(&z32) {
                let exact = f64::from(x).tanh();
                assert!(
                    (f64::from(t) - exact).abs() <= 5e-7 * exact.abs(),
                    "tanh({x}) = {t}"
                );
            }
        }
    }

    #[test]
    fn sigmoid_is_stable_far_from_zero() {
        assert_eq!(sigmoid(-800.0f64), 0.0);
        assert_eq!(sigmoid(800.0f64), 1.0);
        assert!((sigmoid(0.0f32) - 0.5).abs() < 1e-7);
    }
}
