//! One error type for everything a user can get wrong; the facade turns it into a
//! JavaScript `Error` whose message is this type's `Display`.

use std::fmt;

/// Why the engine refused an input or a request. Every message names what was wrong
/// and, where there is one, the limit or the expected value.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// A model file or configuration is malformed; the message names the field.
    Model(String),
    /// A CSV (or other dataset) is malformed; the message names the line or column.
    Data(String),
    /// A size limit was exceeded (layers, units, rows, bytes...).
    Limit(String),
    /// The request does not fit the current state (e.g. input width vs model).
    Mismatch(String),
    /// Training produced a non-finite loss or parameter.
    Diverged(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Model(m) => write!(f, "model: {m}"),
            EngineError::Data(m) => write!(f, "data: {m}"),
            EngineError::Limit(m) => write!(f, "too large: {m}"),
            EngineError::Mismatch(m) => write!(f, "mismatch: {m}"),
            EngineError::Diverged(m) => write!(f, "training diverged: {m}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// Shorthand for engine results.
pub type Result<T> = std::result::Result<T, EngineError>;
