//! A CSV's labels matched to a model's classes, for `evaluate` and `gradient_check`.
//!
//! The CSV parser numbers named labels by sorting them, which is right for a CSV the
//! page trains on (its sorted names become the classes) but not for a model trained
//! elsewhere: its classes are its `class_names`, in its order. So a named label is
//! looked up among the model's names, a model without names takes only integer labels
//! 0..C-1, and anything else is an error naming the line and the value, never a loss
//! quietly computed against class 0.

use super::dataset::csv::shorten;
use super::dataset::{Dataset, Target};
use super::error::{EngineError, Result};
use super::model_json::Model;
use ndarray::Array2;

/// How many of the model's class names an error lists before "...".
const LISTED: usize = 8;

/// The target matrix (rows, outputs) of `data` for `model`: labels matched to the
/// model's classes (see the module doc), regression targets as they are. `lines` holds
/// the file line of every row (`csv::parse_with_lines`).
pub fn targets(model: &Model, data: &Dataset, lines: &[usize]) -> Result<Array2<f64>> {
    let outputs = model.network.output_dim();
    let Target::Classes { labels, names } = &data.target else {
        return data.target.matrix(outputs);
    };
    let line = |r: usize| lines.get(r).copied().unwrap_or(r + 2);
    let matched: Vec<usize> = match &model.class_names {
        Some(classes) => labels
            .iter()
            .enumerate()
            .map(|(r, &l)| {
                let label = &names[l];
                classes.iter().position(|c| c == label).ok_or_else(|| {
                    EngineError::Data(format!(
                        "line {}: the label \"{}\" is not one of the model's classes ({})",
                        line(r),
                        shorten(label),
                        listed(classes)
                    ))
                })
            })
            .collect::<Result<_>>()?,
        None => {
            let count = outputs.max(2);
            labels
                .iter()
                .enumerate()
                .map(|(r, &l)| {
                    let label = &names[l];
                    match label.parse::<usize>() {
                        Ok(k) if k < count => Ok(k),
                        _ => Err(EngineError::Data(format!(
                            "line {}: the label \"{}\" is not a class of this model; it has no class names, so labels must be integers from 0 to {}",
                            line(r),
                            shorten(label),
                            count - 1
                        ))),
                    }
                })
                .collect::<Result<_>>()?
        }
    };
    let names = match &model.class_names {
        Some(classes) => classes.clone(),
        None => (0..outputs.max(2)).map(|k| k.to_string()).collect(),
    };
    Target::Classes {
        labels: matched,
        names,
    }
    .matrix(outputs)
}

fn listed(classes: &[String]) -> String {
    let mut shown: Vec<String> = classes
        .iter()
        .take(LISTED)
        .map(|c| format!("\"{}\"", shorten(c)))
        .collect();
    if classes.len() > LISTED {
        shown.push("...".into());
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::activation::Activation;
    use crate::engine::dataset::csv;
    use crate::engine::loss::{Loss, Reduction};
    use crate::engine::network::{Architecture, Network};
    use crate::engine::ops::spec::LayerSpec;

    fn network(outputs: usize, loss: Loss) -> Network<f64> {
        let arch = Architecture {
            input_dim: 1,
            input_shape: None,
            layers: LayerSpec::dense_stack(&[(outputs, Activation::Identity)]),
            loss,
            reduction: Reduction::Mean,
            l2: 0.0,
        };
        Network::zeros(&arch).unwrap()
    }

    fn model(outputs: usize, names: Option<&[&str]>) -> Model {
        let loss = if outputs == 1 {
            Loss::SigmoidCrossEntropy
        } else {
            Loss::SoftmaxCrossEntropy
        };
        let mut m = Model::from_network(network(outputs, loss));
        m.class_names = names.map(|n| n.iter().map(|s| s.to_string()).collect());
        m
    }

    fn y(m: &Model, text: &str) -> Result<Array2<f64>> {
        let (data, lines) = csv::parse_with_lines(text).unwrap();
        targets(m, &data, &lines)
    }

    #[test]
    fn named_labels_take_the_model_order_not_the_sorted_one() {
        let m = model(3, Some(&["zebra", "cat", "mouse"]));
        let got = y(&m, "x,label\n1,cat\n2,zebra\n3,mouse\n").unwrap();
        assert_eq!(
            got,
            ndarray::array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
        );
    }

    #[test]
    fn a_name_the_model_does_not_know_is_an_error_naming_line_and_value() {
        let m = model(3, Some(&["zebra", "cat", "mouse"]));
        assert_eq!(
            y(&m, "# a comment\nx,label\n1,cat\n2,dog\n").unwrap_err().to_string(),
            "data: line 4: the label \"dog\" is not one of the model's classes (\"zebra\", \"cat\", \"mouse\")"
        );
        let m = model(2, Some(&["a", "b"]));
        assert!(y(&m, "x,label\n1,a\n2,1\n")
            .unwrap_err()
            .to_string()
            .starts_with("data: line 3: the label \"1\""));
    }

    #[test]
    fn without_class_names_only_integers_in_range_are_labels() {
        let m = model(3, None);
        assert_eq!(
            y(&m, "x,label\n1,2\n2,0\n").unwrap(),
            ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
        );
        for (bad, line) in [("cat", 3), ("-1", 3), ("1.5", 3), ("3", 3)] {
            let text = format!("x,label\n1,0\n2,{bad}\n3,1\n");
            assert_eq!(
                y(&m, &text).unwrap_err().to_string(),
                format!("data: line {line}: the label \"{bad}\" is not a class of this model; it has no class names, so labels must be integers from 0 to 2")
            );
        }
        let single = model(1, None);
        assert_eq!(
            y(&single, "x,label\n1,1\n2,0\n").unwrap(),
            ndarray::array![[1.0], [0.0]]
        );
        assert!(y(&single, "x,label\n1,2\n")
            .unwrap_err()
            .to_string()
            .contains("integers from 0 to 1"));
    }

    #[test]
    fn regression_targets_pass_through() {
        let m = Model::from_network(network(1, Loss::Mse));
        assert_eq!(y(&m, "x,y\n1,0.25\n").unwrap(), ndarray::array![[0.25]]);
    }
}
