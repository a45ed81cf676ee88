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

async function dataBytes(s) {
  if (s.data.kind === "digits") return digitsBytes();
  if (s.data.kind === "csv") return app.csvBytes;
  return null;
}

/** True when the Lab has been trained (so rebuilding would discard something). */
export const hasTraining = () => app.lab != null && app.lab.steps() > 0;

/** Asks before a trained network is discarded, pointing to Export weights to keep it. */
export const discardOk = (what) =>
  !hasTraining() || confirm(`${what}\n\nThe trained network will be discarded. To keep it, choose Cancel and then Export weights.`);

/** Builds a Lab for `s`. `keepWeights` carries the weights and the whole run (counters,
 * curves, timeline) into it; `model` and `run` bring saved ones. With `modelRequired`
 * (an imported file) weights that do not load leave the old Lab as it was, and say
 * why, instead of building without them. Returns whether it was built. */
export async function build(s, { keepWeights = false, model = null, run = null, modelRequired = false } = {}) {
  let next;
  try {
    next = new Lab(S.engineConfig(s), (await dataBytes(s)) ?? undefined);
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
  const previous = app.csvBytes;
  if (csv != null) app.csvBytes = new TextEncoder().encode(csv);
  const ok = await build(s, { model });
  if (ok && csv != null) saveCsv(app.csvBytes);
  if (!ok) app.csvBytes = previous;
  return ok;
}
