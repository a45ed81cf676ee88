// Files in and out: downloads, file reading with a size check, drag-and-drop.

/** Largest file the page reads (the engine checks again). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Offers `text` (a string or bytes) as a download named `name`. */
export function download(name, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Reads a File's bytes, refusing files over the limit with a message naming both. */
export async function readFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`"${file.name}" is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${MAX_FILE_BYTES / 1048576} MB`);
  }
  return new Uint8Array(await file.arrayBuffer());
}

/** Calls `onFile(file)` for a file dropped anywhere on the page. */
export function onDrop(onFile) {
  window.addEventListener("dragover", (e) => {
    e.preventDefault();
    document.body.classList.add("dragging");
  });
  window.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    document.body.classList.remove("dragging");
    const file = e.dataTransfer?.files?.[0];
    if (file) onFile(file);
  });
}
