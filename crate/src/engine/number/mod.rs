//! The number layer, the engine's ground floor: the scalar trait every formula is
//! written over, the one four-lane type, and the product kernels, each beside its plain
//! reference. Nothing here knows about networks.

pub mod gemm_abt;
pub mod gemm_rows;
pub mod kernel;
pub mod lanes;
pub mod reduce;
pub mod row_blocks;
pub mod scalar;
pub mod tanh;
#[cfg(feature = "threads")]
pub mod team;

pub use scalar::Real;
