//! The 8x8 handwritten digits preset (UCI optical digits as scikit-learn ships them;
//! see `www/data/DIGITS-LICENSE.md`), stored as 65-byte records: 64 pixels 0..16, then
//! the label.

use super::{Dataset, Target};
use crate::engine::error::{EngineError, Result};
use ndarray::Array2;

const RECORD: usize = 65;

/// Decodes `digits.bin`; pixels are scaled to [0, 1] (divided by 16).
pub fn decode(bytes: &[u8]) -> Result<Dataset> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD) {
        return Err(EngineError::Data(format!(
            "the digits file has {} bytes, not a whole number of {RECORD}-byte records",
            bytes.len()
        )));
    }
    let rows = bytes.len() / RECORD;
    let mut x = Array2::zeros((rows, 64));
    let mut labels = Vec::with_capacity(rows);
    for (r, rec) in bytes.chunks_exact(RECORD).enumerate() {
        if rec[..64].iter().any(|&p| p > 16) || rec[64] > 9 {
            return Err(EngineError::Data(format!(
                "digits record {} is out of range",
                r + 1
            )));
        }
        for (c, &p) in rec[..64].iter().enumerate() {
            x[[r, c]] = f64::from(p) / 16.0;
        }
        labels.push(usize::from(rec[64]));
    }
    Ok(Dataset {
        x,
        feature_names: (0..64).map(|i| format!("px{}_{}", i / 8, i % 8)).collect(),
        target: Target::Classes {
            labels,
            names: (0..10).map(|d| d.to_string()).collect(),
        },
        image_shape: Some((8, 8)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_has_1797_digits_of_every_class() {
        let d = decode(include_bytes!("../../../../www/data/digits.bin")).unwrap();
        assert_eq!(d.rows(), 1797);
        let Target::Classes { labels, .. } = &d.target else {
            panic!()
        };
        for digit in 0..10 {
            let n = labels.iter().filter(|&&l| l == digit).count();
            assert!((170..=190).contains(&n), "digit {digit}: {n}");
        }
        assert_eq!(labels[0], 0);
        assert!(decode(&[0; 64]).is_err());
    }
}
