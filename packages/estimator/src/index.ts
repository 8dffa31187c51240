export type {
  Addition,
  Estimate,
  InstanceInput,
  PendingWork,
  RequestWindow,
  SloTargets,
} from './types.js';
export type { EstimatorOptions } from './estimator.js';
export { LayoutEstimator } from './estimator.js';
export type { Arrival, ForwardLimits } from './forward.js';
export { additionItem, ArrivalQueue, runForward } from './forward.js';
export type { KnownRequest } from './baseline.js';
export type { RequestOutlook } from './predict.js';
export { outlook } from './predict.js';
export type {
  ForecastIteration,
  ForecastLimits,
  ForecastRequest,
  LayoutForecast,
} from './forecast.js';
