// The newest comparison of dropout and batch norm (www/views/compare.js), for what
// reads it without drawing it: the dropout-batchnorm lesson's figure line. No engine
// import, so the lesson list still loads in Node.

/** `overlay`: the engine's Overlay of the curves so far (null before any); `done` and
 * `total`: epochs trained and to train over every variant; `finished`; `error`. */
export const comparison = { overlay: null, done: 0, total: 0, finished: false, error: null };
