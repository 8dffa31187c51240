export type {
  Balancer,
  CandidateEstimate,
  Classification,
  Classifier,
  ClusterView,
  CompletionObservation,
  Decision,
  InstanceView,
  PendingPlacement,
  Placement,
  Plan,
  PlanKind,
  Planner,
  Policy,
  PolicyWork,
  Prediction,
  RequestInfo,
  Segment,
} from './types.js';
export { DecodeClass, PrefillClass } from './types.js';
export type { DefaultClassifierOptions } from './classifier.js';
export { DefaultClassifier } from './classifier.js';
export { SinglePlanner } from './planner.js';
export { composePolicy, decide } from './policy.js';
export {
  blocksFor,
  kvTokensNeeded,
  NoReadyInstanceError,
  outstandingRequests,
  pendingKvBlocks,
  queuedPrefillTokens,
  readyIndices,
  uncomputedPrefillTokens,
  waitingKvBlocks,
} from './baselines/signals.js';
export { PowerOfTwoBalancer, RandomBalancer, RoundRobinBalancer } from './baselines/simple.js';
export {
  LeastKvBalancer,
  LeastRequestsBalancer,
  LlumnixBalancer,
  LMetricBalancer,
} from './baselines/load.js';
export { DynamoKvBalancer } from './baselines/dynamo-kv.js';
export type { SglangCacheOptions } from './baselines/sglang-cache.js';
export { ApproximateTree, SglangCacheBalancer } from './baselines/sglang-cache.js';
export type { LlmdPrefixOptions } from './baselines/llmd-prefix.js';
export { LlmdPrefixBalancer } from './baselines/llmd-prefix.js';
export { cachedTokensOn, uncachedBlocksOn } from './prefix.js';
export type { DynamoKvOptions } from './baselines/dynamo-noprefix.js';
export { DynamoKvNoPrefixBalancer } from './baselines/dynamo-noprefix.js';
export type { LatencyRegressionOptions } from './baselines/latency-regression.js';
export { OnlineLatencyRegression } from './baselines/latency-regression.js';
export type { LlmdSloOptions } from './baselines/llmd-slo.js';
export { llmdFeatures, LlmdSloBalancer } from './baselines/llmd-slo.js';
export type { PredictiveBaselineName } from './baselines/predictive-registry.js';
export {
  isPredictiveBaselineName,
  predictiveBaselineNames,
} from './baselines/predictive-registry.js';
export type { BaselinePolicyName, PolicyOptions } from './baselines/registry.js';
export {
  baselinePolicies,
  baselinePolicyNames,
  createPolicy,
  isBaselinePolicyName,
} from './baselines/registry.js';
export type { ChunkingConfig, IterationLatency, ResolvedSlo, SloSpec, SloTarget } from './slo.js';
export {
  defaultSloSpec,
  idleTpotMs,
  idleTtftMs,
  parseSloTarget,
  resolveSlo,
  scaleSloSpec,
} from './slo.js';
export type { AdaGenClassifierOptions } from './adagen/classifier.js';
export { AdaGenClassifier } from './adagen/classifier.js';
export type {
  LengthObservation,
  LengthPrediction,
  LengthPredictorOptions,
  LengthQuery,
  PredictionSource,
} from './adagen/length-predictor.js';
export { bucketOf, LengthPredictor } from './adagen/length-predictor.js';
export type { Tokenizer } from './adagen/tokenizer.js';
export { charsPerTokenTokenizer, loadLlama3Tokenizer } from './adagen/tokenizer.js';
export type { AdaGenContext, EstimatorTuning } from './adagen/context.js';
export type { AdaGenBalancerOptions, Cost } from './adagen/balancer.js';
export { AdaGenBalancer } from './adagen/balancer.js';
export type { AdaGenPlannerOptions } from './adagen/planner.js';
export { AdaGenPlanner } from './adagen/planner.js';
export type { AdaGenOptions } from './adagen/policy.js';
export { createAdaGenPolicy } from './adagen/policy.js';
export type { AdaGenPolicyName, AdaGenVariantName } from './adagen/registry.js';
export {
  adagenPolicyNames,
  adagenVariantNames,
  allBaselineNames,
  policyFor,
  policyNames,
} from './adagen/registry.js';
export type {
  AdmissionMode,
  AdmissionModeName,
  AdmissionOptions,
  AdmissionReason,
  AdmissionRequest,
  AdmissionVerdict,
  ModelOf,
  SaturationThresholds,
} from './admission.js';
export {
  ADMISSION_MODE_NAMES,
  ADMISSION_MODES,
  DEFAULT_ADMISSION,
  DEFAULT_SATURATION,
  admission,
  admissionMode,
  backlogMs,
  boundTtftMs,
  drainMs,
  kvUtilization,
  queueDepth,
  saturated,
} from './admission.js';
export { OfferGate, inShard, otherShard } from './shards.js';
