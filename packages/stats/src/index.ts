export type { Rng } from './rng.js';
export { createRng } from './rng.js';
export {
  exponential,
  gamma,
  interArrivalMs,
  lognormal,
  lognormalFromMedianP90,
  standardNormal,
} from './distributions.js';
export type { Summary } from './summary.js';
export {
  ecdf,
  ecdfSorted,
  nearestRankSorted,
  quantileSorted,
  summarize,
  summarizeSorted,
} from './summary.js';
export type { SchemaIssue } from './field-error.js';
export { FieldError, firstIssue, issuePath } from './field-error.js';
