// The run's timeline: one page-wide slider over the moments the engine recorded since
// step 0 (every early step, then spaced evenly in log(step)), which shows any of them
// in every view, and a replay of the whole run. The engine keeps the moments and swaps
// the shown weights in; this module only moves the slider and says which moment.
const $ = (id) => document.getElementById(id);

/** Moments a second a replay may show, and its default. */
const REPLAY_PACES = [10, 30, 60];
const DEFAULT_REPLAY = 30;

export class Timeline {
  /** `pause()` stops training (scrubbing shows the past, so the run holds still);
   * `redraw()` asks the page for a frame. */
  constructor({ pause, redraw }) {
    this.pause = pause;
    this.redraw = redraw;
    this.lab = null;
    this.replaying = null;
    this.slider = $("timeline-scrub");
    this.readout = $("timeline-readout");
    this.liveButton = $("timeline-live");
    this.replayButton = $("timeline-replay");
    this.paceSelect = $("timeline-pace");
    this.paceSelect.replaceChildren(...REPLAY_PACES.map((p) => new Option(`${p} moments/s`, String(p))));
    this.paceSelect.value = String(DEFAULT_REPLAY);
    this.slider.addEventListener("input", () => {
      this.stopReplay();
      this.pause();
      this.show(Number(this.slider.value));
    });
    this.liveButton.addEventListener("click", () => {
      this.stopReplay();
      this.show(Infinity);
    });
    this.replayButton.addEventListener("click", () => {
      if (this.replaying) this.stopReplay();
      else this.replay();
    });
  }

  /** Follows a new Lab (a rebuild): its own timeline, shown live. */
  attach(lab) {
    this.stopReplay();
    this.lab = lab;
  }

  /** True while a past moment is shown instead of the live weights. */
  get rewound() {
    return this.lab != null && this.lab.shownMoment() >= 0;
  }

  /** Shows moment `i`, or the live weights when `i` is past the last moment. */
  show(i) {
    const lab = this.lab;
    if (!lab) return;
    if (i >= lab.momentCount()) lab.showLive();
    else lab.showMoment(Math.max(0, i));
    this.redraw();
  }

  /** Plays the run back from step 0, `pace` moments a second; resolves when it has
   * reached the live weights again (or was stopped). */
  replay(pace = Number(this.paceSelect.value)) {
    if (!this.lab || this.lab.momentCount() < 2) return Promise.resolve();
    this.stopReplay();
    this.pause();
    return new Promise((resolve) => {
      this.replaying = { i: 0, last: performance.now(), pace, resolve, started: performance.now() };
      this.show(0);
    });
  }

  stopReplay() {
    const r = this.replaying;
    if (!r) return;
    this.replaying = null;
    this.show(Infinity);
    r.resolve(performance.now() - r.started);
  }

  /** Advances a replay; called every frame. */
  tick(now) {
    const r = this.replaying;
    if (!r || now - r.last < 1000 / r.pace) return;
    r.last = now;
    r.i++;
    if (r.i >= this.lab.momentCount()) this.stopReplay();
    else this.show(r.i);
  }

  /** Brings the slider and its readout up to date with the Lab. */
  sync(playing) {
    const lab = this.lab;
    if (!lab) return;
    const n = lab.momentCount();
    const shown = lab.shownMoment();
    const s = this.slider;
    // Written only when they change: the same value written again still invalidates the
    // page's style, 30 times a second while training.
    const [max, value] = [String(n), String(shown < 0 ? n : shown)];
    if (s.max !== max) s.max = max;
    if (s.value !== value) s.value = value;
    const step = shown < 0 ? lab.steps() : lab.momentStep(shown);
    const epoch = shown < 0 ? lab.epoch() : lab.momentEpoch(shown);
    const valueText = `step ${step}`;
    if (s.getAttribute("aria-valuetext") !== valueText) s.setAttribute("aria-valuetext", valueText);
    const where = shown < 0 ? (playing ? "live" : "now") : `moment ${shown + 1} of ${n}`;
    const text = `${where} · step ${step.toLocaleString("en")} · epoch ${epoch.toLocaleString("en")}`;
    if (this.readout.textContent !== text) this.readout.textContent = text;
    const live = shown < 0 && !this.replaying;
    if (this.liveButton.disabled !== live) this.liveButton.disabled = live;
    const label = this.replaying ? "Stop" : "Rewatch";
    if (this.replayButton.textContent !== label) this.replayButton.textContent = label;
    const still = n < 2 && !this.replaying;
    if (this.replayButton.disabled !== still) this.replayButton.disabled = still;
  }
}
