//! The engine's arrays as slices. Every array the engine allocates is standard-layout,
//! so a failure here is a bug in the engine, never bad input.

use ndarray::{Array, Dimension};

/// The elements of `a` in memory order.
pub fn flat<T, D: Dimension>(a: &Array<T, D>) -> &[T] {
    a.as_slice()
        .expect("the engine's arrays are standard-layout")
}

/// [`flat`], writable.
pub fn flat_mut<T, D: Dimension>(a: &mut Array<T, D>) -> &mut [T] {
    a.as_slice_mut()
        .expect("the engine's arrays are standard-layout")
}
