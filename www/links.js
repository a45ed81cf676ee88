// Links: the address's hash follows the settings as they change (view settings and a
// classroom link's options included), so the address is always a link to what is on
// screen; Copy link hands out the same, with "with weights" the model and its counters
// too. The engine packs and checks every link (crate/src/engine/link.rs).
import { app, $ } from "./app.js";
import { encodeLink } from "./engine.js";
import { message, errorText } from "./messages.js";

/** The link (after "#s=") of the settings on screen, with `model` if given. */
function currentLink(model) {
  const { data, features, network, training, view } = app.state;
  const classroom = app.classroom ? JSON.stringify(app.classroom) : undefined;
  return encodeLink(JSON.stringify({ data, features, network, training, view }), model, classroom);
}

let written = "";

/** Puts the settings on screen into the address's hash, without a history entry. A
 * lesson's address (#lesson=...) is left alone: it names what is on screen, and the
 * lesson views read it. A state the engine refuses (it never should) leaves the hash
 * as it was. */
export function writeHash() {
  if (!app.lab || new URLSearchParams(location.hash.slice(1)).has("lesson")) return;
  let hash;
  try {
    hash = `#s=${currentLink(undefined)}`;
  } catch {
    return;
  }
  if (hash === written) return;
  written = hash;
  history.replaceState(history.state, "", hash);
}

export function bindLinks() {
  $("link").addEventListener("click", async () => {
    let link;
    try {
      const model = $("link-weights").checked ? app.lab.exportModel() : undefined;
      link = `${location.origin}${location.pathname}#s=${currentLink(model)}`;
    } catch (e) {
      message(errorText(e));
      return;
    }
    try {
      await navigator.clipboard.writeText(link);
      message("Link copied to the clipboard.", { kind: "note" });
    } catch {
      message(`Copy this link: ${link}`, { kind: "note" });
    }
  });
}
