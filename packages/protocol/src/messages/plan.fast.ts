/**
 * The decision chain's reply, checked by hand: the planner's `plan_result` travels back through
 * the balancer and the classifier to the gateway, so it is validated on encode by three endpoints
 * and decoded by three services per request, and the schema walk was a large part of the reply
 * path's CPU. A value these checks accept, the schema accepts and returns unchanged (a property
 * test checks both): they reject unknown keys, which the schema would strip, and non-plain objects
 * (a Date for an all-optional object), which it would replace. They simplify by refusing: a
 * `split-prefill` plan (its segment rules) goes to the schema, so its errors name the field.
 */
import { LIMITS } from '../limits.js';
import {
  isDuration,
  isId,
  isInt,
  isName,
  isObject,
  isTime,
  isTokens,
  keysOf,
  onlyKeys,
  optional,
} from './fast-primitives.js';
import { planResultSchema } from './plan.js';
import type { ExecutionPlan, PlanResult } from './plan.js';
import { isPrediction } from './request.fast.js';

const SINGLE_KEYS: ReadonlySet<string> = new Set(['kind', 'instanceId']);
const PD_SPLIT_KEYS: ReadonlySet<string> = new Set([
  'kind',
  'prefillInstanceId',
  'decodeInstanceId',
]);

/**
 * A plan the schema accepts and returns as it is: `single`, or `pd-split` on two distinct
 * instances (the schema's refine). A `split-prefill` plan goes to the schema.
 */
export function isCommonPlan(v: unknown): v is ExecutionPlan {
  if (!isObject(v)) return false;
  if (v.kind === 'single') return onlyKeys(v, SINGLE_KEYS) && isId(v.instanceId);
  return (
    v.kind === 'pd-split' &&
    onlyKeys(v, PD_SPLIT_KEYS) &&
    isId(v.prefillInstanceId) &&
    isId(v.decodeInstanceId) &&
    v.prefillInstanceId !== v.decodeInstanceId
  );
}

const DECISION_MS_KEYS = keysOf(planResultSchema.shape.decisionMs.unwrap());

const isDecisionMs = (v: unknown): boolean =>
  isObject(v) &&
  onlyKeys(v, DECISION_MS_KEYS) &&
  optional(v.classify, isDuration) &&
  optional(v.balance, isDuration) &&
  optional(v.plan, isDuration);

const RESULT_KEYS = keysOf(planResultSchema);

/** A plan result the schema accepts and returns as it is (see the file comment). */
export function isPlanResult(raw: unknown): raw is PlanResult {
  if (!isObject(raw) || !onlyKeys(raw, RESULT_KEYS)) return false;
  const m = raw;
  return (
    m.v === 1 &&
    m.type === 'plan_result' &&
    isId(m.requestId) &&
    isInt(m.attempt, 0, LIMITS.attempts) &&
    isCommonPlan(m.plan) &&
    isTime(m.dispatchedAtMs) &&
    optional(m.acceptedAtMs, isTime) &&
    optional(m.policy, isName) &&
    optional(m.promptTokens, isTokens) &&
    optional(m.predictedOutputTokens, isTokens) &&
    optional(m.predicted, isPrediction) &&
    optional(m.decisionMs, isDecisionMs)
  );
}
