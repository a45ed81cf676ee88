// The inspection views under the lab. Each module exports `mount(container, context)`
// once and `update(context)` every frame; a view decides itself how often to redraw.
// `context` is { lab, state, playing, now, select(weight), selected(), example(),
// pause(), diagram, ... }.
import * as lessons from "./lessons.js";
import * as ledger from "./ledger.js";
import * as nudge from "./nudge.js";
import * as representation from "./representation.js";
import * as filters from "./filters.js";
import * as featuremaps from "./featuremaps.js";
import * as reconstructions from "./reconstructions.js";
import * as phases from "./phases.js";
import * as activations from "./activations.js";
import * as compare from "./compare.js";

export const views = [lessons, ledger, nudge, representation, reconstructions, featuremaps, filters, activations, phases, compare];
