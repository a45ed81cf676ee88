//! `Lab`: the one handle the page holds. It owns the session (data, network, trainer,
//! view buffers); JavaScript calls `step(n)`, reads small scalars, and reads large
//! arrays as typed-array views over wasm memory through the `*Ptr`/`*Len` pairs.

use super::charts::{self, ChartKind};
use super::edit::EditedCost;
use super::js_error;
use super::timeline::ShownMoment;
use crate::engine::dataset::Target;
use crate::engine::grid::{feature_names, point_colours, Grid, Palette, ValueScale};
use crate::engine::session::{Session, SessionConfig, TrainingConfig};
use crate::engine::train::Series;
use wasm_bindgen::prelude::*;

/// A network training on a dataset, as configured by the page.
#[wasm_bindgen]
pub struct Lab {
    pub(super) session: Session,
    labels: Vec<u32>,
    train_mask: Vec<u8>,
    raw_x: Vec<f32>,
    point_rgb: Vec<u8>,
    views: crate::engine::views::ViewState,
    /// The transposed W a tied layer borrows, as `weightsPtr` last copied it (its
    /// capacity allocated with the lab).
    tied_weights: Vec<f32>,
    pub(super) shown: Option<ShownMoment>,
    notes: Vec<String>,
    /// The cost of hand-edited weights (see `setParameter`).
    pub(super) edited: Option<EditedCost>,
    /// Parameters edited by hand so far.
    pub(super) edits: u32,
}

impl Lab {
    /// The history series `name` (of `layer`, for the per-layer ones).
    fn series(&self, name: &str, layer: usize) -> Result<&Series, JsError> {
        self.session
            .trainer
            .history
            .named(name, layer)
            .map_err(js_error)
    }

    /// The session behind the handle, for the other facade modules.
    pub(super) fn session(&self) -> &Session {
        &self.session
    }
}

