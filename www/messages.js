// Messages to the student: errors and notes above the lab, each with its actions and a
// Dismiss button. At most MAX_SHOWN at once (a new one pushes out the oldest note, or
// else the oldest message); notes fade after NOTE_MS, errors stay until dismissed.
const box = () => document.getElementById("messages");

/** Most messages on screen. */
const MAX_SHOWN = 2;
/** Milliseconds a note stays before it fades (the fade itself takes FADE_MS). */
export const NOTE_MS = 9000;
const FADE_MS = 600;

/** Shows `text`; `actions` are [label, handler] buttons that also close the message. */
export function message(text, { kind = "error", actions = [] } = {}) {
  const el = document.createElement("div");
  el.className = `message ${kind}`;
  const p = document.createElement("p");
  p.textContent = text;
  el.append(p);
  for (const [label, fn] of [...actions, ["Dismiss", () => {}]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", () => {
      el.remove();
      fn();
    });
    el.append(b);
  }
  // The same text again replaces the old one rather than stacking.
  for (const old of box().children) if (old.firstChild?.textContent === text) old.remove();
  box().append(el);
  while (box().children.length > MAX_SHOWN) {
    const shown = [...box().children];
    (shown.find((m) => m !== el && m.classList.contains("note")) ?? shown[0]).remove();
  }
  if (kind === "note" && actions.length === 0) {
    setTimeout(() => {
      el.classList.add("fading");
      setTimeout(() => el.remove(), FADE_MS);
    }, NOTE_MS);
  }
}

/** The readable text of a thrown value. */
export const errorText = (e) => (e instanceof Error ? e.message : String(e));
