/**
 * The balancer's decision record, checked by hand: the balancer validates one on encode per
 * request (`adagen.v1.decisions.<balancerId>`), and dashboards and the capacity recommender decode
 * them. A value this check accepts, the schema accepts and returns unchanged (a property test
 * checks both): it rejects unknown keys, which the schema would strip, and non-plain objects,
 * which it would replace, and enforces the schema's `superRefine` (a plan when placed, none
 * otherwise). It simplifies by refusing: a `split-prefill` plan goes to the schema, so its errors
 * name the field.
 */
import { LIMITS } from '../limits.js';
import { decisionCandidateSchema, decisionRecordSchema } from './decision.js';
import type { DecisionCandidate, DecisionRecord } from './decision.js';
import {
  everyIn,
  isDuration,
  isId,
  isInt,
  isName,
  isObject,
  isString,
  isTime,
  isTokens,
  keysOf,
  onlyKeys,
  optional,
} from './fast-primitives.js';
import { isCommonPlan } from './plan.fast.js';
import { isPrediction } from './request.fast.js';

const CANDIDATE_KEYS = keysOf(decisionCandidateSchema);

/** One weighed candidate the schema accepts and returns as it is. */
export function isDecisionCandidate(v: unknown): v is DecisionCandidate {
  return (
    isObject(v) &&
    onlyKeys(v, CANDIDATE_KEYS) &&
    isId(v.instanceId) &&
    optional(v.predicted, isPrediction) &&
    optional(v.newlyViolated, (x) => isInt(x, 0, LIMITS.requestsPerInstance)) &&
    optional(v.meetsSlo, (x) => typeof x === 'boolean') &&
    optional(v.cachedBlocks, (x) => isInt(x, 0, LIMITS.promptBlockHashes))
  );
}

const isReason = (v: unknown): boolean => isString(v, 1, LIMITS.decisionReasonChars);

const RECORD_KEYS = keysOf(decisionRecordSchema);

/** A decision record the schema accepts and returns as it is (see the file comment). */
export function isDecisionRecord(raw: unknown): raw is DecisionRecord {
  if (!isObject(raw) || !onlyKeys(raw, RECORD_KEYS)) return false;
  const m = raw;
  const outcome = m.outcome;
  return (
    m.v === 1 &&
    m.type === 'decision' &&
    isId(m.balancerId) &&
    isId(m.requestId) &&
    isInt(m.attempt, 0, LIMITS.attempts) &&
    isTime(m.atMs) &&
    isName(m.policy) &&
    isTokens(m.promptTokens) &&
    isTokens(m.predictedOutputTokens) &&
    optional(m.maxTokens, isTokens) &&
    optional(m.slo, isPrediction) &&
    (outcome === 'placed' || outcome === 'shed' || outcome === 'failed') &&
    optional(m.chosen, isId) &&
    // The schema's superRefine: a plan when placed, none otherwise.
    (outcome === 'placed' ? isCommonPlan(m.plan) : m.plan === undefined) &&
    optional(m.predicted, isPrediction) &&
    optional(m.hopeless, (x) => typeof x === 'boolean') &&
    isInt(m.considered, 0, LIMITS.instances) &&
    everyIn(m.candidates, 0, LIMITS.decisionCandidates, isDecisionCandidate) &&
    everyIn(m.reasons, 0, LIMITS.decisionReasons, isReason) &&
    optional(m.errorCode, isName) &&
    isDuration(m.decideMs)
  );
}
