//! `Trainer`: the training worker's handle. The page's `Lab` is the one session (data,
//! configuration, views); it writes a seed (`Lab.trainerSeed`) from which the worker
//! builds this trainer without parsing anything again. The worker trains and sends
//! back snapshots and timeline updates, whose layouts only Rust reads.

use super::js_error;
use crate::engine::seed;
use crate::engine::train;
use wasm_bindgen::prelude::*;

/// The network training in the worker, built from a `Lab`'s seed.
#[wasm_bindgen]
pub struct Trainer {
    inner: train::Trainer<f32>,
}

#[wasm_bindgen]
impl Trainer {
    /// Builds the trainer a `Lab.trainerSeed()` describes. Throws if the seed is
    /// damaged.
    #[wasm_bindgen(constructor)]
    pub fn new(seed: &[u8]) -> Result<Trainer, JsError> {
        Ok(Trainer {
            inner: seed::read(seed).map_err(js_error)?,
        })
    }

    /// Runs `n` steps. Throws "training diverged: ..." with the likely cause, keeping
    /// the weights the guard left (see `restoreCheckpoint`).
    pub fn step(&mut self, n: u32) -> Result<(), JsError> {
        self.inner.run(u64::from(n)).map_err(js_error)
    }

    /// Runs to the end of the current epoch.
    #[wasm_bindgen(js_name = runEpoch)]
    pub fn run_epoch(&mut self) -> Result<(), JsError> {
        self.inner.run_epoch().map_err(js_error)
    }

    /// Counters, weights and (when asked) history, for the page's `Lab.showSnapshot`.
    pub fn snapshot(&self, with_history: bool) -> Vec<f64> {
        self.inner.snapshot(with_history)
    }

    /// Takes on settings the page's Lab checked (`Lab.trainingSettings`).
    #[wasm_bindgen(js_name = setTraining)]
    pub fn set_training(&mut self, settings: &[u8]) -> Result<(), JsError> {
        seed::read_settings(&mut self.inner, settings).map_err(js_error)
    }

    /// Completed epochs.
    pub fn epoch(&self) -> f64 {
        self.inner.epoch() as f64
    }

    /// Completed steps.
    pub fn steps(&self) -> f64 {
        self.inner.steps() as f64
    }

    /// Steps in one epoch.
    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> u32 {
        self.inner.steps_per_epoch() as u32
    }

    /// Last value of a history series (NaN when empty), as `Lab.last`.
    pub fn last(&self, name: &str) -> f64 {
        self.inner.history.last(name)
    }

    /// What the page's Lab needs to follow the timeline (see `Lab.followTimeline`):
    /// the moments after step `after` (negative for all).
    #[wasm_bindgen(js_name = timelineUpdate)]
    pub fn timeline_update(&self, after: f64) -> Vec<f64> {
        self.inner
            .timeline_update((after >= 0.0).then_some(after as u64))
    }

    /// Moments in the timeline.
    #[wasm_bindgen(js_name = momentCount)]
    pub fn moment_count(&self) -> usize {
        self.inner.timeline.moments().len()
    }

    /// The step of the newest moment.
    #[wasm_bindgen(js_name = newestMoment)]
    pub fn newest_moment(&self) -> f64 {
        self.inner
            .timeline
            .moments()
            .last()
            .map_or(f64::NAN, |m| m.step as f64)
    }

    /// Takes a weight edited by hand on the page (`Lab.setParameter`): W[layer][unit]
    /// [input], or the bias when `input` is negative. Throws, changing nothing, on a
    /// parameter that does not exist or a value that is not finite.
    #[wasm_bindgen(js_name = setParameter)]
    pub fn set_parameter(
        &mut self,
        layer: usize,
        unit: usize,
        input: i32,
        value: f64,
    ) -> Result<(), JsError> {
        self.inner
            .set_parameter(layer, unit, usize::try_from(input).ok(), value)
            .map_err(js_error)
    }

    /// Records the current weights as the newest moment (when training pauses).
    #[wasm_bindgen(js_name = markMoment)]
    pub fn mark_moment(&mut self) {
        self.inner.mark();
    }

    /// The epoch whose weights `restoreCheckpoint` brings back.
    #[wasm_bindgen(js_name = checkpointEpoch)]
    pub fn checkpoint_epoch(&self) -> f64 {
        self.inner.checkpoint_epoch() as f64
    }

    /// After a blow-up: the checkpoint's weights come back.
    #[wasm_bindgen(js_name = restoreCheckpoint)]
    pub fn restore_checkpoint(&mut self) {
        self.inner.restore_checkpoint();
    }
}
