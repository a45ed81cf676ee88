//! Benchmark entry points for `scripts/bench`: train the Lab's own configuration for a
//! wall-clock budget, or multiply square matrices, and report the rate. The network,
//! data and trainer are built exactly as the page builds them (`Session::new`); the f64
//! variant rebuilds the same pieces over f64. The products are the engine's own layer
//! kernel for long reductions (`number::gemm_abt`, C = A B^T), with ndarray's
//! `general_mat_mul` beside it.

use super::js_error;
use crate::engine::dataset::Target;
use crate::engine::network::Network;
use crate::engine::number::gemm_abt::gemm_abt;
use crate::engine::number::kernel::Kernel;
use crate::engine::session::{Session, SessionConfig};
use crate::engine::train::{evaluate, Rows, Trainer};
use crate::engine::{EngineError, Real};
use ndarray::linalg::general_mat_mul;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::SeedableRng;
use wasm_bindgen::prelude::*;

type Result<T> = std::result::Result<T, EngineError>;

/// Milliseconds from an arbitrary origin: `Date.now()` in the browser, the system clock
/// natively (so the functions below can be tested with `cargo test`).
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
}

fn check_seconds(seconds: f64) -> Result<()> {
    if seconds.is_finite() && seconds > 0.0 && seconds <= 600.0 {
        Ok(())
    } else {
        Err(EngineError::Model(format!(
            "the benchmark time must be in (0, 600] seconds, got {seconds}"
        )))
    }
}

/// The Lab's f32 trainer, as `Session::new` builds it.
fn f32_trainer(config: &SessionConfig, data: Option<&[u8]>) -> Result<Trainer<f32>> {
    Ok(Session::new(config.clone(), data)?.trainer)
}

/// The same data, network and hyper-parameters as [`f32_trainer`], over f64: the rows
/// are transformed again from the f64 dataset and the weights drawn again from the
/// network seed, so nothing passes through f32.
fn f64_trainer(config: &SessionConfig, data: Option<&[u8]>) -> Result<Trainer<f64>> {
    let session = Session::new(config.clone(), data)?;
    let f32_net = &session.trainer.net;
    let mut net = Network::<f64>::zeros(&f32_net.architecture())?;
    net.kernel = f32_net.kernel;
    net.l1 = f32_net.l1;
    config.network.initializer().apply(
        &mut net,
        0.0,
        &mut StdRng::seed_from_u64(config.network.seed),
    );
    let outputs = f32_net.output_dim();
    let rows = |idx: &[usize]| -> Result<Rows<f64>> {
        let d = session.data.select(idx);
        Ok(Rows {
            x: session.transform.apply(d.x.view())?,
            y: d.target.matrix(outputs)?,
            labels: match &d.target {
                Target::Classes { labels, .. } => Some(labels.clone()),
                Target::Values { .. } => None,
            },
        })
    };
    let train = rows(&session.train_rows)?;
    let val = rows(&session.val_rows)?;
    Trainer::new(net, train, val, session.trainer.config.clone())
}

/// Whole epochs until `seconds` of wall time have passed; epochs per second.
fn time_epochs<T: Real>(trainer: &mut Trainer<T>, seconds: f64) -> Result<f64> {
    let start = now_ms();
    let mut epochs = 0u64;
    loop {
        trainer.run_epoch()?;
        epochs += 1;
        let elapsed = now_ms() - start;
        if elapsed >= seconds * 1e3 {
            return Ok(epochs as f64 / (elapsed / 1e3));
        }
    }
}

/// Epochs per second of the Lab's configuration trained for `seconds`.
pub fn epochs_per_second(
    config_json: &str,
    precision: &str,
    seconds: f64,
    data: Option<&[u8]>,
) -> Result<f64> {
    check_seconds(seconds)?;
    let config = SessionConfig::from_json(config_json)?;
    match precision {
        "f32" => time_epochs(&mut f32_trainer(&config, data)?, seconds),
        "f64" => time_epochs(&mut f64_trainer(&config, data)?, seconds),
        other => Err(unknown_precision(other)),
    }
}

