//! The ledger: one example's whole forward and backward pass as numbers, in f64, each
//! step with the equation it applies, the plain gradient step that pass implies, the
//! bias trick of every layer, plus the chain-rule factors of any weight.

use super::activation::Activation;
use super::error::{EngineError, Result};
use super::loss::{gradient_of, Reduction};
use super::network::{Gradients, Network, Trace};
use ndarray::{s, Array1, Array2, ArrayView2};
use serde_json::{json, Value};

/// One operation of the pass, as the page lists it.
fn step(kind: &str, layer: usize, equation: &str, name: &str, values: Value) -> Value {
    json!({ "kind": kind, "layer": layer, "equation": equation, "name": name, "values": values })
}

fn rows(a: ArrayView2<f64>) -> Value {
    json!(a.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

fn vector(a: ArrayView2<f64>) -> Value {
    json!(a.row(0).to_vec())
}

/// The bias trick of layer `l` (from 0): z = W a + b written as one product
/// [W b] [a; 1], so that a student sees the bias as the weight of a constant input 1.
/// JSON `{"layer", "matrix": [[W b]] (units, fan_in + 1), "input": [a; 1],
/// "product": [W b] [a; 1], "z": z from the forward pass, "max_difference"}`; the
/// product is computed here on its own, not read from the trace, so that the two can
/// be compared.
fn augmented(net: &Network<f64>, trace: &Trace<f64>, l: usize) -> Value {
    let layer = &net.layers[l];
    let (units, fan_in) = (layer.output_len(), layer.input_len());
    let mut matrix = Array2::<f64>::zeros((units, fan_in + 1));
    matrix.slice_mut(s![.., ..fan_in]).assign(&layer.weights());
    matrix.column_mut(fan_in).assign(&layer.biases());
    let mut input = Array1::<f64>::ones(fan_in + 1);
    input.slice_mut(s![..fan_in]).assign(&trace.a(l).row(0));
    let product = matrix.dot(&input);
    let z = trace.z(l).row(0).to_owned();
    let max_difference = product
        .iter()
        .zip(&z)
        .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
    json!({
        "layer": l + 1,
        "matrix": rows(matrix.view()),
        "input": input.to_vec(),
        "product": product.to_vec(),
        "z": z.to_vec(),
        "max_difference": max_difference,
    })
}

/// The plain gradient step of layer `l` (from 0) for this one example:
/// W' = W - lr dC/dW and b' = b - lr dC/db, with the ledger's own gradients (the L2
/// term included). JSON `{"layer", "w", "dw", "w_after", "b", "db", "b_after"}`.
fn update(net: &Network<f64>, grads: &Gradients<f64>, l: usize, learning_rate: f64) -> Value {
    let layer = &net.layers[l];
    let w_after = &layer.weights() - &(learning_rate * &grads.dw(l));
    let b_after = &layer.biases() - &(learning_rate * &grads.db(l));
    json!({
        "layer": l + 1,
        "w": rows(layer.weights().view()),
        "dw": rows(grads.dw(l).view()),
        "w_after": rows(w_after.view()),
        "b": layer.biases().to_vec(),
        "db": grads.db(l).to_vec(),
        "b_after": b_after.to_vec(),
    })
}

/// What the ledger adds to the pass itself, on request: each costs about as much JSON as
/// the weights, which matters for a wide network whose ledger is refreshed while it
/// trains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extras {
    /// The plain gradient step at this learning rate, when given.
    pub update: Option<f64>,
    /// Each layer's bias trick.
    pub augmented: bool,
}

impl Extras {
    /// Both: the update at `learning_rate` and the bias trick.
    pub fn all(learning_rate: f64) -> Self {
        Extras {
            update: Some(learning_rate),
            augmented: true,
        }
    }
}

/// The dense layers (from 0): the ones with a weight matrix, a bias trick and an update.
fn dense_layers(net: &Network<f64>) -> impl Iterator<Item = usize> + '_ {
    (0..net.layers.len()).filter(|&l| net.layers[l].dense().is_some())
}

/// What layer `l` (from 0) reads: x or a_l.
fn input_name(l: usize) -> String {
    if l == 0 {
        "x".to_string()
    } else {
        format!("a{l}")
    }
}

