// The session at load: from a link in the address (settings with their view, a
// classroom link's options, optionally weights with their counters), else from browser
// storage (settings, model, run, uploaded CSV), else the defaults. The address's hash
// follows the settings (www/links.js), so a reload finds the hash it wrote: when it
// names what storage holds, storage restores it, weights and run included. Files chosen
// meanwhile wait for it (`restored`) and then win.
import { app } from "./app.js";
import * as S from "./state.js";
import { decodeLink } from "./engine.js";
import { build } from "./building.js";
import { CSV_STORAGE_KEY } from "./storage.js";
import { message, errorText } from "./messages.js";
import { applyClassroom } from "./classroom.js";

let done;
/** Settles when the session at load is in place: an upload or import made during the
 * start-up waits for it, so that the user's file is the one that stays. */
export const restored = new Promise((resolve) => { done = resolve; });

export async function restore() {
  try {
    await restoreSession();
  } finally {
    done();
  }
}

async function restoreSession() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const saved = S.readSaved(localStorage.getItem(S.STORAGE_KEY));
  if (hash.has("s")) {
    try {
      const { config, view, model, classroom, notes: ignored } = JSON.parse(decodeLink(hash.get("s")));
      applyClassroom(classroom);
      const { state: s, notes } = S.parse({ ...config, view });
      [...ignored, ...notes].forEach((n) => message(n, { kind: "note" }));
      if (!model && S.engineConfig(s) === S.engineConfig(saved.state)) {
        saved.state.view = s.view;
        return fromStorage(saved, false);
      }
      if (s.data.kind === "csv") {
        message("Links do not carry uploaded data; upload the CSV again.", { kind: "note" });
        s.data.kind = "circles";
      }
      if ((await build(s, { model })) !== false) return;
    } catch (e) {
      message(`The link could not be read: ${errorText(e)}`);
    }
  }
  return fromStorage(saved, true);
}

async function fromStorage(saved, noted) {
  if (noted) saved.notes.forEach((n) => message(n, { kind: "note" }));
  let csv = null;
  if (saved.state.data.kind === "csv") {
    const text = localStorage.getItem(CSV_STORAGE_KEY);
    if (text) csv = new TextEncoder().encode(text);
    else saved.state.data.kind = "circles";
  }
  const run = saved.model ? S.readRun(localStorage.getItem(S.RUN_STORAGE_KEY)) : null;
  // false, not null: a change made meanwhile (null) keeps its own Lab.
  if ((await build(saved.state, { model: saved.model, run, csv })) === false) await build(S.defaults());
}
