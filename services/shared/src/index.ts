// @adagen/svc-shared — what the AdaGen services share.
export {
  clockConfigShape,
  fleetClockOf,
  policyConfigShape,
  prefixConfigShape,
  sloSpecOf,
  staleAfterMs,
  viewConfigShape,
} from './config.js';
export type { FleetWatch, WatchFleetOptions } from './watch.js';
export { watchFleet } from './watch.js';
export { randomSuffix, stopWithParent } from './process.js';
export type { DecisionMetrics } from './metrics.js';
export { decisionMetrics } from './metrics.js';
export type { PolicyService, PolicyServiceConfig } from './policy-service.js';
export { startPolicyService } from './policy-service.js';
