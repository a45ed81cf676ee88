//! Cost functions C(a, y) of the network output a and the target y, each beside its
//! gradient dC/da. Targets are always a dense matrix the shape of the output: class
//! labels become one-hot rows (or 0/1 for a single output), see
//! [`crate::engine::dataset::Target::matrix`].

use super::activation::sigmoid;
use super::error::{EngineError, Result};
use super::number::lanes::Lanes;
use super::number::Real;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use std::ops::{Mul, Sub};

/// dC/da of a squared error, k (a - y), in any arithmetic: the row form and the lane
/// form of [`Loss::Mse`] and [`Loss::Sse`] are this one expression.
#[inline(always)]
fn squared_error_gradient<V: Copy + Sub<Output = V> + Mul<Output = V>>(k: V, a: V, y: V) -> V {
    k * (a - y)
}

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
                let known: Vec<&str> = Loss::ALL.iter().map(|l| l.name()).collect();
                EngineError::Model(format!(
                    "unknown loss \"{name}\" (known: {})",
                    known.join(", ")
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
                self.squared_factors(T::one()).1 * sq
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
                let (k, _) = self.squared_factors(scale);
                Zip::from(&mut out)
                    .and(&a)
                    .and(&y)
                    .for_each(|o, &ai, &yi| *o = squared_error_gradient(k, ai, yi));
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

    /// The factor k of a squared error's dC/da = k (a - y) for one row of weight
    /// `scale`, and the factor of its cost (1/2 for mse).
    fn squared_factors<T: Real>(self, scale: T) -> (T, T) {
        if self == Loss::Mse {
            (scale, T::from_f64(0.5))
        } else {
            (scale + scale, T::one())
        }
    }

    /// [`Loss::row`] and [`Loss::row_gradient`] over a panel: `a` and `y` hold the
    /// outputs unit by unit, `lanes` examples each, the first `used` of them real. Writes
    /// dC/da times `scale` into `d` (0 in the padding lanes) and returns the summed,
    /// unscaled cost. Squared errors run on the lanes (their padding is 0 in both a and
    /// y); the other losses take each example as a row through `rows`, a scratch of
    /// three output widths.
    #[allow(clippy::too_many_arguments)]
    pub fn panel<T: Real>(
        self,
        a: &[T],
        y: &[T],
        lanes: usize,
        used: usize,
        scale: T,
        d: &mut [T],
        rows: &mut [T],
    ) -> T {
        if matches!(self, Loss::Mse | Loss::Sse) {
            let (k, half) = self.squared_factors(scale);
            let (k, mut sq) = (T::Lanes::splat(k), T::Lanes::splat(T::zero()));
            let lanes4 = d
                .chunks_exact_mut(4)
                .zip(a.chunks_exact(4).zip(y.chunks_exact(4)));
            for (d, (a, y)) in lanes4 {
                let (a, y) = (T::Lanes::load(a), T::Lanes::load(y));
                let diff = a - y;
                sq = sq + diff * diff;
                squared_error_gradient(k, a, y).store(d);
            }
            return half * sq.sum();
        }
        let outputs = a.len() / lanes;
        let (out, rest) = rows.split_at_mut(outputs);
        let (target, grad) = rest.split_at_mut(outputs);
        if used < lanes {
            for lane in d.chunks_exact_mut(lanes) {
                lane[used..].fill(T::zero());
            }
        }
        let mut cost = T::zero();
        for e in 0..used {
            for (o, (al, yl)) in a.chunks_exact(lanes).zip(y.chunks_exact(lanes)).enumerate() {
                out[o] = al[e];
                target[o] = yl[e];
            }
            let (out, target) = (ArrayView1::from(&*out), ArrayView1::from(&*target));
            cost += self.row(out, target);
            self.row_gradient(out, target, scale, ArrayViewMut1::from(&mut *grad));
            for (dl, &g) in d.chunks_exact_mut(lanes).zip(grad.iter()) {
                dl[e] = g;
            }
        }
        cost
    }

    /// The predicted class of one output row: argmax for several outputs, and for a
    /// single output class 1 when it passes the threshold (0 for a sigmoid
    /// cross-entropy logit, 0.5 otherwise).
    pub fn class_of<T: Real>(self, row: &[T]) -> usize {
        if row.len() == 1 {
            let threshold = if self == Loss::SigmoidCrossEntropy {
                T::zero()
            } else {
                T::from_f64(0.5)
            };
            usize::from(row[0] > threshold)
        } else {
            argmax(row.iter().copied())
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

/// Index of the largest value (the first on ties; NaN never wins).
pub fn argmax<T: Real>(values: impl Iterator<Item = T>) -> usize {
    let mut best = 0;
    let mut best_v: Option<T> = None;
    for (i, v) in values.enumerate() {
        if best_v.is_none_or(|b| v > b) {
            best = i;
            best_v = Some(v);
        }
    }
    best
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
