// The page's side of the training worker (www/trainer.js): it forwards every call that
// changes what is trained, numbers each rebuild so that snapshots of a replaced network
// are dropped, and holds the newest snapshots, and every timeline update in order, until
// the next frame shows them.

export class TrainingWorker {
  /** Starts the worker on the page's compiled engine; `events` receives "stopped",
   * "diverged" and "failed" messages of the current generation. */
  constructor(module, events) {
    this.gen = 0;
    this.events = events;
    /** Newest snapshot with the history, and a newer one without it (or null). */
    this.pending = { history: null, latest: null };
    /** Timeline updates not yet followed: each builds on the one before, so none is
     * dropped. */
    this.moments = [];
    this.worker = new Worker(new URL("./trainer.js", import.meta.url), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onerror = (e) => reject(new Error(e.message || "the training worker did not start"));
      this.worker.onmessage = ({ data }) => {
        if (data.type === "ready") resolve();
        else this.receive(data);
      };
    });
    this.worker.postMessage({ type: "init", module });
  }

  receive(data) {
    if (data.gen !== this.gen) return;
    if (data.type === "timeline") {
      this.moments.push(data.update);
      return;
    }
    if (data.type !== "snapshot") {
      this.events(data);
      return;
    }
    const snapshot = data.snapshot;
    if (snapshot[5] === 1) this.pending = { history: snapshot, latest: null };
    else this.pending.latest = snapshot;
  }

  /** Shows the newest snapshots in `lab` (the page's mirror); true if there were any. */
  show(lab) {
    const { history, latest } = this.pending;
    const moments = this.moments;
    this.pending = { history: null, latest: null };
    this.moments = [];
    if (history) lab.showSnapshot(history);
    if (latest) lab.showSnapshot(latest);
    for (const update of moments) lab.followTimeline(update);
    return history != null || latest != null || moments.length > 0;
  }

  /** The worker builds the same Lab as the page: same configuration, data, weights and,
   * when one is carried, run (counters, history and timeline). */
  build(config, bytes, model, run) {
    this.gen++;
    this.pending = { history: null, latest: null };
    this.moments = [];
    this.worker.postMessage({ type: "build", gen: this.gen, config, bytes, model, run });
  }

  training(json) {
    this.worker.postMessage({ type: "training", json });
  }

  weights(model) {
    this.gen++;
    this.pending = { history: null, latest: null };
    this.moments = [];
    this.worker.postMessage({ type: "weights", gen: this.gen, model });
  }

  /** Trains continuously at `rate` steps per second (null: as fast as it can) until
   * paused or `stop` ({ kind, value } or null) holds. */
  play(rate, stop) {
    this.worker.postMessage({ type: "play", rate, stop });
  }

  pause() {
    this.worker.postMessage({ type: "pause" });
  }

  step() {
    this.worker.postMessage({ type: "step" });
  }

  epoch() {
    this.worker.postMessage({ type: "epoch" });
  }

  /** After a blow-up: the worker brings back its checkpoint's weights. */
  restore() {
    this.worker.postMessage({ type: "restore" });
  }
}
