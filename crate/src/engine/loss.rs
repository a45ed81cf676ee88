//! Cost functions C(a, y) of the network output a and the target y, each beside its
//! gradient dC/da. Targets are always a dense matrix the shape of the output: class
//! labels become one-hot rows (or 0/1 for a single output), see
//! [`crate::engine::dataset::Target::matrix`].

use super::activation::sigmoid;
use super::error::{EngineError, Result};
use super::number::Real;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

/// The per-row cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// 1/2 * ||a - y||^2 per row (the notebooks' quadratic cost); dC/da = a - y.
    Mse,
    /// ||a - y||^2 per row (UDL least squares); dC/da = 2 (a - y).
    Sse,
    /// -sum_k y_k log softmax(a)_k per row, max-subtracted; dC/da = softmax(a) - y.
    SoftmaxCrossEntropy,
    /// -(y log s + (1 - y) log(1 - s)) with s = sigmoid(a), a single logit per row;
    /// dC/da = s - y.
    SigmoidCrossEntropy,
}

/// How per-row costs are combined over a batch of N rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// Divide the sum by N.
    Mean,
    /// Plain sum.
    Sum,
}

impl Reduction {
    /// The name used in model JSON.
    pub fn name(self) -> &'static str {
        match self {
            Reduction::Mean => "mean",
            Reduction::Sum => "sum",
        }
    }

    /// Parses `mean` or `sum`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "mean" => Ok(Reduction::Mean),
            "sum" => Ok(Reduction::Sum),
            _ => Err(EngineError::Model(format!(
                "unknown reduction \"{name}\" (known: mean, sum)"
            ))),
        }
    }

    /// The factor each row's cost is multiplied by: 1/N or 1.
    pub fn scale<T: Real>(self, rows: usize) -> T {
        match self {
            Reduction::Mean => T::one() / T::from_f64(rows.max(1) as f64),
            Reduction::Sum => T::one(),
        }
    }
}

impl Loss {
    /// Every loss, in the order the page lists them.
    pub const ALL: [Loss; 4] = [
        Loss::Mse,
        Loss::Sse,
        Loss::SoftmaxCrossEntropy,
        Loss::SigmoidCrossEntropy,
    ];

    /// The name used in model JSON and the page.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Sse => "sse",
            Loss::SoftmaxCrossEntropy => "softmax_cross_entropy",
            Loss::SigmoidCrossEntropy => "sigmoid_cross_entropy",
        }
    }

    /// Parses a name as written by [`Loss::name`].
    pub fn parse(name: &str) -> Result<Self> {
        Loss::ALL
            .iter()
            .copied()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                EngineError::Model(format!(
                    "unknown loss \"{name}\" (known: mse, sse, softmax_cross_entropy, sigmoid_cross_entropy)"
                ))
            })
    }

    /// True for the losses that read the output as class scores.
    pub fn is_cross_entropy(self) -> bool {
        matches!(self, Loss::SoftmaxCrossEntropy | Loss::SigmoidCrossEntropy)
    }

    /// Cost of one row: a, y have the output width.
    pub fn row<T: Real>(self, a: ArrayView1<T>, y: ArrayView1<T>) -> T {
        match self {
            Loss::Mse | Loss::Sse => {
                let sq = a
                    .iter()
                    .zip(y.iter())
                    .fold(T::zero(), |s, (&ai, &yi)| s + (ai - yi) * (ai - yi));
                if self == Loss::Mse {
                    T::from_f64(0.5) * sq
                } else {
                    sq
                }
            }
            Loss::SoftmaxCrossEntropy => {
                let m = a.iter().fold(a[0], |m, &v| m.max(v));
                let log_z = a.iter().fold(T::zero(), |s, &v| s + (v - m).exp()).ln();
                a.iter()
                    .zip(y.iter())
                    .fold(T::zero(), |s, (&ai, &yi)| s - yi * (ai - m - log_z))
            }
            Loss::SigmoidCrossEntropy => a.iter().zip(y.iter()).fold(T::zero(), |s, (&ai, &yi)| {
                s + ai.max(T::zero()) - ai * yi + (T::one() + (-ai.abs()).exp()).ln()
            }),
        }
    }

    /// Reduced cost over a batch. a, y: (rows, outputs).
    pub fn value<T: Real>(self, a: ArrayView2<T>, y: ArrayView2<T>, reduction: Reduction) -> T {
        let total = a
            .outer_iter()
            .zip(y.outer_iter())
            .fold(T::zero(), |s, (ar, yr)| s + self.row(ar, yr));
        total * reduction.scale::<T>(a.nrows())
    }

    /// Writes dC/da of the reduced cost into `out`. a, y, out: (rows, outputs).
    pub fn gradient<T: Real>(
        self,
        a: ArrayView2<T>,
        y: ArrayView2<T>,
        reduction: Reduction,
        mut out: ArrayViewMut2<T>,
    ) {
        let scale: T = reduction.scale(a.nrows());
        for ((orow, arow), yrow) in out
            .axis_iter_mut(Axis(0))
            .zip(a.outer_iter())
            .zip(y.outer_iter())
        {
            self.row_gradient(arow, yrow, scale, orow);
        }
    }

    /// dC/da of one row's cost times `scale` (the reduction's 1/N or 1).
    pub fn row_gradient<T: Real>(
        self,
        a: ArrayView1<T>,
        y: ArrayView1<T>,
        scale: T,
        mut out: ArrayViewMut1<T>,
    ) {
        match self {
            Loss::Mse | Loss::Sse => {
                let k = if self == Loss::Mse {
                    scale
                } else {
                    scale + scale
                };
                Zip::from(&mut out)
                    .and(&a)
                    .and(&y)
                    .for_each(|o, &ai, &yi| *o = k * (ai - yi));
            }
            Loss::SoftmaxCrossEntropy => {
                let m = a.fold(a[0], |m, &v| m.max(v));
                let mut sum = T::zero();
                for (o, &v) in out.iter_mut().zip(a.iter()) {
                    *o = (v - m).exp();
                    sum += *o;
                }
                for (o, &yi) in out.iter_mut().zip(y.iter()) {
                    *o = scale * (*o / sum - yi);
                }
            }
            Loss::SigmoidCrossEntropy => {
                Zip::from(&mut out)
                    .and(&a)
                    .and(&y)
                    .for_each(|o, &ai, &yi| *o = scale * (sigmoid(ai) - yi));
            }
        }
    }

    /// Maps raw outputs to what a user reads as the prediction: softmax probabilities
    /// or sigmoid probability for the cross-entropy losses, the output itself otherwise.
    pub fn prediction_row<T: Real>(self, a: &[T], out: &mut [T]) {
        match self {
            Loss::SoftmaxCrossEntropy => {
                let m = a.iter().fold(a[0], |m, &v| m.max(v));
                let mut sum = T::zero();
                for (o, &v) in out.iter_mut().zip(a) {
                    *o = (v - m).exp();
                    sum += *o;
                }
                out.iter_mut().for_each(|o| *o = *o / sum);
            }
            Loss::SigmoidCrossEntropy => {
                for (o, &v) in out.iter_mut().zip(a) {
                    *o = sigmoid(v);
                }
            }
            Loss::Mse | Loss::Sse => out.copy_from_slice(a),
        }
    }
}

