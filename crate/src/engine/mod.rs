//! The mathematics: networks, losses, backprop, optimisers, datasets, and the views the
//! page draws. Nothing here knows about the browser.

pub mod activation;
pub mod api;
pub mod batch;
pub mod collapse;
pub mod compare;
pub mod dataset;
pub mod error;
pub mod flat;
pub mod gradcheck;
pub mod grid;
pub mod guard;
pub mod init;
pub mod labels;
pub mod ledger;
pub mod ledger_tied;
pub mod limits;
pub mod link;
pub mod loss;
pub mod model_json;
pub mod network;
pub mod nudge;
pub mod number;
pub mod onnx;
pub mod ops;
pub mod optim;
pub mod penalty;
pub mod seed;
pub mod session;
pub mod settings;
pub mod step;
pub mod timeline;
pub mod train;
pub mod views;
pub mod webm;

pub use error::EngineError;
pub use number::Real;
