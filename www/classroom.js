// Classroom links (crate/src/engine/link.rs, `Classroom`): the teacher's note as a
// banner, the panels and controls the link names hidden, the hidden layers locked, and
// `embed` dropping the page's chrome so the lab sits in a course page's iframe.
import { app, $ } from "./app.js";

/** The page's parts a link may hide, by the engine's panel names. */
const PANELS = {
  data: ".panel.data",
  network: ".panel.network",
  output: ".panel.output",
  inspect: "#inspect",
  timeline: ".top .timeline",
  charts: ".charts",
  io: ".io",
  layers: "#layers, #add-layer, #layers-why",
  features: "fieldset.features",
  transport: ".top .transport",
};

/** The element a setting's path names: its control's label, or the control. */
function controlOf(path) {
  const el = $(path.replace(".", "-"));
  return el ? [el.closest("label") ?? el] : [];
}

/** Applies a classroom object (as the engine's decodeLink writes it; {} for none). */
export function applyClassroom(c) {
  const plain = !c || Object.keys(c).length === 0;
  app.classroom = plain ? null : c;
  if (plain) return;
  const note = $("teacher-note");
  note.textContent = c.note ?? "";
  note.hidden = !c.note;
  for (const name of c.hide ?? []) {
    const els = PANELS[name] ? [...document.querySelectorAll(PANELS[name])] : controlOf(name);
    for (const el of els) {
      el.hidden = true;
      el.dataset.classroomHidden = name;
    }
  }
  if (c.lock) app.controls.lock("The teacher's link fixes the hidden layers.");
  document.body.classList.toggle("embed", Boolean(c.embed));
}