#[wasm_bindgen]
impl Lab {
    /// Builds a lab from the page's configuration JSON. `data` carries an uploaded
    /// CSV's bytes or the digits file, when the configuration names them. Throws on a
    /// value a setting cannot take, naming it; what it could build around (unknown
    /// keys, removed rows that do not exist) is in `notes()`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, data: Option<Vec<u8>>) -> Result<Lab, JsError> {
        let (config, mut notes) = SessionConfig::parse(config_json).map_err(js_error)?;
        let session = Session::new(config, data.as_deref()).map_err(js_error)?;
        notes.extend(session.notes.iter().cloned());
        let d = &session.data;
        let labels = match &d.target {
            Target::Classes { labels, .. } => labels.iter().map(|&l| l as u32).collect(),
            Target::Values { y, .. } => y.column(0).iter().map(|&v| (v as f32).to_bits()).collect(),
        };
        let mut train_mask = vec![0u8; d.rows()];
        for &r in &session.train_rows {
            train_mask[r] = 1;
        }
        let raw_x = d.x.iter().map(|&v| v as f32).collect();
        // Room for the largest W a tied layer borrows, so that `weightsPtr` never
        // allocates (and never moves the views the page holds over memory).
        let net = &session.trainer.net;
        let tied_len = net
            .layers
            .iter()
            .filter_map(|l| l.ties())
            .map(|of| net.layers[of].weights().len())
            .max()
            .unwrap_or(0);
        Ok(Lab {
            session,
            labels,
            train_mask,
            raw_x,
            point_rgb: Vec::new(),
            views: Default::default(),
            tied_weights: Vec::with_capacity(tied_len),
            shown: None,
            notes,
            edited: None,
            edits: 0,
        })
    }

    /// What the build could not take as configured, as a JSON list of messages for
    /// the page to show: unknown keys (ignored), removed rows that do not exist.
    pub fn notes(&self) -> String {
        serde_json::to_string(&self.notes).unwrap_or_default()
    }

    /// Runs `n` training steps. Throws (and keeps the last good weights) if training
    /// diverges.
    pub fn step(&mut self, n: u32) -> Result<(), JsError> {
        self.session.trainer.run(u64::from(n)).map_err(js_error)
    }

    /// Runs to the end of the current epoch.
    #[wasm_bindgen(js_name = runEpoch)]
    pub fn run_epoch(&mut self) -> Result<(), JsError> {
        self.session.trainer.run_epoch().map_err(js_error)
    }

    /// Everything the training worker's `Trainer` is built from: network, training
    /// rows, settings and the run so far, in one buffer.
    #[wasm_bindgen(js_name = trainerSeed)]
    pub fn trainer_seed(&mut self) -> Vec<u8> {
        self.with_live(|lab| crate::engine::seed::write(&lab.session.trainer))
    }

    /// The training settings as this Lab checked them (after `setTraining`), for the
    /// worker's `Trainer.setTraining`.
    #[wasm_bindgen(js_name = trainingSettings)]
    pub fn training_settings(&self) -> Vec<u8> {
        crate::engine::seed::write_settings(&self.session.trainer)
    }

    /// Shows a snapshot of the worker's `Trainer` (built from this Lab's seed): this Lab
    /// then draws its weights and history. Throws if the shapes differ.
    #[wasm_bindgen(js_name = showSnapshot)]
    pub fn show_snapshot(&mut self, snapshot: &[f64]) -> Result<(), JsError> {
        self.session
            .trainer
            .show_snapshot(snapshot)
            .map_err(js_error)?;
        self.keep_moment_shown();
        Ok(())
    }

    /// Completed epochs.
    pub fn epoch(&self) -> f64 {
        self.session.trainer.epoch() as f64
    }

    /// Completed steps.
    pub fn steps(&self) -> f64 {
        self.session.trainer.steps() as f64
    }

    /// Steps in one epoch.
    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> u32 {
        self.session.trainer.steps_per_epoch() as u32
    }

    /// The last epoch's mini-batch costs added up (the CMU notebook's "total loss over
    /// the epoch"; `last("train_loss")` is their mean). NaN before the first epoch.
    #[wasm_bindgen(js_name = epochLossSum)]
    pub fn epoch_loss_sum(&self) -> f64 {
        self.session.trainer.epoch_loss_sum()
    }

    /// Learning rate in force (after decay).
    #[wasm_bindgen(js_name = learningRate)]
    pub fn learning_rate(&self) -> f64 {
        self.session.trainer.learning_rate()
    }

    /// Last value of a history series (NaN when empty): step_loss, train_loss,
    /// train_accuracy, val_loss, val_accuracy. After a weight was edited by hand and
    /// until training takes a step, the edited network's cost and accuracy instead (see
    /// `setParameter`), so that no stale loss is shown beside edited weights.
    pub fn last(&self, name: &str) -> f64 {
        self.edited_metric(name)
            .unwrap_or_else(|| self.session.trainer.history.last(name))
    }

    /// Pointer to a history series' f64 values (see `historyLen`); grad_norm and
    /// weight_norm take a layer index.
    #[wasm_bindgen(js_name = historyPtr)]
    pub fn history_ptr(&self, name: &str, layer: usize) -> Result<*const f64, JsError> {
        Ok(self.series(name, layer)?.values().as_ptr())
    }

    /// Number of values of a history series.
    #[wasm_bindgen(js_name = historyLen)]
    pub fn history_len(&self, name: &str, layer: usize) -> Result<usize, JsError> {
        Ok(self.series(name, layer)?.values().len())
    }

    /// How many steps or epochs each kept history value averages.
    #[wasm_bindgen(js_name = historyStride)]
    pub fn history_stride(&self, name: &str, layer: usize) -> Result<f64, JsError> {
        Ok(self.series(name, layer)?.stride() as f64)
    }

    /// Changes the training settings (JSON of the `training` part) without a reset.
    #[wasm_bindgen(js_name = setTraining)]
    pub fn set_training(&mut self, training_json: &str) -> Result<(), JsError> {
        let t = TrainingConfig::from_json(training_json).map_err(js_error)?;
        self.session.set_training(t).map_err(js_error)
    }

    /// The model file of the current weights, with the configuration.
    #[wasm_bindgen(js_name = exportModel)]
    pub fn export_model(&mut self) -> String {
        self.with_live(|lab| lab.session.export_model())
    }

    /// The live network as an ONNX model (opset 13): raw feature columns in, as
    /// `dataPtr` holds them, the input transform inside the graph, and out what
    /// `predictionsPtr` gives. Throws for a layer kind the export cannot write yet.
    #[wasm_bindgen(js_name = exportOnnx)]
    pub fn export_onnx(&mut self) -> Result<Vec<u8>, JsError> {
        self.with_live(|lab| crate::engine::onnx::export(&lab.session.model()))
            .map_err(js_error)
    }

    /// Loads weights from a model file of the same architecture.
    #[wasm_bindgen(js_name = importWeights)]
    pub fn import_weights(&mut self, model_json: &str) -> Result<(), JsError> {
        self.show_live();
        self.edited = None;
        self.session.import_weights(model_json).map_err(js_error)
    }

    /// Widths of the input and of every layer.
    #[wasm_bindgen(js_name = layerSizes)]
    pub fn layer_sizes(&self) -> Vec<u32> {
        let net = &self.session.trainer.net;
        std::iter::once(net.input_dim)
            .chain(net.layers.iter().map(|l| l.output_len()))
            .map(|u| u as u32)
            .collect()
    }

    /// Pointer to layer `l`'s weights, f32 row-major (units, fan_in). For a tied layer,
    /// the transpose of the W it borrows, copied (so the diagram draws the weights that
    /// layer applies). Null for a layer without weights (dropout, batch norm), so that
    /// the diagram draws its units' one-to-one links instead of reading past an empty
    /// matrix.
    #[wasm_bindgen(js_name = weightsPtr)]
    pub fn weights_ptr(&mut self, l: usize) -> *const f32 {
        let net = &self.session.trainer.net;
        let Some(layer) = net.layers.get(l) else {
            return std::ptr::null();
        };
        match layer.ties() {
            Some(of) => {
                self.tied_weights.clear();
                self.tied_weights
                    .extend(net.layers[of].weights().t().iter().copied());
                self.tied_weights.as_ptr()
            }
            None if layer.weights().is_empty() => std::ptr::null(),
            None => layer.weights().as_ptr(),
        }
    }

    /// Pointer to layer `l`'s biases, f32; null for a layer without biases.
    #[wasm_bindgen(js_name = biasesPtr)]
    pub fn biases_ptr(&self, l: usize) -> *const f32 {
        self.session
            .trainer
            .net
            .layers
            .get(l)
            .filter(|layer| !layer.biases().is_empty())
            .map_or(std::ptr::null(), |layer| layer.biases().as_ptr())
    }

    /// The weight W[layer][unit][input], or the bias b[layer][unit] when `input` is
    /// negative; NaN when there is no such parameter.
    pub fn parameter(&self, layer: usize, unit: usize, input: i32) -> f64 {
        let Some(l) = self.session.trainer.net.layers.get(layer) else {
            return f64::NAN;
        };
        let value = match (usize::try_from(input), l.ties()) {
            (Ok(i), Some(of)) => self.session.trainer.net.layers[of]
                .weights()
                .get((i, unit))
                .copied(),
            (Ok(i), None) => l.weights().get((unit, i)).copied(),
            (Err(_), _) => l.biases().get(unit).copied(),
        };
        value.map_or(f64::NAN, f64::from)
    }

    /// Names of the layers' activations, comma-separated.
    pub fn activations(&self) -> String {
        let net = &self.session.trainer.net;
        let names: Vec<&str> = net
            .layers
            .iter()
            .map(|l| l.activation_or_identity().name())
            .collect();
        names.join(",")
    }

    /// Rows of the dataset.
    pub fn rows(&self) -> usize {
        self.session.data.rows()
    }

    /// Raw features per row.
    pub fn features(&self) -> usize {
        self.session.data.features()
    }

    /// Raw inputs, f32 row-major (rows, features): a view for drawing points.
    #[wasm_bindgen(js_name = dataPtr)]
    pub fn data_ptr(&self) -> *const f32 {
        self.raw_x.as_ptr()
    }

    /// Class label of each row (u32); for regression the f32 bits of the first target.
    #[wasm_bindgen(js_name = labelsPtr)]
    pub fn labels_ptr(&self) -> *const u32 {
        self.labels.as_ptr()
    }

    /// 1 for a training row, 0 for a validation row (u8).
    #[wasm_bindgen(js_name = trainMaskPtr)]
    pub fn train_mask_ptr(&self) -> *const u8 {
        self.train_mask.as_ptr()
    }

    /// Class names as a JSON list (empty for regression); user text, to be shown as text.
    #[wasm_bindgen(js_name = classNames)]
    pub fn class_names(&self) -> String {
        match &self.session.data.target {
            Target::Classes { names, .. } => serde_json::to_string(names).unwrap_or_default(),
            Target::Values { .. } => "[]".into(),
        }
    }

    /// Feature names as a JSON list.
    #[wasm_bindgen(js_name = featureNames)]
    pub fn feature_names(&self) -> String {
        serde_json::to_string(&self.session.data.feature_names).unwrap_or_default()
    }

    /// The network's input names as a JSON list: the data's features, then the derived
    /// ones ("x1^2", "x1*x2", …), in the order of the diagram's input nodes.
    #[wasm_bindgen(js_name = inputNames)]
    pub fn input_names(&self) -> String {
        let s = &self.session;
        serde_json::to_string(&s.transform.feature_names(&s.data.feature_names)).unwrap_or_default()
    }

    /// [height, width] when rows are images, else empty.
    #[wasm_bindgen(js_name = imageShape)]
    pub fn image_shape(&self) -> Vec<u32> {
        self.session
            .data
            .image_shape
            .map_or(Vec::new(), |(h, w)| vec![h as u32, w as u32])
    }

    /// Recomputes the heatmaps (2-D data) at `side` cells per side; `discrete` (the
    /// "Discretise output" toggle, off when not given) colours the output by its
    /// decision alone.
    #[wasm_bindgen(js_name = updateGrid)]
    pub fn update_grid(
        &mut self,
        side: usize,
        palette: &str,
        discrete: Option<bool>,
    ) -> Result<(), JsError> {
        let p = Palette::parse(palette).map_err(js_error)?;
        self.session
            .update_grid(side, p, discrete.unwrap_or(false))
            .map_err(js_error)
    }

    /// For regression data, [low, centre, high] of the diverging scale the heatmap
    /// and the points share (white at the centre), for the legend; empty for classes.
    #[wasm_bindgen(js_name = valueScale)]
    pub fn value_scale(&self) -> Vec<f64> {
        ValueScale::of(&self.session.data.target).map_or(Vec::new(), |s| {
            vec![s.centre - s.half, s.centre, s.centre + s.half]
        })
    }

    /// The colour of every data row, RGB (rows * 3 bytes): its class's, or its target's
    /// place on the diverging scale of `valueScale`. Pointer valid until the next call.
    #[wasm_bindgen(js_name = pointColorsPtr)]
    pub fn point_colors_ptr(&mut self, palette: &str) -> Result<*const u8, JsError> {
        let p = Palette::parse(palette).map_err(js_error)?;
        let target = &self.session.data.target;
        point_colours(target, ValueScale::of(target), p, &mut self.point_rgb);
        Ok(self.point_rgb.as_ptr())
    }

    /// Candidate input `i`'s heatmap (x1, x2, then each derived feature, as
    /// `gridFeatureNames` lists them): side * side RGBA pixels, a byte view valid until
    /// the next call that may allocate.
    #[wasm_bindgen(js_name = gridFeatureRgba)]
    pub fn grid_feature_rgba(&self, i: usize) -> Result<js_sys::Uint8Array, JsError> {
        self.heatmap(i, |g| &g.feature_rgba, "input")
    }

    /// Names of the inputs `gridFeatureRgba` draws, as a JSON list.
    #[wasm_bindgen(js_name = gridFeatureNames)]
    pub fn grid_feature_names() -> String {
        serde_json::to_string(&feature_names()).unwrap_or_default()
    }

    /// Cells per side of the heatmaps (0 when the data is not 2-D).
    #[wasm_bindgen(js_name = gridSide)]
    pub fn grid_side(&self) -> usize {
        self.session.grid.as_ref().map_or(0, |g| g.side())
    }

    /// [x1 min, x1 max, x2 min, x2 max] of the heatmaps' plane.
    #[wasm_bindgen(js_name = gridBounds)]
    pub fn grid_bounds(&self) -> Vec<f64> {
        self.session
            .grid
            .as_ref()
            .map_or(Vec::new(), |g| g.bounds.to_vec())
    }

    /// Pointer to the output heatmap's RGBA bytes (side * side * 4).
    #[wasm_bindgen(js_name = gridOutputPtr)]
    pub fn grid_output_ptr(&self) -> *const u8 {
        self.session
            .grid
            .as_ref()
            .map_or(std::ptr::null(), |g| g.output_rgba.as_ptr())
    }

    /// Hidden unit `unit`'s heatmap (units counted over all hidden layers, input side
    /// first): side * side RGBA pixels, a byte view over engine memory valid until the
    /// next call that may allocate.
    #[wasm_bindgen(js_name = gridUnitRgba)]
    pub fn grid_unit_rgba(&self, unit: usize) -> Result<js_sys::Uint8Array, JsError> {
        self.heatmap(unit, |g| &g.unit_rgba, "hidden unit")
    }

    /// A palette's diverging scale (class 0's colour for negative values, white at 0,
    /// class 1's for positive) as `steps` RGB triples for t evenly from -1 to 1, so
    /// that the page colours by table lookup and never mixes colours itself.
    #[wasm_bindgen(js_name = signedRamp)]
    pub fn signed_ramp(palette: &str, steps: usize) -> Result<Vec<u8>, JsError> {
        let p = Palette::parse(palette).map_err(js_error)?;
        let steps = steps.clamp(2, 1024);
        Ok((0..steps)
            .flat_map(|i| p.signed(-1.0 + 2.0 * i as f32 / (steps - 1) as f32))
            .collect())
    }

    /// Pointer to every hidden unit's heatmap, RGBA, one after another.
    #[wasm_bindgen(js_name = gridUnitsPtr)]
    pub fn grid_units_ptr(&self) -> *const u8 {
        self.session
            .grid
            .as_ref()
            .map_or(std::ptr::null(), |g| g.unit_rgba.as_ptr())
    }

    /// Predictions for every row (see the engine's `Session::predictions`): pointer to
    /// rows * outputs f32 values, refreshed by this call.
    #[wasm_bindgen(js_name = predictionsPtr)]
    pub fn predictions_ptr(&mut self) -> *const f32 {
        self.session.predictions().as_ptr()
    }

    /// Predicted class of every row (u32), as of the last `predictionsPtr` call.
    #[wasm_bindgen(js_name = predictedClassesPtr)]
    pub fn predicted_classes_ptr(&self) -> *const u32 {
        self.session.predicted_classes().as_ptr()
    }

    /// Confusion matrix counts[true * C + predicted] on the validation rows.
    pub fn confusion(&mut self) -> Vec<u32> {
        self.session.confusion().unwrap_or_default()
    }

    /// Which rows `confusion` counts: "validation", or "training" when there are none.
    #[wasm_bindgen(js_name = confusionRows)]
    pub fn confusion_rows(&self) -> String {
        self.session.confusion_rows().into()
    }

    /// Every activation of data row `row` (input, then each layer): pointer to f32s.
    #[wasm_bindgen(js_name = pointActivationsPtr)]
    pub fn point_activations_ptr(&mut self, row: usize) -> Result<*const f32, JsError> {
        Ok(self
            .session
            .point_activations(row)
            .map_err(js_error)?
            .as_ptr())
    }

    /// Draws training curves on `canvas` with plotters: `kind` is loss, accuracy or
    /// gradients; `log` puts the value axis on a log10 scale; `scale` is the device
    /// pixel ratio. A moment shown from the timeline is marked by a vertical line.
    #[wasm_bindgen(js_name = drawChart)]
    pub fn draw_chart(
        &self,
        canvas: web_sys::HtmlCanvasElement,
        kind: &str,
        log: bool,
        palette: &str,
        scale: f64,
    ) -> Result<(), JsError> {
        let kind = ChartKind::parse(kind)
            .ok_or_else(|| JsError::new(&format!("unknown chart \"{kind}\"")))?;
        let p = Palette::parse(palette).map_err(js_error)?;
        let shown = usize::try_from(self.shown_moment()).ok();
        let t = &self.session.trainer;
        let cursor = shown
            .and_then(|i| t.timeline.get(i).ok())
            .map(|m| (m.step, m.epoch));
        charts::draw(canvas, &t.history, kind, log, p, scale, cursor)
            .map_err(|e| JsError::new(&format!("chart: {e}")))
    }

    /// RGB of class `k` in a palette ("standard" or "colorblind").
    #[wasm_bindgen(js_name = classColor)]
    pub fn class_color(palette: &str, k: usize) -> Result<Vec<u8>, JsError> {
        Ok(Palette::parse(palette)
            .map_err(js_error)?
            .class_rgb(k)
            .to_vec())
    }
}

impl Lab {
    /// The session and the inspection views' state, borrowed together (for `web::views`).
    pub(super) fn session_and_views(&mut self) -> (&Session, &mut crate::engine::views::ViewState) {
        (&self.session, &mut self.views)
    }

    /// Heatmap `i` of the tiles `tiles` picks from the grid (side * side RGBA pixels
    /// each), as a byte view over engine memory; `what` names a missing one.
    fn heatmap(
        &self,
        i: usize,
        tiles: fn(&Grid) -> &Vec<u8>,
        what: &str,
    ) -> Result<js_sys::Uint8Array, JsError> {
        let grid = self
            .session
            .grid
            .as_ref()
            .ok_or_else(|| JsError::new("there are no heatmaps for this data"))?;
        let cells = grid.side() * grid.side() * 4;
        let pixels = tiles(grid)
            .get(i * cells..(i + 1) * cells)
            .ok_or_else(|| JsError::new(&format!("there is no {what} {}", i + 1)))?;
        // SAFETY: the view is read at once by the caller, before any call that could
        // move or grow wasm memory.
        Ok(unsafe { js_sys::Uint8Array::view(pixels) })
    }
}
