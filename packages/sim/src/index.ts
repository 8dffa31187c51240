export type { CalibrationSummary } from './beliefs.js';
export { ProfileBeliefs } from './beliefs.js';
export type {
  DeadlineSpec,
  PolicyContext,
  PolicyFactory,
  SimConfig,
  SimConfigInput,
} from './config.js';
export {
  DEFAULT_DEADLINE,
  deadlineMsOf,
  parseSimConfig,
  SimConfigError,
  SimConfigSchema,
} from './config.js';
export type { QueuedEvent } from './event-queue.js';
export { EventQueue } from './event-queue.js';
export { FloatBuffer } from './float-buffer.js';
export type { InstanceSpec } from './instances.js';
export { instanceSpecs, resolveProfile } from './instances.js';
export { planKinds, RequestMetrics } from './metrics.js';
export { PlanError } from './plans.js';
export type { RequestRecord } from './records.js';
export { requestRecords } from './records.js';
export type { SimResult } from './run.js';
export { runSimulation } from './run.js';
export type {
  AttainmentResult,
  GoodputOptions,
  GoodputResult,
  InstanceProbe,
  InstancesOptions,
  InstancesResult,
  RateProbe,
  Runner,
} from './search.js';
export { searchGoodput, searchInstances } from './search.js';
export type { RunOptions, SimEvent } from './simulation.js';
export { Simulation } from './simulation.js';
export type { SimSummary, SloAttainment } from './summary.js';
export type { PrefixCacheSummary, TtftPredictionError } from './prefix-summary.js';
export { summarizePrefixCache, ttftPredictionError } from './prefix-summary.js';
export { summarizeRun } from './summary.js';
