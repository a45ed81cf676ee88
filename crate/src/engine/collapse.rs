//! "Linear activations collapse": a network whose every activation is the identity is
//! one affine map a = W* x + b*, with W* = W_L ... W_1 and b* = W_L(...(W_2 b_1 + b_2)...) + b_L.

use super::activation::Activation;
use super::error::{EngineError, Result};
use super::network::Network;
use ndarray::{Array1, Array2};

/// (W*, b*) of an all-identity stack of dense layers; an error names the first other
/// activation or kind.
pub fn collapse(net: &Network<f64>) -> Result<(Array2<f64>, Array1<f64>)> {
    if let Some((l, layer)) = net
        .layers
        .iter()
        .enumerate()
        .find(|(_, l)| l.activation_or_identity() != Activation::Identity)
    {
        return Err(EngineError::Mismatch(format!(
            "layer {} uses {}; only an all-identity network collapses to one affine map",
            l + 1,
            layer.activation_or_identity().name()
        )));
    }
    if let Some(l) = net.layers.iter().position(|l| l.dense().is_none()) {
        return Err(EngineError::Mismatch(format!(
            "layer {} is a {} layer; only a stack of dense layers is collapsed here",
            l + 1,
            net.layers[l].kind()
        )));
    }
    let mut w = Array2::eye(net.input_dim);
    let mut b = Array1::zeros(net.input_dim);
    for layer in &net.layers {
        w = layer.weights().dot(&w);
        b = layer.weights().dot(&b) + layer.biases();
    }
    Ok((w, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::Init;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, LayerSpec};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn the_affine_map_reproduces_the_network() {
        let arch = Architecture {
            input_dim: 3,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[
                (5, Activation::Identity),
                (4, Activation::Identity),
                (2, Activation::Identity),
            ]),
            loss: Loss::Mse,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        let mut net = Network::zeros(&arch).unwrap();
        Init::Gaussian { std: 0.7 }.apply(&mut net, 0.3, &mut StdRng::seed_from_u64(2));
        let (w, b) = collapse(&net).unwrap();
        let x = ndarray::array![[0.5, -1.0, 2.0], [3.0, 0.25, -0.5]];
        let direct = net.forward(x.view()).unwrap();
        let affine = x.dot(&w.t()) + &b;
        for (p, q) in direct.output().iter().zip(affine.iter()) {
            assert!((p - q).abs() < 1e-12);
        }
        net.layers[1].dense_mut().expect("a dense layer").activation = Activation::Tanh;
        assert!(collapse(&net)
            .unwrap_err()
            .to_string()
            .contains("layer 2 uses tanh"));
    }
}
