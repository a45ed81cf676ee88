// Messages to the student: errors and notes above the lab, each with its actions and a
// Dismiss button, at most four on screen.
const box = () => document.getElementById("messages");

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
  box().append(el);
  while (box().children.length > 4) box().firstChild.remove();
}

/** The readable text of a thrown value. */
export const errorText = (e) => (e instanceof Error ? e.message : String(e));
