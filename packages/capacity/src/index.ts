// @adagen/capacity — capacity planning on the cluster simulator (pure: no clock, no I/O).
export type { Window } from './windows.js';
export { stratifiedSample, windowWorkload, windowsOf } from './windows.js';
export type { CapacityPlan, CurvePoint, PlanOptions, SimSettings } from './plan.js';
export { planCapacity } from './plan.js';
export type { TokenCost } from './cost.js';
export { tokenCost } from './cost.js';
export { ObservedTraffic } from './observed.js';
export type { HysteresisOptions } from './autoscale.js';
export { Hysteresis } from './autoscale.js';
