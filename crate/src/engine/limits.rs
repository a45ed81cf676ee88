//! Size limits, checked before anything is allocated so that no input can exhaust the
//! page's memory. Every message says the limit and the value that broke it.

use super::error::{EngineError, Result};

/// Most layers a network may have (hidden and output).
pub const MAX_LAYERS: usize = 16;
/// Most units in one layer, and most input features.
pub const MAX_UNITS: usize = 1024;
/// Most weights and biases in one network.
pub const MAX_PARAMETERS: usize = 1_000_000;
/// Most values one layer's output may hold per example (a convolution's feature maps):
/// 16 maps of 32 x 32.
pub const MAX_ROW_VALUES: usize = 1 << 14;
/// Most rows in a dataset.
pub const MAX_ROWS: usize = 10_000;
/// Most columns in a dataset: 1024 fits a 32x32 image (a 28x28 one is 784).
pub const MAX_COLUMNS: usize = 1024;
/// Largest CSV or model file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Most classes a classification dataset may have.
pub const MAX_CLASSES: usize = 256;

/// Checks a layer stack: widths from the input side, the last one being the output.
pub fn check_architecture(input_dim: usize, units: impl Iterator<Item = usize>) -> Result<()> {
    if input_dim == 0 || input_dim > MAX_UNITS {
        return Err(EngineError::Limit(format!(
            "the input has {input_dim} features; it must have 1 to {MAX_UNITS}"
        )));
    }
    let mut fan_in = input_dim;
    let mut params = 0usize;
    let mut count = 0usize;
    for (i, u) in units.enumerate() {
        count += 1;
        if count > MAX_LAYERS {
            return Err(EngineError::Limit(format!(
                "a network may have at most {MAX_LAYERS} layers"
            )));
        }
        if u == 0 {
            return Err(EngineError::Model(format!(
                "layer {} has no units; a layer must have 1 to {MAX_UNITS}",
                i + 1
            )));
        }
        if u > MAX_UNITS {
            return Err(EngineError::Limit(format!(
                "layer {} has {u} units; a layer must have 1 to {MAX_UNITS}",
                i + 1
            )));
        }
        params += u * fan_in + u;
        fan_in = u;
    }
    if count == 0 {
        return Err(EngineError::Model(
            "a network needs at least one layer".into(),
        ));
    }
    if params > MAX_PARAMETERS {
        return Err(EngineError::Limit(format!(
            "the network has {params} parameters; the limit is {MAX_PARAMETERS}"
        )));
    }
    Ok(())
}

/// Checks a file's size in bytes before it is parsed.
pub fn check_file_size(what: &str, bytes: usize) -> Result<()> {
    if bytes > MAX_FILE_BYTES {
        return Err(EngineError::Limit(format!(
            "the {what} is {:.1} MB; the limit is {} MB",
            bytes as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        )));
    }
    Ok(())
}

/// Checks a dataset's shape.
pub fn check_table(rows: usize, columns: usize) -> Result<()> {
    if rows > MAX_ROWS {
        return Err(EngineError::Limit(format!(
            "the data has {rows} rows; the limit is {MAX_ROWS}"
        )));
    }
    if columns > MAX_COLUMNS {
        return Err(EngineError::Limit(format!(
            "the data has {columns} columns; the limit is {MAX_COLUMNS}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit_and_the_value() {
        let e = check_architecture(2, [8, 2000, 1].into_iter()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "too large: layer 2 has 2000 units; a layer must have 1 to 1024"
        );
        let e = check_table(10_001, 3).unwrap_err().to_string();
        assert!(e.contains("10001 rows") && e.contains("10000"), "{e}");
        let e = check_architecture(1024, [1024, 1024].into_iter()).unwrap_err();
        assert!(e.to_string().contains("parameters"), "{e}");
        assert!(check_architecture(2, std::iter::empty()).is_err());
        let e = check_architecture(2, [4, 0, 1].into_iter()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "model: layer 2 has no units; a layer must have 1 to 1024"
        );
        assert!(check_architecture(2, [8, 8, 1].into_iter()).is_ok());
    }
}
