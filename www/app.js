// The page's shared state: one object the page's modules read and change, so no module
// keeps its own copy of the settings, the Lab or whether training plays. The engine's
// Lab is the one session; the worker trains from its seed (www/training.js).
import * as S from "./state.js";

export const app = {
  /** The settings on screen, and the last ones a Lab was built from. */
  state: S.defaults(),
  built: null,
  /** The engine's session: data, network, views. */
  lab: null,
  /** Class names of the Lab (empty for regression), read once per build. */
  classNames: [],
  /** A classroom link's options (www/classroom.js), or null. */
  classroom: null,
  /** An uploaded CSV's bytes, kept for rebuilds. */
  csvBytes: null,
  playing: false,
  crashed: false,
  selectedWeight: null,
  highlightLayer: null,
  /** Something changed: the next frame redraws. */
  dirty: true,
  stats: { fps: 0, stepsPerSecond: 0, epochsPerSecond: 0, frames: 0 },
  /** Set at boot (www/main.js): the training worker, the timeline and the controls. */
  trainer: null,
  timeline: null,
  controls: null,
  redraw() {
    app.dirty = true;
  },
};

/** The element with id `id`. */
export const $ = (id) => document.getElementById(id);
