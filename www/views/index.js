// The inspection views under the lab. Each module exports `mount(container, context)`
// once and `update(context)` every frame; a view decides itself how often to redraw.
// `context` is { lab, state, playing, now, select(weight), selected(), example() }.
export const views = [];