/// The forward rows of layer `l` (from 0): z then a for a layer with an activation, or
/// the one output of a layer without (pool, flatten, dropout, batch norm).
fn forward_steps(net: &Network<f64>, trace: &Trace<f64>, l: usize, steps: &mut Vec<Value>) {
    let (n, op, prev) = (l + 1, &net.layers[l], input_name(l));
    let z_equation = match (op.kind(), op.ties()) {
        (_, Some(of)) => format!(
            "z{n} = W{}^T {prev} + b{n} (tied to layer {})",
            of + 1,
            of + 1
        ),
        ("conv2d", _) => format!("z{n} = W{n} * {prev} + b{n} (each filter slid over {prev})"),
        _ => format!("z{n} = W{n} {prev} + b{n}"),
    };
    match op.activation() {
        Some(f) => {
            steps.push(step(
                "forward",
                n,
                &z_equation,
                &format!("z{n}"),
                vector(trace.z(l)),
            ));
            steps.push(step(
                "forward",
                n,
                &format!("a{n} = {}(z{n})", f.name()),
                &format!("a{n}"),
                vector(trace.a(n)),
            ));
        }
        None => steps.push(step(
            "forward",
            n,
            &format!("a{n} = {}({prev})", op.kind()),
            &format!("a{n}"),
            vector(trace.a(n)),
        )),
    }
}

/// dC/da of layer `l`'s output (from 0) for the first row, where the layer above has
/// a weight matrix to send delta back through: W^T delta (dense) or W_L delta (tied
/// to L). With the equation's text.
fn upstream(net: &Network<f64>, grads: &Gradients<f64>, l: usize) -> Option<(String, Array2<f64>)> {
    let (above, n) = (net.layers.get(l + 1)?, l + 2);
    let delta = grads.delta[l + 1].slice(s![..1, ..]);
    match above.ties() {
        Some(of) => Some((
            format!("W{} delta{n}", of + 1),
            delta.dot(&net.layers[of].weights().t()),
        )),
        None if above.dense().is_some() => {
            Some((format!("W{n}^T delta{n}"), delta.dot(&above.weights())))
        }
        None => None,
    }
}

/// The tied path of tied layer `t` (from 0) into its W's gradient for the first row:
/// (delta_t a_in^T)^T, shaped like the W it ties to.
fn tied_path(trace: &Trace<f64>, grads: &Gradients<f64>, t: usize) -> Array2<f64> {
    let input = trace.a(t).slice_move(s![..1, ..]);
    let delta = grads.delta[t].slice(s![..1, ..]);
    input.t().dot(&delta)
}

