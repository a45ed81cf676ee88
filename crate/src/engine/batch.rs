//! What one training step reads and what it gives back, shared by the general path and
//! the dense panels so that the trainer sees one step.

/// The rows a step reads: features, dense targets and class labels, all by row index.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a, T> {
    /// Features, row-major (rows, inputs).
    pub x: &'a [T],
    /// Targets, row-major (rows, outputs).
    pub y: &'a [T],
    /// Class of each row, for accuracy.
    pub labels: Option<&'a [usize]>,
}

/// What one mini-batch gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchOutcome<T> {
    /// Cost: the reduced loss plus the penalties.
    pub cost: T,
    /// Examples classified correctly before the update (0 without labels).
    pub correct: u64,
}
