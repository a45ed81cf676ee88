// Play, Pause, Step, Step epoch, Reset and the speed control, and what the training
// worker reports back (a stop condition met, a blow-up, a failure).
import { app, $ } from "./app.js";
import * as S from "./state.js";
import { build, discardOk } from "./building.js";
import { message } from "./messages.js";
import { save } from "./storage.js";

export function setPlaying(on) {
  if (on && app.timeline.rewound) app.timeline.show(Infinity);
  app.playing = on;
  $("play").textContent = on ? "Pause" : "Play";
  if (on) sendPlay();
  else app.trainer.pause();
  app.dirty = true;
}

/** Tells the worker how to train: the pace (steps per second, or null for max) and the
 * stop condition. */
export function sendPlay() {
  const { stop, stop_value: value, pace } = app.state.view;
  app.trainer.play(S.PACES[pace], stop && stop !== "none" ? { kind: stop, value } : null);
}

/** What the worker reports besides snapshots; `crash(error)` handles a trapped engine. */
export function onTrainerEvent(e, crash) {
  if (e.type === "stopped") {
    setPlaying(false);
    message(`Stopped: the stop condition was reached at epoch ${e.epoch}.`, { kind: "note" });
  } else if (e.type === "diverged") {
    setPlaying(false);
    message(`${e.text} Training is paused.`, {
      actions: [
        [`Restore the weights of epoch ${e.checkpoint}`, () => app.trainer.restore()],
        ["Reset", () => resetNetwork(true)],
      ],
    });
  } else if (e.crashed) {
    crash(new Error(e.text));
  } else {
    message(e.text);
  }
}

export async function resetNetwork(skipConfirm = false) {
  if (!skipConfirm && !discardOk("Reset and start again?")) return;
  setPlaying(false);
  await build(structuredClone(app.state));
}

/** Wires the transport buttons and the speed control. */
export function bindTransport() {
  $("play").addEventListener("click", () => setPlaying(!app.playing));
  $("step").addEventListener("click", () => {
    if (app.playing) setPlaying(false);
    app.trainer.step();
  });
  $("epoch-step").addEventListener("click", () => {
    if (app.playing) setPlaying(false);
    app.trainer.epoch();
  });
  $("reset").addEventListener("click", () => resetNetwork());
  const speed = $("speed");
  speed.max = String(S.PACES.length - 1);
  speed.addEventListener("input", () => {
    app.state.view.pace = Number(speed.value);
    showPace();
    if (app.playing) sendPlay();
    save();
  });
}

/** The speed control and its readout, from the settings. */
export function showPace() {
  $("speed").value = String(app.state.view.pace);
  $("speed-readout").textContent = S.paceLabel(app.state.view.pace);
}
