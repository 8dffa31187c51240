/**
 * The decision chain's request messages, checked by hand for the hot path: the inference request
 * (gateway → classifier), the classification (classifier → balancer) and the placement
 * (balancer → planner); and the placement notice the balancer publishes to its peers (and
 * validates on encode) for every part of a plan. Each hop decodes its message once per request, after idling between
 * requests, so the schema walk ran cold every time; these checks touch far less code. A value
 * they accept, the schema accepts and returns unchanged (a property test checks both): they
 * reject unknown keys, which the schema would strip, and enforce every `.refine` of the schemas.
 * Anything they reject still goes through the schema, so a malformed message is refused with the
 * errors naming its fields.
 */
import { LIMITS } from '../limits.js';
import {
  everyIn,
  isDuration,
  isId,
  isInt,
  isName,
  isNumber,
  isObject,
  isTime,
  isTokens,
  keysOf,
  onlyKeys,
  optional,
} from './fast-primitives.js';
import { promptPrefixSchema } from './cache.js';
import { latencyPrediction } from './primitives.js';
import {
  chatMessageSchema,
  classificationSchema,
  inferenceRequestSchema,
  layoutEstimateSchema,
  placementCandidateSchema,
  placementNoticeSchema,
  placementSchema,
  requestSloSchema,
  samplingParams,
  tokenIdsProblem,
} from './request.js';
import type {
  Classification,
  InferenceRequest,
  LayoutEstimate,
  Placement,
  PlacementCandidate,
  PlacementNotice,
} from './request.js';

const isLengthClass = (v: unknown): boolean => v === 'short' || v === 'long';

const CHAT_KEYS = keysOf(chatMessageSchema);

function isChatMessage(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, CHAT_KEYS)) return false;
  const r = v.role;
  return (
    (r === 'system' || r === 'developer' || r === 'user' || r === 'assistant' || r === 'tool') &&
    typeof v.content === 'string' &&
    v.content.length <= LIMITS.promptChars &&
    optional(v.name, isName)
  );
}

const SAMPLING_KEYS = keysOf(samplingParams);

const isStop = (v: unknown): boolean =>
  typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.stopSequenceChars;

export function isSampling(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, SAMPLING_KEYS)) return false;
  return (
    optional(v.temperature, (x) => isNumber(x, 0, 2)) &&
    optional(v.topP, (x) => isNumber(x, 0, 1) && x > 0) &&
    optional(v.topK, (x) => isInt(x, -1, 1_000_000)) &&
    optional(v.minP, (x) => isNumber(x, 0, 1)) &&
    optional(v.frequencyPenalty, (x) => isNumber(x, -2, 2)) &&
    optional(v.presencePenalty, (x) => isNumber(x, -2, 2)) &&
    optional(v.repetitionPenalty, (x) => isNumber(x, 0, 10) && x > 0) &&
    optional(v.minTokens, (x) => isInt(x, 1, LIMITS.tokens)) &&
    optional(v.stop, (x) => everyIn(x, 1, LIMITS.stopSequences, isStop)) &&
    optional(v.seed, (x) => isInt(x, 0, Number.MAX_SAFE_INTEGER))
  );
}

const SLO_KEYS = keysOf(requestSloSchema);

export const isSlo = (v: unknown): boolean =>
  isObject(v) &&
  onlyKeys(v, SLO_KEYS) &&
  optional(v.ttftMs, (x) => isNumber(x, 1, LIMITS.durationMs)) &&
  optional(v.tpotMs, (x) => isNumber(x, 1, LIMITS.durationMs));

const REQUEST_KEYS = keysOf(inferenceRequestSchema);

/** An inference request the schema accepts and returns as it is (see the file comment). */
export function isInferenceRequest(raw: unknown): raw is InferenceRequest {
  if (!isObject(raw) || !onlyKeys(raw, REQUEST_KEYS)) return false;
  const m = raw;
  if (!(
    m.v === 1 &&
    m.type === 'inference_request' &&
    isId(m.requestId) &&
    isId(m.gatewayId) &&
    isInt(m.attempt, 0, LIMITS.attempts) &&
    isTime(m.receivedAtMs) &&
    isTime(m.deadlineAtMs) &&
    isName(m.model) &&
    (m.endpoint === 'completions' || m.endpoint === 'chat') &&
    optional(m.prompt, (x) => typeof x === 'string' && x.length <= LIMITS.promptChars) &&
    optional(m.messages, (x) => everyIn(x, 1, LIMITS.chatMessages, isChatMessage)) &&
    optional(m.promptTokens, isTokens) &&
    optional(m.maxTokens, (x) => isInt(x, 1, LIMITS.tokens)) &&
    typeof m.stream === 'boolean' &&
    optional(m.sampling, isSampling) &&
    optional(m.tenant, isName) &&
    optional(m.slo, isSlo) &&
    optional(m.priority, (x) => isInt(x, -1000, 1000)) &&
    optional(m.targetOutputTokens, isTokens) &&
    // Last: the one loop over the prompt (the schema's own, `promptTokenIdsSchema`).
    optional(m.promptTokenIds, (x) => tokenIdsProblem(x) === undefined)
  ))
    return false;
  // The schema's refinements.
  if (
    m.prompt === undefined &&
    m.promptTokenIds === undefined &&
    m.messages === undefined &&
    m.promptTokens === undefined
  )
    return false;
  if (m.deadlineAtMs < m.receivedAtMs) return false;
  const target = m.targetOutputTokens as number | undefined;
  const max = m.maxTokens as number | undefined;
  return target === undefined || max === undefined || target <= max;
}

