//! Backprop Lab: a small, exact neural-network engine that keeps every number of the
//! forward and backward pass so a page can show them, plus the thin WebAssembly facade
//! the page calls.
//!
//! The engine ([`engine`]) is plain Rust over `ndarray` and is tested natively; the
//! facade ([`web`]) only converts between JavaScript values and engine types.
#![warn(missing_docs)]

pub mod engine;
pub mod web;
