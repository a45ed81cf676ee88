// Parts the inspection views share: a collapsible box for a view, number formatting,
// elements, and whether a view is on screen.

/** A <details> box with a heading for a view, appended to `container`; returns its body. */
export function detailsBox(container, id, title, open = false) {
  const details = document.createElement("details");
  details.className = "panel view";
  details.id = id;
  details.open = open;
  const summary = document.createElement("summary");
  const h = document.createElement("h2");
  h.textContent = title;
  summary.append(h);
  const body = document.createElement("div");
  details.append(summary, body);
  container.append(details);
  return body;
}

/** A number as the notebooks print it: 6 significant digits. */
export const num = (v) => (typeof v === "number" ? (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v)) : String(v));

/** A vector or matrix of numbers as text. */
export function numbers(v) {
  if (Array.isArray(v)) return Array.isArray(v[0]) ? v.map((r) => `[${r.map(num).join(", ")}]`).join("\n") : `[${v.map(num).join(", ")}]`;
  return num(v);
}

/** An element with text. */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text != null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** An element from properties (`text` sets its text; others set properties or
 * attributes) and children. */
export function node(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") e.textContent = v;
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** Watches whether `element` is on screen, calling `appear` each time it scrolls into
 * sight: the views draw only what is seen, and redraw on coming back. Returns the test
 * "is it on screen now". */
export function watchSight(element, appear) {
  let seen = false;
  new IntersectionObserver((entries) => {
    seen = entries.some((e) => e.isIntersecting);
    if (seen) appear();
  }).observe(element);
  return () => seen;
}
