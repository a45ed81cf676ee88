// The page's side of the training worker (www/training-worker.js): it hands the worker
// the seed of each new network (written by the page's Lab), numbers the seeds so that
// messages about a replaced network are dropped, and holds the newest snapshots, and
// every timeline update in order, until the next frame shows them in the page's Lab.

export class TrainingWorker {
  /** Starts the worker on `engine` (engine.js's trainingEngine); `events` receives
   * "stopped", "diverged" and "failed" messages of the current generation. */
  constructor(engine, events) {
    this.gen = 0;
    this.events = events;
    /** Newest snapshot with the history, and a newer one without it (or null). */
    this.pending = { history: null, latest: null };
    /** Timeline updates not yet followed: each builds on the one before, so none is
     * dropped. */
    this.moments = [];
    /** The last play command, while playing: a new seed plays on with it. */
    this.running = null;
    this.worker = new Worker(new URL("./training-worker.js", import.meta.url), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onerror = (e) => reject(new Error(e.message || "the training worker did not start"));
      this.worker.onmessage = ({ data }) => {
        if (data.type === "ready") {
          this.threads = data.threads;
          resolve();
        }
        else this.receive(data);
      };
    });
    /** Threads the worker trains on, once ready (1 without the threaded module). */
    this.threads = 0;
    this.worker.postMessage({ type: "init", ...engine });
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
    if (data.withHistory) this.pending = { history: data.snapshot, latest: null };
    else this.pending.latest = data.snapshot;
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

  /** The worker trains a new network from `lab`'s seed: its weights, rows, settings
   * and run so far. */
  seed(lab) {
    this.gen++;
    this.pending = { history: null, latest: null };
    this.moments = [];
    const seed = lab.trainerSeed();
    this.worker.postMessage({ type: "seed", gen: this.gen, seed }, [seed.buffer]);
    // A new network goes on playing if the old one was.
    if (this.running) this.worker.postMessage({ type: "play", ...this.running });
  }

  /** The training settings `lab` has just checked. */
  training(lab) {
    const settings = lab.trainingSettings();
    this.worker.postMessage({ type: "training", settings }, [settings.buffer]);
  }

  /** A weight or bias the user set by hand ({ layer, unit, input }, input -1 for a
   * bias): the worker's trainer takes it and sends a snapshot back. */
  edit({ layer, unit, input }, value) {
    this.worker.postMessage({ type: "edit", layer, unit, input, value });
  }

  /** Trains continuously at `rate` steps per second (null: as fast as it can) until
   * paused or `stop` ({ kind, value } or null) holds. */
  play(rate, stop) {
    this.running = { rate, stop };
    this.worker.postMessage({ type: "play", rate, stop });
  }

  pause() {
    this.running = null;
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