fn unknown_precision(name: &str) -> EngineError {
    EngineError::Model(format!("unknown precision \"{name}\" (known: f32, f64)"))
}

fn learning<T: Real>(trainer: &mut Trainer<T>, epochs: u32) -> Result<Vec<f64>> {
    let before = evaluate(&trainer.net, &trainer.train);
    for _ in 0..epochs {
        trainer.run_epoch()?;
    }
    let after = evaluate(&trainer.net, &trainer.train);
    Ok(vec![
        before.loss,
        after.loss,
        after.accuracy.unwrap_or(f64::NAN),
    ])
}

/// Trains `epochs` epochs; returns [cost on the training rows before, cost after,
/// training accuracy after (NaN for regression)].
pub fn learning_check(
    config_json: &str,
    precision: &str,
    epochs: u32,
    data: Option<&[u8]>,
) -> Result<Vec<f64>> {
    let config = SessionConfig::from_json(config_json)?;
    match precision {
        "f32" => learning(&mut f32_trainer(&config, data)?, epochs),
        "f64" => learning(&mut f64_trainer(&config, data)?, epochs),
        other => Err(unknown_precision(other)),
    }
}

/// Deterministic operands in [-1, 1).
fn operand<T: Real>(n: usize, salt: usize) -> Array2<T> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        T::from_f64((((i * 31 + j * 17 + salt) % 97) as f64) / 48.5 - 1.0)
    })
}

/// How a product is computed: the engine's layer kernel, or ndarray.
#[derive(Clone, Copy)]
enum Product {
    Engine(Kernel),
    Ndarray,
}

/// One product c = a b^T with the engine's kernel for long reductions (a layer's
/// forward pass over 128 or more inputs), or with ndarray (by the transposed view).
fn multiply<T: Real>(product: Product, a: &Array2<T>, b: &Array2<T>, c: &mut Array2<T>) {
    let (n, m, k) = (a.nrows(), b.nrows(), a.ncols());
    match (product, a.as_slice(), b.as_slice(), c.as_slice_mut()) {
        (Product::Engine(kernel), Some(a), Some(b), Some(c)) => {
            gemm_abt(kernel, a, b, c, n, m, k, false)
        }
        _ => general_mat_mul(T::one(), a, &b.t(), T::zero(), c),
    }
}

fn time_matmul<T: Real>(n: usize, product: Product, seconds: f64) -> f64 {
    let (a, b) = (operand::<T>(n, 0), operand::<T>(n, 5));
    let mut c = Array2::<T>::zeros((n, n));
    let start = now_ms();
    let mut products = 0u64;
    loop {
        multiply(product, &a, &b, &mut c);
        products += 1;
        let elapsed = now_ms() - start;
        if elapsed >= seconds * 1e3 {
            std::hint::black_box(&c);
            let flops = 2.0 * (n as f64).powi(3) * products as f64;
            return flops / (elapsed / 1e3) / 1e9;
        }
    }
}

/// GFLOP/s (2 n^3 per product) of n x n products repeated for `seconds`. Variants: the
/// engine's layer kernel as training runs it, "f32-simd", "f32-scalar" and "f64" (its
/// default kernel, which for f64 is the plain loop); ndarray's `general_mat_mul`, "f32"
/// and "f64-ndarray".
pub fn matmul_gflops(n: usize, variant: &str, seconds: f64) -> Result<f64> {
    check_seconds(seconds)?;
    if n == 0 || n > 4096 {
        return Err(EngineError::Model(format!(
            "the matrix size must be 1 to 4096, got {n}"
        )));
    }
    match variant {
        "f32-simd" => Ok(time_matmul::<f32>(n, Product::Engine(Kernel::Simd), seconds)),
        "f32-scalar" => Ok(time_matmul::<f32>(n, Product::Engine(Kernel::Scalar), seconds)),
        "f64" => Ok(time_matmul::<f64>(n, Product::Engine(Kernel::default()), seconds)),
        "f32" => Ok(time_matmul::<f32>(n, Product::Ndarray, seconds)),
        "f64-ndarray" => Ok(time_matmul::<f64>(n, Product::Ndarray, seconds)),
        other => Err(EngineError::Model(format!(
            "unknown matmul variant \"{other}\" (known: f32-simd, f32-scalar, f64, f32, f64-ndarray)"
        ))),
    }
}

