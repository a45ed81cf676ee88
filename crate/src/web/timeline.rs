//! The run's timeline at the edge: the training worker's Lab records it and sends
//! updates; the page's Lab follows them, shows any moment's weights in every view, and
//! keeps the whole run (counters, history, timeline) across a reload.

use super::js_error;
use super::lab::Lab;
use wasm_bindgen::prelude::*;

/// The moment the page's Lab shows instead of the live weights, and the live weights
/// it will return to.
#[derive(Debug, Clone)]
pub(super) struct ShownMoment {
    step: u64,
    live: Vec<f32>,
}

impl Lab {
    /// Runs `f` with the live weights in place, then shows the moment shown before.
    pub(super) fn with_live<R>(&mut self, f: impl FnOnce(&mut Lab) -> R) -> R {
        let shown = self.shown.as_ref().map(|s| s.step);
        self.show_live();
        let out = f(self);
        if let Some(step) = shown {
            if let Some(i) = self.session.trainer.timeline.index_of(step) {
                self.show_moment(i)
                    .expect("the moment was found in this timeline");
            }
        }
        out
    }

    /// After the live weights changed (a snapshot, an import): keeps them aside and
    /// puts the shown moment's weights back, if a moment is shown.
    pub(super) fn keep_moment_shown(&mut self) {
        let Some(step) = self.shown.as_ref().map(|s| s.step) else {
            return;
        };
        let trainer = &mut self.session.trainer;
        let live: Vec<f32> = trainer.net.state().collect();
        let moments = trainer.timeline.moments();
        // The shown moment may have been thinned away: show the nearest kept one.
        let i = moments
            .partition_point(|m| m.step < step)
            .min(moments.len() - 1);
        let moment = &moments[i];
        let (step, params) = (moment.step, moment.params.clone());
        trainer
            .net
            .set_state(&params)
            .expect("a moment of this network has its parameter count");
        self.shown = Some(ShownMoment { step, live });
    }
}

#[wasm_bindgen]
impl Lab {
    /// What a mirror needs to follow this Lab's timeline (see `followTimeline`): the
    /// steps of every moment kept, then the moments after step `after` (the newest the
    /// mirror has; negative for all of them).
    #[wasm_bindgen(js_name = timelineUpdate)]
    pub fn timeline_update(&self, after: f64) -> Vec<f64> {
        let after = (after >= 0.0).then_some(after as u64);
        self.session.trainer.timeline_update(after)
    }

    /// Follows a `timelineUpdate` of the Lab this one mirrors. Throws if it does not
    /// fit this network; nothing changes then.
    #[wasm_bindgen(js_name = followTimeline)]
    pub fn follow_timeline(&mut self, update: &[f64]) -> Result<(), JsError> {
        self.session
            .trainer
            .follow_timeline(update)
            .map_err(js_error)?;
        self.keep_moment_shown();
        Ok(())
    }

    /// Moments in the timeline.
    #[wasm_bindgen(js_name = momentCount)]
    pub fn moment_count(&self) -> usize {
        self.session.trainer.timeline.moments().len()
    }

    /// Steps completed at moment `i` (NaN when there is no such moment).
    #[wasm_bindgen(js_name = momentStep)]
    pub fn moment_step(&self, i: usize) -> f64 {
        let t = &self.session.trainer.timeline;
        t.get(i).map_or(f64::NAN, |m| m.step as f64)
    }

    /// Epochs completed at moment `i` (NaN when there is no such moment).
    #[wasm_bindgen(js_name = momentEpoch)]
    pub fn moment_epoch(&self, i: usize) -> f64 {
        let t = &self.session.trainer.timeline;
        t.get(i).map_or(f64::NAN, |m| m.epoch as f64)
    }

    /// Shows moment `i`'s weights in every view, until `showLive`. Snapshots that arrive
    /// meanwhile update the live weights aside.
    #[wasm_bindgen(js_name = showMoment)]
    pub fn show_moment(&mut self, i: usize) -> Result<(), JsError> {
        let trainer = &mut self.session.trainer;
        let moment = trainer.timeline.get(i).map_err(js_error)?;
        let (step, params) = (moment.step, moment.params.clone());
        let live = match self.shown.take() {
            Some(shown) => shown.live,
            None => trainer.net.state().collect(),
        };
        trainer.net.set_state(&params).map_err(js_error)?;
        self.shown = Some(ShownMoment { step, live });
        Ok(())
    }

    /// Back to the live weights.
    #[wasm_bindgen(js_name = showLive)]
    pub fn show_live(&mut self) {
        if let Some(shown) = self.shown.take() {
            self.session
                .trainer
                .net
                .set_state(&shown.live)
                .expect("the live weights were taken from this network");
        }
    }

    /// The index of the moment shown, or -1 when the live weights are.
    #[wasm_bindgen(js_name = shownMoment)]
    pub fn shown_moment(&self) -> i32 {
        self.shown.as_ref().map_or(-1, |s| {
            let timeline = &self.session.trainer.timeline;
            timeline.index_of(s.step).map_or(-1, |i| i as i32)
        })
    }

    /// The step of the weights shown: the moment's, or the live step. Views redraw when
    /// it changes.
    #[wasm_bindgen(js_name = shownStep)]
    pub fn shown_step(&self) -> f64 {
        self.shown
            .as_ref()
            .map_or(self.session.trainer.steps(), |s| s.step) as f64
    }

    /// Records the current weights as the timeline's newest moment (when training
    /// pauses).
    #[wasm_bindgen(js_name = markMoment)]
    pub fn mark_moment(&mut self) {
        self.session.trainer.mark();
    }

    /// The epoch whose weights `restoreCheckpoint` brings back.
    #[wasm_bindgen(js_name = checkpointEpoch)]
    pub fn checkpoint_epoch(&self) -> f64 {
        self.session.trainer.checkpoint_epoch() as f64
    }

    /// After a blow-up: the weights of the checkpoint (the epoch with the lowest
    /// training loss so far) come back.
    #[wasm_bindgen(js_name = restoreCheckpoint)]
    pub fn restore_checkpoint(&mut self) {
        self.session.trainer.restore_checkpoint();
    }

    /// The whole run (counters, history, weights and the timeline thinned to at most
    /// about `max_values` numbers), to keep across a reload (see `importRun`).
    #[wasm_bindgen(js_name = exportRun)]
    pub fn export_run(&mut self, max_values: usize) -> Vec<f64> {
        self.with_live(|lab| lab.session.trainer.run_state(max_values))
    }

    /// Takes on an `exportRun` of a Lab built from the same configuration. Throws if it
    /// does not fit; nothing changes then.
    #[wasm_bindgen(js_name = importRun)]
    pub fn import_run(&mut self, run: &[f64]) -> Result<(), JsError> {
        self.show_live();
        self.session.trainer.restore_run(run).map_err(js_error)
    }
}
