// Building the Lab: the engine's session is built once per change of data, features or
// network, from the settings on screen; the training worker then grows its trainer from
// the Lab's seed. A failed build leaves the old Lab and settings, and says why.
import { app, $ } from "./app.js";
import * as S from "./state.js";
import { Lab, digitsBytes } from "./engine.js";
import { message, errorText } from "./messages.js";
import { save, saveCsv } from "./storage.js";

/** Numbers a run carried through a rebuild may hold: all of it. */
const WHOLE_RUN = 2 ** 32 - 1;

async function dataBytes(s, csv) {
  if (s.data.kind === "digits") return digitsBytes();
  if (s.data.kind === "csv") return csv ?? app.csvBytes;
  return null;
}

/** The newest claim on the page's Lab (see `claim`). */
let latest = 0;

/** Claims the Lab for an action about to replace it or its weights: a build begun
 * earlier and still in flight (a saved session restored, the digits still loading) is
 * dropped when it resumes, so the later action is the one that stays. Every build
 * claims at its call unless given the claim its action made earlier (an upload claims
 * before its file is read). */
export const claim = () => ++latest;

/** A build overtaken by a later claim leaves the Lab to that action and the settings on
 * screen to the Lab. */
function overtaken() {
  if (app.built) app.state = structuredClone(app.built);
  app.controls.render(app.state);
  return null;
}

/** True when the Lab has been trained (so rebuilding would discard something). */
export const hasTraining = () => app.lab != null && app.lab.steps() > 0;

/** Asks before a trained network is discarded, pointing to Export weights to keep it. */
export const discardOk = (what) =>
  !hasTraining() || confirm(`${what}\n\nThe trained network will be discarded. To keep it, choose Cancel and then Export weights.`);

/** Builds a Lab for `s`. `keepWeights` carries the weights and the whole run (counters,
 * curves, timeline) into it; `model` and `run` bring saved ones; `csv` is an upload's
 * bytes, kept for later rebuilds only if the build succeeds. With `modelRequired` (an
 * imported file) weights that do not load leave the old Lab as it was, and say why,
 * instead of building without them. Returns true when built, false when refused (a
 * message says why), null when a later claim overtook it. */
export async function build(s, { keepWeights = false, model = null, run = null, csv = null, modelRequired = false, ticket = claim() } = {}) {
  let next;
  try {
    const bytes = await dataBytes(s, csv);
    if (ticket !== latest) return overtaken();
    next = new Lab(S.engineConfig(s), bytes ?? undefined);
  } catch (e) {
    message(`Could not build that: ${errorText(e)}`);
    if (app.built) app.state = structuredClone(app.built);
    app.controls.render(app.state);
    return false;
  }
  if (model) {
    try {
      next.importWeights(model);
    } catch (e) {
      if (modelRequired) {
        next.free();
        message(`Could not load these weights: ${errorText(e)}. The network on screen is unchanged.`);
        return false;
      }
      message(`The saved weights were not loaded: ${errorText(e)}`, { kind: "note" });
    }
  }
  const carried = run ?? (keepWeights && app.lab ? app.lab.exportRun(WHOLE_RUN) : null);
  if (carried) {
    try {
      next.importRun(carried);
    } catch (e) {
      if (run) message(`The saved run (counters, curves and timeline) was not restored: ${errorText(e)}`, { kind: "note" });
    }
  }
  if (csv) app.csvBytes = csv;
  app.trainer.seed(next);
  app.lab?.free();
  app.lab = next;
  app.timeline.attach(next);
  app.state = s;
  app.built = structuredClone(s);
  afterBuild();
  return true;
}

function afterBuild() {
  const { lab, state } = app;
  app.classNames = JSON.parse(lab.classNames());
  for (const n of JSON.parse(lab.notes())) message(n, { kind: "note" });
  document.body.dataset.dims = lab.features() === 2 ? "2" : "n";
  $("add-class").replaceChildren(...app.classNames.map((n, i) => new Option(n, String(i))));
  const canAdd = app.classNames.length > 0;
  const add = document.querySelector("input[name=click-mode][value=add]");
  add.disabled = !canAdd;
  $("add-class").disabled = !canAdd;
  $("add-why").hidden = canAdd;
  if (!canAdd && add.checked) document.querySelector("input[name=click-mode][value=select]").checked = true;
  if (state.view.example >= lab.rows()) state.view.example = 0;
  app.selectedWeight = null;
  app.highlightLayer = null;
  app.controls.render(state);
  app.dirty = true;
  save();
}

/** Rebuilds with the data points edited by `edit(state, generatedRows)`, keeping the
 * weights and the run. */
export async function editPoints(edit) {
  const s = structuredClone(app.state);
  edit(s, app.lab.rows() - s.data.added.length);
  await build(s, { keepWeights: true });
}

/** Builds a configuration that comes with its own CSV text and model file (a lesson);
 * the upload is kept only if the build succeeds. */
export async function buildWithData(s, { csv = null, model = null } = {}) {
  const bytes = csv == null ? null : new TextEncoder().encode(csv);
  const ok = await build(s, { model, csv: bytes });
  if (ok && bytes) saveCsv(bytes);
  return ok;
}
