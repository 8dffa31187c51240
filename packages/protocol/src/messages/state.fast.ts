/**
 * The state delta's rules (`instanceStateDeltaSchema`), hand-written for the hot path: every
 * agent state change reaches every balancer and planner replica as a delta, and the schema walk
 * was most of what a replica paid per message. A value these checks accept, the schema accepts
 * and returns unchanged (a property test checks both): they reject unknown keys, which the
 * schema would strip, so a value taken without the walk is exactly the schema's output. Anything
 * they reject still goes through the schema, so a malformed message is refused with the errors
 * naming its fields. Full states (one a second from each agent, more on changes of envelope) have
 * their own check: an idle replica's profile put the schema walk of full states at a fifth of
 * what it paid to follow the fleet.
 */
import { LIMITS } from '../limits.js';
import {
  everyIn,
  isId,
  isInt,
  isName,
  isNumber,
  isObject,
  isString,
  isTime,
  isTokens,
  keysOf,
  onlyKeys,
  optional,
} from './fast-primitives.js';
import {
  engineCapabilitiesSchema,
  engineConfigSchema,
  instanceStateDeltaSchema,
  instanceStateSchema,
  iterationSampleSchema,
  latencyCalibrationSchema,
  requestPatchSchema,
  requestProgressSchema,
} from './state.js';
import type {
  InstanceState,
  InstanceStateDelta,
  IterationSample,
  RequestPatch,
  RequestProgress,
  StateMessage,
} from './state.js';

const isPhase = (v: unknown): boolean =>
  v === 'waiting' || v === 'prefilling' || v === 'decoding' || v === 'held';
const isRole = (v: unknown): boolean =>
  v === 'full' || v === 'prefill' || v === 'decode' || v === 'segment';

const PATCH_KEYS = keysOf(requestPatchSchema);

function isPatch(v: unknown): v is RequestPatch {
  if (!isObject(v) || !onlyKeys(v, PATCH_KEYS)) return false;
  return (
    isId(v.id) &&
    optional(v.phase, isPhase) &&
    optional(v.prefilledTokens, isTokens) &&
    optional(v.generatedTokens, isTokens) &&
    optional(v.firstTokenAtMs, isTime) &&
    optional(v.preemptions, (x) => isInt(x, 0, LIMITS.seq)) &&
    optional(v.predictedOutputTokens, isTokens) &&
    optional(v.maxTokens, isTokens) &&
    optional(v.cachedTokens, isTokens)
  );
}

const PROGRESS_KEYS = keysOf(requestProgressSchema);

function isProgress(v: unknown): v is RequestProgress {
  if (!isObject(v) || !onlyKeys(v, PROGRESS_KEYS)) return false;
  if (!(
    isId(v.id) &&
    isRole(v.kind) &&
    isTokens(v.promptTokens) &&
    isPhase(v.phase) &&
    isTokens(v.prefilledTokens) &&
    isTokens(v.generatedTokens) &&
    optional(v.firstTokenAtMs, isTime) &&
    optional(v.preemptions, (x) => isInt(x, 0, LIMITS.seq)) &&
    isTime(v.arrivalMs) &&
    optional(v.startToken, isTokens) &&
    optional(v.endToken, isTokens) &&
    optional(v.maxTokens, isTokens) &&
    optional(v.predictedOutputTokens, isTokens) &&
    optional(v.originArrivalMs, isTime) &&
    optional(v.cachedTokens, isTokens)
  ))
    return false;
  // The schema's cross-field rules (requestProgressSchema's superRefine).
  if (v.prefilledTokens > v.promptTokens + v.generatedTokens) return false;
  const start = v.startToken as number | undefined;
  const end = v.endToken as number | undefined;
  if (v.kind === 'segment' && (start === undefined || end === undefined)) return false;
  return start === undefined || end === undefined || end > start;
}

const SAMPLE_KEYS = keysOf(iterationSampleSchema);

function isSample(v: unknown): v is IterationSample {
  return (
    isObject(v) &&
    onlyKeys(v, SAMPLE_KEYS) &&
    isTime(v.startMs) &&
    isNumber(v.durationMs, 0, LIMITS.durationMs) &&
    isTokens(v.prefillTokens) &&
    isInt(v.decodeRequests, 0, LIMITS.seqs)
  );
}

const DELTA_KEYS = keysOf(instanceStateDeltaSchema);

const idList = (v: unknown): v is string[] => everyIn(v, 0, LIMITS.requestsPerInstance, isId);

/** A state delta the schema accepts and returns as it is (see the file comment). */
export function isInstanceStateDelta(raw: unknown): raw is InstanceStateDelta {
  if (!isObject(raw) || !onlyKeys(raw, DELTA_KEYS)) return false;
  const m = raw;
  return (
    m.v === 1 &&
    m.type === 'instance_state_delta' &&
    isId(m.instanceId) &&
    isInt(m.seq, 0, LIMITS.seq) &&
    isInt(m.baseSeq, 0, LIMITS.seq) &&
    m.baseSeq < m.seq &&
    isTime(m.baseAtMs) &&
    isTime(m.atMs) &&
    (m.status === 'ready' || m.status === 'draining') &&
    isInt(m.usedBlocks, 0, LIMITS.kvBlocks) &&
    idList(m.removed) &&
    optional(m.decodeSteps, (x) => isInt(x, 1, LIMITS.tokens)) &&
    everyIn(m.patch, 0, LIMITS.requestsPerInstance, isPatch) &&
    everyIn(m.put, 0, LIMITS.requestsPerInstance, isProgress) &&
    optional(m.running, idList) &&
    optional(m.waiting, idList) &&
    everyIn(m.iterations, 0, LIMITS.iterationSamples, isSample) &&
    isInt(m.iterationsKept, 0, LIMITS.iterationSamples) &&
    optional(m.busySinceMs, isTime) &&
    optional(m.busyUntilMs, isTime)
  );
}