/// Convenience for tests and the ledger: dC/da as a new array.
pub fn gradient_of<T: Real>(
    loss: Loss,
    a: ArrayView2<T>,
    y: ArrayView2<T>,
    reduction: Reduction,
) -> Array2<T> {
    let mut out = Array2::zeros(a.raw_dim());
    loss.gradient(a, y, reduction, out.view_mut());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gradients_match_central_differences() {
        let a = array![[0.3, -1.2, 2.0], [1.5, 0.1, -0.4]];
        let soft = array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]];
        let reg = array![[0.5, -1.0, 1.0], [0.2, 0.3, -0.9]];
        let bin = array![[1.0], [0.0]];
        let a1 = array![[0.7], [-1.3]];
        let cases = [
            (Loss::Mse, a.clone(), reg.clone()),
            (Loss::Sse, a.clone(), reg),
            (Loss::SoftmaxCrossEntropy, a, soft),
            (Loss::SigmoidCrossEntropy, a1, bin),
        ];
        for (loss, a, y) in cases {
            for red in [Reduction::Mean, Reduction::Sum] {
                let g = gradient_of(loss, a.view(), y.view(), red);
                for idx in 0..a.len() {
                    let (r, c) = (idx / a.ncols(), idx % a.ncols());
                    let h = 1e-6;
                    let mut p = a.clone();
                    p[[r, c]] += h;
                    let mut m = a.clone();
                    m[[r, c]] -= h;
                    let n = (loss.value(p.view(), y.view(), red)
                        - loss.value(m.view(), y.view(), red))
                        / (2.0 * h);
                    assert!(
                        (n - g[[r, c]]).abs() < 1e-8,
                        "{} {:?}: {} vs {}",
                        loss.name(),
                        red,
                        g[[r, c]],
                        n
                    );
                }
            }
        }
    }

    #[test]
    fn softmax_cross_entropy_survives_huge_scores() {
        let a = array![[1000.0, 0.0, -1000.0]];
        let y = array![[1.0, 0.0, 0.0]];
        let v = Loss::SoftmaxCrossEntropy.value(a.view(), y.view(), Reduction::Mean);
        assert!(v.is_finite() && v.abs() < 1e-12);
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(Loss::parse("hinge").is_err());
        assert!(Reduction::parse("avg").is_err());
        assert_eq!(Loss::parse("sse").unwrap(), Loss::Sse);
    }
}
