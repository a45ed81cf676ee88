//! Inspection views computed in the engine so the page only draws: hidden
//! representations (every row placed at its activation vector in a layer, projected and
//! recorded over a run) and first-layer filters (weight images or zero lines).

pub mod filters;
pub mod pca;
pub mod representation;

use filters::Filters;
use representation::Representation;

/// The views' state and buffers for one lab; one per `Lab`, built empty and filled on
/// first use.
#[derive(Debug, Default)]
pub struct ViewState {
    /// The hidden-representation view.
    pub representation: Representation,
    /// The first-layer filters view.
    pub filters: Filters,
}