const CONFIG_KEYS = keysOf(engineConfigSchema);

function isEngineConfig(v: unknown): boolean {
  return (
    isObject(v) &&
    onlyKeys(v, CONFIG_KEYS) &&
    isInt(v.maxNumBatchedTokens, 1, LIMITS.batchTokens) &&
    isInt(v.maxNumSeqs, 1, LIMITS.seqs) &&
    typeof v.enableChunkedPrefill === 'boolean' &&
    isInt(v.blockSize, 1, LIMITS.blockSizeTokens) &&
    optional(v.watermark, (x) => isNumber(x, 0, 1)) &&
    optional(v.maxModelLen, (x) => isInt(x, 1, LIMITS.tokens))
  );
}

const CAPABILITY_KEYS = keysOf(engineCapabilitiesSchema);

function isCapabilities(v: unknown): boolean {
  return (
    isObject(v) &&
    onlyKeys(v, CAPABILITY_KEYS) &&
    typeof v.pdSplit === 'boolean' &&
    typeof v.splitPrefill === 'boolean' &&
    typeof v.stop === 'boolean' &&
    typeof v.logprobs === 'boolean' &&
    typeof v.sampling === 'boolean' &&
    optional(v.samplingFields, (x) => everyIn(x, 0, 16, (f) => isString(f, 0, 32))) &&
    isInt(v.maxModelLen, 1, LIMITS.tokens) &&
    typeof v.prefixCaching === 'boolean'
  );
}

const CALIBRATION_KEYS = keysOf(latencyCalibrationSchema);
const LATENCY_KEYS = keysOf(latencyCalibrationSchema.shape.latency);
const OVERHEAD_KEYS = keysOf(latencyCalibrationSchema.shape.cpuOverhead);
/** A finite number ≥ 0 (`z.number().min(0)`: zod refuses ±Infinity and NaN). */
const isFiniteAtLeast0 = (x: unknown): boolean => isNumber(x, 0, Number.MAX_VALUE);
const isCoefficient = (x: unknown): boolean => isNumber(x, -1e6, 1e6);

function isCalibration(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, CALIBRATION_KEYS)) return false;
  const l = v.latency;
  const o = v.cpuOverhead;
  return (
    isName(v.baseProfile) &&
    isInt(v.version, 0, LIMITS.seq) &&
    isInt(v.observations, 0, LIMITS.seq) &&
    isNumber(v.medianError, 0, 1e6) &&
    isObject(l) &&
    onlyKeys(l, LATENCY_KEYS) &&
    everyIn(l.knots, 3, 3, isFiniteAtLeast0) &&
    isCoefficient(l.b0) &&
    isCoefficient(l.b1) &&
    isCoefficient(l.b2) &&
    isCoefficient(l.b3) &&
    optional(l.m0, isCoefficient) &&
    isCoefficient(l.c2) &&
    isCoefficient(l.c4) &&
    isObject(o) &&
    onlyKeys(o, OVERHEAD_KEYS) &&
    isNumber(o.fixedMs, 0, 1e6) &&
    isNumber(o.perSeqMs, 0, 1e6)
  );
}

const STATE_KEYS = keysOf(instanceStateSchema);
const KV_KEYS = keysOf(instanceStateSchema.shape.kv);

/** A full state the schema accepts and returns as it is (see the file comment). */
export function isInstanceState(raw: unknown): raw is InstanceState {
  if (!isObject(raw) || !onlyKeys(raw, STATE_KEYS)) return false;
  const m = raw;
  const kv = m.kv;
  return (
    m.v === 1 &&
    m.type === 'instance_state' &&
    isId(m.instanceId) &&
    isInt(m.seq, 0, LIMITS.seq) &&
    isTime(m.atMs) &&
    (m.status === 'ready' || m.status === 'draining') &&
    (m.engine === 'sim' || m.engine === 'llama' || m.engine === 'http') &&
    isName(m.profile) &&
    isEngineConfig(m.config) &&
    isObject(kv) &&
    onlyKeys(kv, KV_KEYS) &&
    isInt(kv.totalBlocks, 0, LIMITS.kvBlocks) &&
    isInt(kv.usedBlocks, 0, LIMITS.kvBlocks) &&
    kv.usedBlocks <= kv.totalBlocks &&
    everyIn(m.running, 0, LIMITS.requestsPerInstance, isProgress) &&
    everyIn(m.waiting, 0, LIMITS.requestsPerInstance, isProgress) &&
    everyIn(m.recentIterations, 0, LIMITS.iterationSamples, isSample) &&
    optional(m.busySinceMs, isTime) &&
    optional(m.busyUntilMs, isTime) &&
    optional(m.capabilities, isCapabilities) &&
    optional(m.calibration, isCalibration)
  );
}

/** The state subject's `fastCheck`: full states and deltas, each through its own check. */
export function isStateMessageFast(raw: unknown): raw is StateMessage {
  return isObject(raw) && raw.type === 'instance_state'
    ? isInstanceState(raw)
    : isInstanceStateDelta(raw);
}