const PREFIX_KEYS = keysOf(promptPrefixSchema);

const isBlockHash = (v: unknown): boolean => isInt(v, 0, Number.MAX_SAFE_INTEGER);

/** A prompt prefix (block size, block hashes) the schema accepts and returns as it is. */
export const isPrefix = (v: unknown): boolean =>
  isObject(v) &&
  onlyKeys(v, PREFIX_KEYS) &&
  isInt(v.blockSize, 1, LIMITS.blockSizeTokens) &&
  everyIn(v.blockHashes, 0, LIMITS.promptBlockHashes, isBlockHash);

const CLASSIFICATION_KEYS = keysOf(classificationSchema);
const CLASS_KEYS = keysOf(classificationSchema.shape.class);
const THRESHOLD_KEYS = keysOf(classificationSchema.shape.thresholds);

/** A classification the schema accepts and returns as it is (its request through {@link isInferenceRequest}). */
export function isClassification(raw: unknown): raw is Classification {
  if (!isObject(raw) || !onlyKeys(raw, CLASSIFICATION_KEYS)) return false;
  const m = raw;
  const c = m.class;
  const t = m.thresholds;
  return (
    m.v === 1 &&
    m.type === 'classification' &&
    isTokens(m.promptTokens) &&
    isTokens(m.predictedOutputTokens) &&
    isObject(c) &&
    onlyKeys(c, CLASS_KEYS) &&
    isLengthClass(c.prefill) &&
    isLengthClass(c.decode) &&
    isObject(t) &&
    onlyKeys(t, THRESHOLD_KEYS) &&
    isTokens(t.longPrefillTokens) &&
    isTokens(t.longDecodeTokens) &&
    optional(m.prefix, isPrefix) &&
    isInferenceRequest(m.request)
  );
}

const PREDICTION_KEYS = keysOf(latencyPrediction);

/** A latency prediction (TTFT, TPOT durations) the schema accepts and returns as it is. */
export const isPrediction = (v: unknown): boolean =>
  isObject(v) && onlyKeys(v, PREDICTION_KEYS) && isDuration(v.ttftMs) && isDuration(v.tpotMs);

const ESTIMATE_KEYS = keysOf(layoutEstimateSchema);
const VIOLATIONS_MAX = LIMITS.requestsPerInstance * 16;

function isEstimate(v: unknown): v is LayoutEstimate {
  return (
    isObject(v) &&
    onlyKeys(v, ESTIMATE_KEYS) &&
    isTime(v.nowMs) &&
    isInt(v.iterations, 0, LIMITS.seq) &&
    typeof v.horizonReached === 'boolean' &&
    optional(v.firstTokenAtMs, isTime) &&
    optional(v.prefillDoneAtMs, isTime) &&
    isDuration(v.ttftMs) &&
    isDuration(v.tpotMs) &&
    isInt(v.newlyViolated, 0, VIOLATIONS_MAX) &&
    isInt(v.alreadyViolated, 0, VIOLATIONS_MAX) &&
    isDuration(v.addedDelayMs) &&
    isDuration(v.meanIterationMs)
  );
}

const CANDIDATE_KEYS = keysOf(placementCandidateSchema);

function isCandidate(v: unknown): v is PlacementCandidate {
  return (
    isObject(v) &&
    onlyKeys(v, CANDIDATE_KEYS) &&
    isId(v.instanceId) &&
    optional(v.predicted, isPrediction) &&
    optional(v.estimate, isEstimate) &&
    optional(v.score, (x) => isNumber(x, -1e12, 1e12))
  );
}

const PLACEMENT_KEYS = keysOf(placementSchema);

/** A placement the schema accepts and returns as it is (its classification through {@link isClassification}). */
export function isPlacement(raw: unknown): raw is Placement {
  if (!isObject(raw) || !onlyKeys(raw, PLACEMENT_KEYS)) return false;
  const m = raw;
  return (
    m.v === 1 &&
    m.type === 'placement' &&
    isId(m.instanceId) &&
    isName(m.policy) &&
    optional(m.predicted, isPrediction) &&
    optional(m.predictedEngineTtftMs, isDuration) &&
    everyIn(m.candidates, 0, LIMITS.instances, isCandidate) &&
    optional(m.decidedInMs, isDuration) &&
    isClassification(m.classification)
  );
}

const NOTICE_KEYS = keysOf(placementNoticeSchema);

/**
 * A placement notice (balancer → peers, one per instance of a plan) the schema accepts and
 * returns as it is, with the schema's refine: role `segment` needs both segment bounds.
 */
export function isPlacementNotice(raw: unknown): raw is PlacementNotice {
  if (!isObject(raw) || !onlyKeys(raw, NOTICE_KEYS)) return false;
  const m = raw;
  const role = m.role;
  return (
    m.v === 1 &&
    m.type === 'placement_notice' &&
    isId(m.balancerId) &&
    isId(m.requestId) &&
    isId(m.instanceId) &&
    isTokens(m.promptTokens) &&
    isTokens(m.predictedOutputTokens) &&
    isTime(m.atMs) &&
    (role === undefined ||
      role === 'full' ||
      role === 'prefill' ||
      role === 'decode' ||
      role === 'segment') &&
    optional(m.startToken, isTokens) &&
    optional(m.endToken, isTokens) &&
    optional(m.maxTokens, isTokens) &&
    (role !== 'segment' || (m.startToken !== undefined && m.endToken !== undefined)) &&
    // Last: the one loop over the prompt's block hashes.
    optional(m.prefix, isPrefix)
  );
}
