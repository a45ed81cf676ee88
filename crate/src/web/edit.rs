//! Editing a weight by hand from the diagram: the page's Lab takes the value at once
//! and evaluates the edited network, so that the loss on screen is the edited
//! network's, not the last epoch's; the training worker's `Trainer` takes the same edit
//! (`Trainer.setParameter`) so that training goes on from it.

use super::js_error;
use super::lab::Lab;
use crate::engine::train::Metrics;
use wasm_bindgen::prelude::*;

/// The cost of hand-edited weights, good until training takes a step from them.
#[derive(Debug, Clone, Copy)]
pub(super) struct EditedCost {
    steps: u64,
    train: Metrics,
    val: Option<Metrics>,
}

impl EditedCost {
    /// The value `Lab.last(name)` shows for a metric of the edited network, if it is
    /// one of them.
    fn metric(&self, name: &str) -> Option<f64> {
        let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        match name {
            "train_loss" | "step_loss" => Some(self.train.loss),
            "train_accuracy" => Some(nan(self.train.accuracy)),
            "val_loss" => Some(nan(self.val.map(|m| m.loss))),
            "val_accuracy" => Some(nan(self.val.and_then(|m| m.accuracy))),
            _ => None,
        }
    }
}

impl Lab {
    /// A metric of the hand-edited weights, while they are the ones shown and training
    /// has taken no step since the edit.
    pub(super) fn edited_metric(&self, name: &str) -> Option<f64> {
        let e = self.edited.as_ref()?;
        let current = e.steps == self.session.trainer.steps() && self.shown.is_none();
        current.then(|| e.metric(name)).flatten()
    }
}

#[wasm_bindgen]
impl Lab {
    /// Sets W[layer][unit][input], or the bias b[layer][unit] when `input` is
    /// negative, to `value`, and evaluates the edited network on the training and
    /// validation rows: `last` then returns the edited network's cost and accuracy
    /// until training takes a step. Throws, changing nothing, on a parameter that does
    /// not exist, a value that is not finite, or while a rewound moment is shown.
    #[wasm_bindgen(js_name = setParameter)]
    pub fn set_parameter(
        &mut self,
        layer: usize,
        unit: usize,
        input: i32,
        value: f64,
    ) -> Result<(), JsError> {
        if self.shown.is_some() {
            return Err(JsError::new(
                "a rewound moment is shown: go back to Live to edit the weights",
            ));
        }
        let trainer = &mut self.session.trainer;
        trainer
            .set_parameter(layer, unit, usize::try_from(input).ok(), value)
            .map_err(js_error)?;
        let (train, val) = trainer.metrics_now();
        self.edited = Some(EditedCost {
            steps: trainer.steps(),
            train,
            val,
        });
        self.edits += 1;
        Ok(())
    }

    /// How many parameters were edited by hand in this Lab: the views redraw when it
    /// changes, as they do when `shownStep` does.
    pub fn edits(&self) -> u32 {
        self.edits
    }

    /// True while `last` returns the hand-edited network's numbers (no training step
    /// since the edit), so the page can say so beside the loss.
    #[wasm_bindgen(js_name = showsEdited)]
    pub fn shows_edited(&self) -> bool {
        self.edited_metric("train_loss").is_some()
    }
}