/// The backward rows of layer `l` (from 0): its delta (BP1 at the output, BP2 below,
/// the layer's own backward for one without an activation), then the gradient of each
/// of its parameters (BP3 for biases, BP4 for weights; a tied layer's path into the W
/// it ties to).
fn backward_steps(
    net: &Network<f64>,
    trace: &Trace<f64>,
    grads: &Gradients<f64>,
    l: usize,
    steps: &mut Vec<Value>,
) {
    let (n, op, prev) = (l + 1, &net.layers[l], input_name(l));
    let last = n == net.layers.len();
    let delta = grads.delta[l].slice(s![..1, ..]).row(0).to_vec();
    let up = upstream(net, grads, l);
    let mut values = json!({ "delta": delta });
    let (rule, equation) = match op.activation() {
        Some(f) => {
            let fprime: Vec<f64> = trace
                .z(l)
                .row(0)
                .iter()
                .zip(trace.a(n).row(0))
                .map(|(&z, &a)| f.derivative(z, a))
                .collect();
            values["fprime"] = json!(fprime);
            if f == Activation::Relu {
                values["mask"] = json!(trace
                    .z(l)
                    .row(0)
                    .iter()
                    .map(|&z| u8::from(z > 0.0))
                    .collect::<Vec<_>>());
            }
            let from = match (&up, last) {
                (_, true) => format!("dC/da{n}"),
                (Some((text, _)), _) => format!("({text})"),
                (None, _) => format!("(dC/da{n}, from layer {}'s backward)", n + 1),
            };
            let rule = if last { "BP1" } else { "BP2" };
            (rule, format!("delta{n} = {from} * {}'(z{n})", f.name()))
        }
        None => (
            "back",
            format!("delta{n} = dC/da{n}, from layer {}'s backward", n + 1),
        ),
    };
    if let Some((_, u)) = up.filter(|_| !last) {
        values["upstream"] = json!(u.row(0).to_vec());
    }
    steps.push(
        json!({ "kind": "backward", "layer": n, "rule": rule, "equation": equation,
        "name": format!("delta{n}"), "values": values }),
    );
    let penalty = format!(
        "{}{}",
        if net.l2 > 0.0 { " + l2 W" } else { "" },
        if net.l1 > 0.0 { " + l1 sign(W)" } else { "" }
    );
    // BP3 before BP4, as the notebooks list them.
    let mut order: Vec<usize> = (0..op.params().len()).collect();
    order.sort_by_key(|&p| op.params()[p].name != "biases");
    for p in order {
        let (spec, g) = (&op.params()[p], &grads.params[l][p]);
        let (rule, equation, values) = match (spec.name, g.matrix()) {
            ("biases", _) => ("BP3", format!("dC/db{n} = delta{n}"), json!(g.values)),
            ("weights", Some(m)) => {
                let tied: Vec<String> = super::ledger_tied::tied_to(net, l)
                    .iter()
                    .map(|t| format!(" + (tied path of layer {})", t + 1))
                    .collect();
                let eq = format!("dC/dW{n} = delta{n} {prev}^T{}{penalty}", tied.concat());
                ("BP4", eq, rows(m))
            }
            ("weights", None) => (
                "BP4",
                format!("dC/dW{n} = delta{n} * {prev} (each filter's patches){penalty}"),
                json!(g.values),
            ),
            (name, _) => (
                "grad",
                format!("dC/d{}{n} ({name})", spec.symbol),
                json!(g.values),
            ),
        };
        steps.push(
            json!({ "kind": "backward", "layer": n, "rule": rule, "equation": equation,
            "name": format!("dC/d{}{n}", spec.symbol), "values": values }),
        );
    }
    if let Some(of) = op.ties() {
        steps.push(json!({ "kind": "backward", "layer": n, "rule": "BP4",
            "equation": format!("tied path: (delta{n} {prev}^T)^T, added to dC/dW{}", of + 1),
            "name": format!("tied path of layer {n}"),
            "values": rows(tied_path(trace, grads, l).view()) }));
    }
}

/// The ledger of example (x: one row, y: its target row), JSON:
/// `{"cost": C, "input": x, "target": y,
///   "steps": [{"kind": "forward"|"cost"|"backward", "layer", "equation", "name", "values"}],
///   "augmented": [per layer], "update": {"learning_rate", "layers": [per layer]}}`,
/// the last two as `extras` asks. Layers count from 1. The cost is the example's own
/// (reduced over one row), plus the L2 penalty. `augmented` gives each layer's
/// [W b] [a; 1] beside its z (the bias trick); `update` gives each layer's W, dC/dW and
/// W - learning_rate dC/dW, and the same for b: the plain SGD step this one example asks
/// for (training steps on mini-batches, and momentum or Adam change the step).
/// Errors: more than one row, or a learning rate that is not finite.
pub fn ledger(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    extras: Extras,
) -> Result<Value> {
    if x.nrows() != 1 || y.nrows() != 1 {
        return Err(EngineError::Mismatch(
            "the ledger shows one example at a time".into(),
        ));
    }
    if let Some(lr) = extras.update.filter(|lr| !lr.is_finite()) {
        return Err(EngineError::Mismatch(format!(
            "the learning rate must be finite, got {lr}"
        )));
    }
    let (cost, trace, grads) = net.cost_and_gradients(x, y)?;
    let mut steps = Vec::new();
    let last = net.layers.len();
    for l in 0..last {
        forward_steps(net, &trace, l, &mut steps);
    }
    steps.push(step(
        "cost",
        last,
        &format!(
            "C = {}(a{last}, y){}{}",
            net.loss.name(),
            if net.l2 > 0.0 { " + l2/2 sum W^2" } else { "" },
            if net.l1 > 0.0 { " + l1 sum |W|" } else { "" }
        ),
        "C",
        json!(cost),
    ));
    let dc_da = gradient_of(net.loss, trace.output(), y, Reduction::Sum);
    steps.push(step(
        "backward",
        last,
        &format!("dC/da{last} = gradient of {} at a{last}", net.loss.name()),
        &format!("dC/da{last}"),
        vector(dc_da.view()),
    ));
    for l in (0..last).rev() {
        backward_steps(net, &trace, &grads, l, &mut steps);
    }
    let mut out = json!({
        "cost": cost,
        "input": vector(x),
        "target": vector(y),
        "steps": steps,
    });
    if extras.augmented {
        out["augmented"] = dense_layers(net)
            .map(|l| augmented(net, &trace, l))
            .collect();
    }
    if let Some(lr) = extras.update {
        out["update"] = json!({
            "learning_rate": lr,
            "layers": dense_layers(net).map(|l| update(net, &grads, l, lr)).collect::<Vec<_>>(),
        });
    }
    Ok(out)
}