/// Builds the network and trainer of a Lab configuration (as `new Lab(config, data)`
/// does) in `precision` "f32" or "f64", trains whole epochs for `seconds` of wall time
/// and returns epochs per second. Building is not timed.
#[wasm_bindgen(js_name = benchEpochs)]
pub fn bench_epochs(
    config_json: &str,
    precision: &str,
    seconds: f64,
    data: Option<Vec<u8>>,
) -> std::result::Result<f64, JsError> {
    epochs_per_second(config_json, precision, seconds, data.as_deref()).map_err(js_error)
}

/// Trains a Lab configuration for `epochs` epochs in `precision` and returns
/// [cost on the training rows before, cost after, training accuracy after], to check
/// that a benchmarked configuration learns.
#[wasm_bindgen(js_name = benchLearning)]
pub fn bench_learning(
    config_json: &str,
    precision: &str,
    epochs: u32,
    data: Option<Vec<u8>>,
) -> std::result::Result<Vec<f64>, JsError> {
    learning_check(config_json, precision, epochs, data.as_deref()).map_err(js_error)
}

/// GFLOP/s of repeated n x n matrix products for `seconds`; `variant` is "f32-simd",
/// "f32-scalar" or "f64" (the engine's layer kernel), "f32" or "f64-ndarray" (ndarray).
#[wasm_bindgen(js_name = benchMatmul)]
pub fn bench_matmul(n: usize, variant: &str, seconds: f64) -> std::result::Result<f64, JsError> {
    matmul_gflops(n, variant, seconds).map_err(js_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIRCLES: &str = r#"{"data": {"kind": "circles", "points": 200, "validation": 0},
        "network": {"hidden": [{"units": 8, "activation": "tanh"}], "output": "tanh", "loss": "mse"},
        "training": {"batch_size": 10, "learning_rate": 0.1, "kernel": "scalar"}}"#;

    #[test]
    fn both_precisions_train_and_report_a_rate() {
        for p in ["f32", "f64"] {
            assert!(epochs_per_second(CIRCLES, p, 0.05, None).unwrap() > 0.0);
            let l = learning_check(CIRCLES, p, 20, None).unwrap();
            assert!(l[1] < l[0], "{p}: {l:?}");
        }
    }

    #[test]
    fn f64_starts_from_the_f32_weights_rounded() {
        let config = SessionConfig::from_json(CIRCLES).unwrap();
        let a = f32_trainer(&config, None).unwrap();
        let b = f64_trainer(&config, None).unwrap();
        let (wa, wb) = (&a.net.layers[0].weights(), &b.net.layers[0].weights());
        assert!(wa
            .iter()
            .zip(wb)
            .all(|(x, y)| (f64::from(*x) - y).abs() < 1e-6));
        assert_eq!(a.train.x.dim(), b.train.x.dim());
    }

    #[test]
    fn the_kernels_and_ndarray_compute_the_same_product() {
        let (a, b) = (operand::<f32>(37, 0), operand::<f32>(37, 5));
        let mut want = Array2::zeros((37, 37));
        multiply(Product::Ndarray, &a, &b, &mut want);
        for kernel in [Kernel::Simd, Kernel::Scalar] {
            let mut c = Array2::zeros((37, 37));
            multiply(Product::Engine(kernel), &a, &b, &mut c);
            assert!(c.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-3));
        }
    }

    #[test]
    fn matmul_variants_and_bad_input() {
        for v in ["f32-simd", "f32-scalar", "f64", "f32", "f64-ndarray"] {
            assert!(matmul_gflops(16, v, 0.01).unwrap() > 0.0);
        }
        assert!(matmul_gflops(16, "f16", 0.01).is_err());
        assert!(epochs_per_second(CIRCLES, "f16", 0.01, None).is_err());
        assert!(epochs_per_second(CIRCLES, "f32", 0.0, None).is_err());
    }
}
