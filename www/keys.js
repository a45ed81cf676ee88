// Keyboard shortcuts: space plays or pauses, s steps, r resets (not while typing).
import { $ } from "./app.js";

export function bindKeys() {
  window.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === " " && !(t instanceof HTMLButtonElement)) {
      e.preventDefault();
      $("play").click();
    } else if (e.key === "s") $("step").click();
    else if (e.key === "r") $("reset").click();
  });
}
