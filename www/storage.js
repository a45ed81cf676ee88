// Browser storage: the settings with the model, the run (counters, curves, timeline)
// and an uploaded CSV, written a moment after each change and when the page goes.
import { app } from "./app.js";
import * as S from "./state.js";
import { message, errorText } from "./messages.js";
import { writeHash } from "./links.js";

export const CSV_STORAGE_KEY = `${S.STORAGE_KEY}.csv`;
/** Largest upload kept for a reload (2 MB). */
const CSV_STORAGE_MAX = 2 * 1024 * 1024;

let saveTimer = 0;

/** Saves a moment from now (changes come in bursts). */
export function save() {
  writeHash();
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveNow, 300);
}

export function saveNow() {
  const lab = app.lab;
  if (!lab) return;
  try {
    localStorage.setItem(S.STORAGE_KEY, S.writeSaved(app.state, lab.exportModel()));
    localStorage.setItem(S.RUN_STORAGE_KEY, S.writeRun(lab.exportRun(S.RUN_STORAGE_VALUES)));
  } catch (e) {
    localStorage.removeItem(S.RUN_STORAGE_KEY);
    message(`The session could not be saved in this browser: ${errorText(e)}`, { kind: "note" });
  }
}

/** Keeps an uploaded CSV for a reload, or says why it cannot. */
export function saveCsv(bytes) {
  try {
    if (bytes.length <= CSV_STORAGE_MAX) localStorage.setItem(CSV_STORAGE_KEY, new TextDecoder().decode(bytes));
    else {
      localStorage.removeItem(CSV_STORAGE_KEY);
      message("The uploaded file is too large to keep in browser storage; after a reload, upload it again.", { kind: "note" });
    }
  } catch {
    message("The uploaded file could not be kept in browser storage; after a reload, upload it again.", { kind: "note" });
  }
}
