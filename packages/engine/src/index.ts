// @adagen/engine — the physics of one GPU instance. Public API (named exports only).
export type {
  BatchFeatures,
  InstanceObserver,
  InstanceSnapshot,
  IterationReport,
  RejectReason,
  RequestMeta,
  RequestPhase,
  PrefixInfo,
  RequestProgress,
  WorkItem,
  WorkKind,
} from './types.js';
export { RejectReasons, RequestPhases } from './types.js';

export type {
  FitError,
  FitErrorReport,
  LatencyProfile,
  LatencyProfileInput,
  PiecewiseCoefficients,
} from './latency/profile.js';
export { LatencyProfileSchema, loadProfile, ProfileError } from './latency/profile.js';
export { builtinProfiles, ProfileRegistry } from './latency/builtin.js';
export { LatencyModel } from './latency/model.js';
export { scaledProfile } from './latency/scale.js';
export type { IterationSample, PiecewiseFit } from './latency/fit.js';
export {
  DEFAULT_KNOTS,
  fitErrors,
  fitPiecewise,
  predictionErrors,
  predictPiecewise,
} from './latency/fit.js';

export type { CalibrationStats, ErrorSummary } from './calibration/calibrator.js';
export { OnlineCalibrator } from './calibration/calibrator.js';
export type { CalibratorOptions, CalibratorOptionsInput } from './calibration/options.js';
export { CalibrationError, CalibratorOptionsSchema } from './calibration/options.js';
export type {
  IterationObservation,
  ObservationRecord,
  TokenGapObservation,
} from './calibration/observation.js';
export {
  fromTokenGap,
  iterationRecord,
  ObservationRecordSchema,
  observationOf,
  parseObservationsJsonl,
} from './calibration/observation.js';

export type { KvCapacity, KvCapacityOptions } from './kv/capacity.js';
export {
  blocksForTokens,
  DEFAULT_ACTIVATION_RESERVE_BYTES,
  kvBytesPerToken,
  kvCapacity,
} from './kv/capacity.js';

export type { BlockHash } from './kv/prefix-hash.js';
export type { PrefixCacheEvent } from './kv/prefix-cache.js';
export type { PrefixLookup } from './kv/prefix-index.js';
export { cachedPrefixTokens, PrefixIndex } from './kv/prefix-index.js';
export {
  chainBlockHash,
  MOONCAKE_BLOCK_TOKENS,
  promptBlockHashes,
  ROOT_BLOCK_HASH,
  traceBlockHashes,
} from './kv/prefix-hash.js';

export type { EngineConfig, EngineConfigInput } from './scheduler/config.js';
export { EngineConfigError, EngineConfigSchema, resolveEngineConfig } from './scheduler/config.js';

export type { SimInstanceOptions } from './instance/types.js';
export type { FromSnapshotOptions } from './instance/from-snapshot.js';
export { SimInstance } from './instance/sim-instance.js';

export type { Link, LinkPresetName } from './distributed/links.js';
export { kvTransferMs, LinkPresets } from './distributed/links.js';
export type { PdPlan } from './distributed/pd-split.js';
export { planPdSplit } from './distributed/pd-split.js';
export type {
  PlanSegmentsOptions,
  Segment,
  SplitPrefillOptions,
  SplitPrefillTiming,
} from './distributed/split-prefill.js';
export { planSegments, splitPrefillTiming } from './distributed/split-prefill.js';
