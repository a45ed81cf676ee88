// Files in and out: an uploaded or dropped CSV, Export and Import weights, Download
// history. Every file is read once, by the engine, and a failure keeps the work.
import { app, $ } from "./app.js";
import * as S from "./state.js";
import { f64 } from "./engine.js";
import { build, claim, discardOk } from "./building.js";
import { restored } from "./restore.js";
import { takeEarlyDrop } from "./early.js";
import { historyCsv } from "./charts.js";
import { download, readFile, onDrop } from "./io.js";
import { message, errorText } from "./messages.js";
import { save, saveCsv } from "./storage.js";

/** A file chosen or dropped during the start-up waits for the session being restored,
 * then claims the Lab, so that neither that session nor a rebuild still in flight
 * replaces what the user brought. */
async function claimAfterStart() {
  await restored;
  return claim();
}

async function loadCsv(file) {
  const ticket = await claimAfterStart();
  let bytes;
  try {
    bytes = await readFile(file);
  } catch (e) {
    message(errorText(e));
    return;
  }
  const s = structuredClone(app.state);
  s.data.kind = "csv";
  s.data.added = [];
  s.data.removed = [];
  if (await build(s, { csv: bytes, ticket })) {
    saveCsv(bytes);
    message(`Loaded "${file.name}": ${app.lab.rows()} rows, ${app.lab.features()} features.`, { kind: "note" });
  }
}

/** Weights for this network go in at once; a model for another network is loaded with
 * its configuration, after asking. */
async function importWeights(file) {
  await claimAfterStart();
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
  // A file chosen before the page's modules ran fired its change event unheard.
  for (const [id, handle] of [["upload-file", loadCsv], ["import-file", importWeights]]) {
    if ($(id).files?.[0]) picked(handle)({ target: $(id) });
  }
  const dropped = (file) => (file.name.endsWith(".json") ? importWeights(file) : loadCsv(file));
  onDrop(dropped);
  const early = takeEarlyDrop();
  if (early) dropped(early);
  $("export").addEventListener("click", () => download("backprop-lab-model.json", app.lab.exportModel()));
  $("export-onnx").addEventListener("click", () => {
    try {
      download("backprop-lab-model.onnx", app.lab.exportOnnx(), "application/octet-stream");
    } catch (e) {
      message(`Could not export ONNX: ${errorText(e)}`);
    }
  });
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
