/**
 * The state delta's rules (`instanceStateDeltaSchema`), hand-written for the hot path: every
 * agent state change reaches every balancer and planner replica as a delta, and the schema walk
 * was most of what a replica paid per message. A value these checks accept, the schema accepts
 * and returns unchanged (a property test checks both): they reject unknown keys, which the
 * schema would strip, so a value taken without the walk is exactly the schema's output. Anything
 * they reject still goes through the schema, so a malformed message is refused with the errors
 * naming its fields. Full states (one in ten messages) always take the schema.
 */
import { LIMITS } from '../limits.js';
import {
  everyIn,
  isId,
  isInt,
  isNumber,
  isObject,
  isTime,
  isTokens,
  keysOf,
  onlyKeys,
  optional,
} from './fast-primitives.js';
import {
  instanceStateDeltaSchema,
  iterationSampleSchema,
  requestPatchSchema,
  requestProgressSchema,
} from './state.js';
import type {
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
    optional(v.maxTokens, isTokens)
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
    optional(v.originArrivalMs, isTime)
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

/** The state subject's `fastCheck`: deltas through {@link isInstanceStateDelta}, full states through the schema. */
export function isStateMessageFast(raw: unknown): raw is StateMessage {
  return isInstanceStateDelta(raw);
}