/// Which parameter: W[layer][unit][input], or the bias b[layer][unit] when `input` is
/// None. Indices count from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Layer index.
    pub layer: usize,
    /// Unit (row of W).
    pub unit: usize,
    /// Input (column of W), or None for the bias.
    pub input: Option<usize>,
}

impl Param {
    /// Checks that the parameter exists in `net`.
    pub fn check<T>(self, net: &Network<T>) -> Result<()>
    where
        T: super::number::Real,
    {
        // By the parameters' own shapes: a convolution's biases are one per filter,
        // not one per output pixel, and a tied layer has no weights of its own.
        let ok = net
            .layers
            .get(self.layer)
            .is_some_and(|l| match self.input {
                Some(i) => self.unit < l.weights().nrows() && i < l.weights().ncols(),
                None => self.unit < l.biases().len(),
            });
        if ok {
            Ok(())
        } else {
            Err(EngineError::Mismatch(
                "that weight does not exist in this network".into(),
            ))
        }
    }
}

/// The chain rule for one parameter on example (x, y), one row:
/// dC/dw = dC/da * da/dz * dz/dw with the current numbers, and dC/dw of the whole
/// batch (bx, by) from batch backprop. JSON `{"dC_da", "da_dz", "dz_dw", "product",
/// "backprop", "batch", "reduction"}`, where backprop is the example's dC/dw read from
/// backprop and reduction ("mean" or "sum") says how the batch's dC/dw combines its
/// rows, so that a label can say which. For a weight of a layer that tied layers use,
/// the chain rule above is the encoder's path only; `"tied": [{"layer", "value"}]` gives
/// each tied layer's path on the example (layers from 1), which backprop adds.
pub fn chain(
    net: &Network<f64>,
    (x, y): (ArrayView2<f64>, ArrayView2<f64>),
    (bx, by): (ArrayView2<f64>, ArrayView2<f64>),
    p: Param,
) -> Result<Value> {
    p.check(net)?;
    if net.layers[p.layer].dense().is_none() {
        return Err(EngineError::Mismatch(
            "the chain rule is written out for dense layers".into(),
        ));
    }
    let mut plain = net.clone();
    plain.l2 = 0.0;
    plain.l1 = 0.0;
    let (_, trace, grads) = plain.cost_and_gradients(x, y)?;
    let (layer, unit) = (p.layer, p.unit);
    // dC/da of this unit: the loss gradient at the output, or W^T delta from above.
    let dc_da: Array2<f64> = if layer + 1 == net.layers.len() {
        gradient_of(net.loss, trace.output(), y, net.reduction)
    } else {
        upstream(net, &grads, layer)
            .ok_or_else(|| {
                EngineError::Mismatch(format!(
                    "layer {} sends its delta back without a weight matrix",
                    layer + 2
                ))
            })?
            .1
    };
    let (z, a) = (trace.z(layer)[[0, unit]], trace.a(layer + 1)[[0, unit]]);
    let da_dz = net.layers[layer].activation_or_identity().derivative(z, a);
    let dz_dw = p.input.map_or(1.0, |i| trace.a(layer)[[0, i]]);
    let read = |g: &super::network::Gradients<f64>| match p.input {
        Some(i) => g.dw(layer)[[unit, i]],
        None => g.db(layer)[unit],
    };
    let (_, _, batch) = net.cost_and_gradients(bx, by)?;
    Ok(json!({
        "dC_da": dc_da[[0, unit]],
        "da_dz": da_dz,
        "dz_dw": dz_dw,
        "product": dc_da[[0, unit]] * da_dz * dz_dw,
        "backprop": read(&grads),
        "batch": read(&batch),
        "reduction": net.reduction.name(),
        "tied": p.input.map_or(Vec::new(), |j| {
            super::ledger_tied::tied_to(net, layer)
                .into_iter()
                .map(|t| json!({ "layer": t + 1, "value": tied_path(&trace, &grads, t)[[unit, j]] }))
                .collect()
        }),
    }))
}
