//! The choice between a product's fast form and its plain reference, and the transpose
//! both families of products use to put their operands in shape.

/// Which implementation runs the products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// The lane kernels where the type's lanes pay ([`super::lanes::Lanes::PAY`]),
    /// else the loops the compiler vectorises.
    #[default]
    Simd,
    /// The plain triple loop.
    Scalar,
}

impl Kernel {
    /// Parses "simd" or "scalar".
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "simd" => Some(Kernel::Simd),
            "scalar" => Some(Kernel::Scalar),
            _ => None,
        }
    }
}

/// Writes the transpose of `src` (rows, cols) into `dst` (cols, rows).
pub fn transpose<T: Copy>(src: &[T], dst: &mut [T], rows: usize, cols: usize) {
    for r in 0..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_round_trips() {
        let src: Vec<i32> = (0..12).collect();
        let mut t = vec![0; 12];
        let mut back = vec![0; 12];
        transpose(&src, &mut t, 3, 4);
        assert_eq!(t[1], 4);
        transpose(&t, &mut back, 4, 3);
        assert_eq!(back, src);
    }
}
