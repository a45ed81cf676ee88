// What a changed setting does: view settings redraw; training settings reach the Lab
// (which checks them) and the worker without a rebuild; anything else rebuilds, keeping
// the weights and the run where the network stays the same.
import { app } from "./app.js";
import { build, discardOk } from "./building.js";
import { sendPlay } from "./transport.js";
import { message, errorText } from "./messages.js";
import { save } from "./storage.js";

/** Keeps the weights through a rebuild: the network is unchanged by these. */
const KEEPS_WEIGHTS = new Set(["data.validation", "training.batch_size", "data.edit"]);

/** Changes the network's shape (its inputs, layers, output or loss): asked first, as
 * Reset is, when the network has been trained. */
const reshapes = (path) => path.startsWith("network.") || path.startsWith("features.");

export async function onChange(path) {
  const state = app.state;
  if (path.startsWith("view.")) {
    if (path.startsWith("view.stop") && app.playing) sendPlay();
    app.dirty = true;
    save();
    return;
  }
  if (path.startsWith("training.") && path !== "training.batch_size") {
    try {
      app.lab.setTraining(JSON.stringify(state.training));
      app.trainer.training(app.lab);
      app.built = structuredClone(state);
      save();
    } catch (e) {
      message(errorText(e));
      app.state = structuredClone(app.built);
      app.controls.render(app.state);
    }
    return;
  }
  if (reshapes(path) && !discardOk("Change the network?")) {
    app.state = structuredClone(app.built);
    app.controls.render(app.state);
    return;
  }
  if (path.startsWith("data.") && path !== "data.validation") {
    state.data.added = [];
    state.data.removed = [];
  }
  await build(structuredClone(state), { keepWeights: KEEPS_WEIGHTS.has(path) });
}
