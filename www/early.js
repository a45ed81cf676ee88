// Runs before the page's other modules (index.html lists it first), while the engine
// still compiles: a file dropped then is kept for the page instead of being opened by
// the browser in its place, and handed over once the page can load it.
let dropped = null;

function keep(e) {
  e.preventDefault();
  if (e.type === "drop") dropped = e.dataTransfer?.files?.[0] ?? dropped;
}
window.addEventListener("dragover", keep);
window.addEventListener("drop", keep);

/** The file dropped before the page was ready, if any; from now on the page's own
 * drop handling takes over. */
export function takeEarlyDrop() {
  window.removeEventListener("dragover", keep);
  window.removeEventListener("drop", keep);
  const file = dropped;
  dropped = null;
  return file;
}
