// The one polite live region: the training status for screen readers. The status line
// on screen changes every frame while training; this says so when training starts,
// pauses or stops, and otherwise at most every ANNOUNCE_MS.
import { $ } from "./app.js";

/** Least milliseconds between announcements of a status that changed. */
export const ANNOUNCE_MS = 5000;

let last = { playing: null, text: "", at: -Infinity };

/** Offers `text`, the status line, with whether training plays now. */
export function announceStatus(text, playing) {
  const now = performance.now();
  const changed = last.playing !== null && playing !== last.playing;
  let said = null;
  if (changed) said = `${playing ? "Training started" : "Training paused"}. ${text}`;
  else if (last.playing === null || (text !== last.text && now - last.at >= ANNOUNCE_MS)) said = text;
  last.playing = playing;
  if (said == null) return;
  last = { playing, text, at: now };
  const region = $("status-announce");
  if (region.textContent !== said) region.textContent = said;
}
