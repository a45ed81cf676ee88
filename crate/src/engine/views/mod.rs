//! Inspection views computed in the engine so the page only draws: hidden
//! representations (every row placed at its activation vector in a layer, projected and
//! recorded over a run), first-layer filters (weight images or zero lines) and
//! histograms of every layer's activations, the feature maps of a convolutional net,
//! and an autoencoder's reconstructions beside their inputs.

pub mod featuremaps;
pub mod filters;
pub mod histogram;
pub mod pca;
pub mod reconstructions;
pub mod representation;

use featuremaps::FeatureMaps;
use filters::Filters;
use reconstructions::Reconstructions;
use representation::Representation;

/// The views' state and buffers for one lab; one per `Lab`, built empty and filled on
/// first use.
#[derive(Debug, Default)]
pub struct ViewState {
    /// The hidden-representation view.
    pub representation: Representation,
    /// The first-layer filters view.
    pub filters: Filters,
    /// The feature-maps view's maps of the selected image.
    pub feature_maps: FeatureMaps,
    /// The autoencoder's reconstructions of a few rows.
    pub reconstructions: Reconstructions,
    /// PCA's reconstruction error on the held-out rows, by components (the data and
    /// split are fixed for a lab, so it is computed once).
    pub pca_error: Option<(usize, f64)>,
}
