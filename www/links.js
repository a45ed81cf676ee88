// Copy link: the settings, and with "with weights" the model with its counters, packed
// by the engine into the address's hash.
import { app, $ } from "./app.js";
import { encodeLink } from "./engine.js";
import { message, errorText } from "./messages.js";

export function bindLinks() {
  $("link").addEventListener("click", async () => {
    let link;
    try {
      const { data, features, network, training } = app.state;
      const model = $("link-weights").checked ? app.lab.exportModel() : undefined;
      link = `${location.origin}${location.pathname}#s=${encodeLink(JSON.stringify({ data, features, network, training }), model)}`;
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
