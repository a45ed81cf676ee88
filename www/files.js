// Files in and out: an uploaded or dropped CSV, Export and Import weights, Download
// history. Every file is read once, by the engine, and a failure keeps the work.
import { app, $ } from "./app.js";
import * as S from "./state.js";
import { f64 } from "./engine.js";
import { build, discardOk } from "./building.js";
import { historyCsv } from "./charts.js";
import { download, readFile, onDrop } from "./io.js";
import { message, errorText } from "./messages.js";
import { save, saveCsv } from "./storage.js";

async function loadCsv(file) {
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (e) {
    message(errorText(e));
    return;
  }
  const previous = app.csvBytes;
  app.csvBytes = bytes;
  const s = structuredClone(app.state);
  s.data.kind = "csv";
  s.data.added = [];
  s.data.removed = [];
  if (await build(s)) {
    saveCsv(bytes);
    message(`Loaded "${file.name}": ${app.lab.rows()} rows, ${app.lab.features()} features.`, { kind: "note" });
  } else {
    app.csvBytes = previous;
  }
}

/** Weights for this network go in at once; a model for another network is loaded with
 * its configuration, after asking. */
async function importWeights(file) {
  let text;
  try {
    text = new TextDecoder().decode(await readFile(file));
  } catch (e) {
    message(errorText(e));
    return;
  }
  try {
    app.lab.importWeights(text);
    app.trainer.seed(app.lab);
    app.dirty = true;
    save();
    message(`Weights loaded from "${file.name}".`, { kind: "note" });
    return;
  } catch (e) {
    let config = null;
    try {
      config = JSON.parse(text)?.training ?? null;
    } catch {
      // The engine's message below says what is wrong with the text.
    }
    if (!config) {
      message(`Could not import "${file.name}": ${errorText(e)}`);
      return;
    }
    const { state: s, notes } = S.parse({ ...config, view: app.state.view });
    if (s.data.kind === "csv" && !app.csvBytes) {
      message(`"${file.name}" was trained on an uploaded CSV; upload that file first, then import the weights.`);
      return;
    }
    if (!discardOk("These weights need their own network and data. Load them?")) return;
    // Only once the weights are in: notes about a configuration that did not load
    // would contradict the message that says why.
    if (await build(s, { model: text, modelRequired: true })) {
      notes.forEach((n) => message(`"${file.name}": ${n}`, { kind: "note" }));
      message(`Loaded "${file.name}" with its configuration.`, { kind: "note" });
    }
  }
}

const picked = (handle) => async (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (file) await handle(file);
};

export function bindFiles() {
  $("upload").addEventListener("click", () => $("upload-file").click());
  $("upload-file").addEventListener("change", picked(loadCsv));
  onDrop((file) => (file.name.endsWith(".json") ? importWeights(file) : loadCsv(file)));
  $("export").addEventListener("click", () => download("backprop-lab-model.json", app.lab.exportModel()));
  $("import").addEventListener("click", () => $("import-file").click());
  $("import-file").addEventListener("change", picked(importWeights));
  $("history").addEventListener("click", () => {
    const lab = app.lab;
    const read = (name, layer) => {
      const n = lab.historyLen(name, layer);
      return { values: Array.from(f64(lab.historyPtr(name, layer), n)), stride: lab.historyStride(name, layer) };
    };
    download("backprop-lab-history.csv", historyCsv(lab, read), "text/csv");
  });
}
