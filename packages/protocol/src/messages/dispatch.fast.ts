/**
 * The dispatch's and its acknowledgement's rules, hand-written for the hot path: every request
 * reaches its agent as an `agent_dispatch` and the planner hears back a `dispatch_ack`, and the
 * schema walk (a cold one: services idle between requests) was most of what each hop paid per
 * message. A value these checks accept, the schema accepts and returns unchanged (a property
 * test checks both): they reject unknown keys, which the schema would strip, so a value taken
 * without the walk is exactly the schema's output. They simplify by refusing: only the common
 * shape passes — a `single` plan with role `full` and no segment; a request without `messages`
 * — and anything else still goes through the schema, so a malformed message is
 * refused with the errors naming its fields.
 */
import { ERROR_CODES } from '../errors.js';
import { isValidId } from '../ids.js';
import { LIMITS } from '../limits.js';
import { agentDispatchSchema, dispatchAckSchema, dispatchRequestSchema } from './dispatch.js';
import type { AgentDispatch, DispatchAck, DispatchRequest } from './dispatch.js';
import {
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
import { isPrefix, isSampling, isSlo } from './request.fast.js';
import { tokenIdsProblem } from './request.js';

const STREAM_PREFIX = 'adagen.v1.stream.';

/**
 * A stream address `adagen.v1.stream.<gatewayId>.<requestId>` of at most 200 characters: what
 * the schema's `streamSubject` (`parseSubject`, kind `stream`, no instance id) accepts.
 */
function isStreamAddress(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 200 || !v.startsWith(STREAM_PREFIX)) return false;
  const dot = v.indexOf('.', STREAM_PREFIX.length);
  if (dot < 0) return false;
  return isValidId(v.slice(STREAM_PREFIX.length, dot)) && isValidId(v.slice(dot + 1));
}

const REQUEST_KEYS = keysOf(dispatchRequestSchema);

/**
 * A dispatch's request the schema accepts and returns as it is. Refuses (leaves to the schema)
 * any request with chat `messages`.
 */
export function isDispatchRequest(raw: unknown): raw is DispatchRequest {
  if (!isObject(raw) || !onlyKeys(raw, REQUEST_KEYS)) return false;
  const r = raw;
  return (
    r.messages === undefined &&
    optional(r.prefix, isPrefix) &&
    isName(r.model) &&
    optional(r.endpoint, (x) => x === 'completions' || x === 'chat') &&
    optional(r.prompt, (x) => isString(x, 0, LIMITS.promptChars)) &&
    optional(r.promptTokenIds, (x) => tokenIdsProblem(x) === undefined) &&
    optional(r.sampling, isSampling) &&
    isTokens(r.promptTokens) &&
    isInt(r.maxTokens, 1, LIMITS.tokens) &&
    isTokens(r.predictedOutputTokens) &&
    optional(r.targetOutputTokens, isTokens) &&
    isStreamAddress(r.streamSubject) &&
    isTime(r.deadlineAtMs) &&
    isTime(r.arrivalMs) &&
    optional(r.tenant, isName) &&
    optional(r.slo, isSlo) &&
    optional(r.predictedTtftMs, isDuration) &&
    optional(r.predictedEngineTtftMs, isDuration) &&
    optional(r.priority, (x) => isInt(x, -1000, 1000))
  );
}

const DISPATCH_KEYS = keysOf(agentDispatchSchema);
const SINGLE_PLAN_KEYS: ReadonlySet<string> = new Set(['kind', 'instanceId']);

/**
 * A dispatch the schema accepts and returns as it is: the common one, a `single` plan run whole
 * (role `full`, no segment). Other plans and roles go to the schema (its cross-field rules).
 */
export function isAgentDispatch(raw: unknown): raw is AgentDispatch {
  if (!isObject(raw) || !onlyKeys(raw, DISPATCH_KEYS)) return false;
  const m = raw;
  const plan = m.plan;
  return (
    m.v === 1 &&
    m.type === 'agent_dispatch' &&
    isId(m.requestId) &&
    isInt(m.attempt, 0, LIMITS.attempts) &&
    isId(m.instanceId) &&
    isObject(plan) &&
    onlyKeys(plan, SINGLE_PLAN_KEYS) &&
    plan.kind === 'single' &&
    isId(plan.instanceId) &&
    // The schema's superRefine: a single plan allows role `full` only, which needs no peer.
    m.role === 'full' &&
    m.segment === undefined &&
    optional(m.kvPeerInstanceId, isId) &&
    isDispatchRequest(m.request)
  );
}

const ACK_KEYS = new Map<unknown, ReadonlySet<string>>(
  dispatchAckSchema.options.map((o) => [o.shape.status.value, keysOf(o)]),
);
const ERROR_KEYS: ReadonlySet<string> = new Set(['code', 'message']);
const CODES: ReadonlySet<unknown> = new Set(ERROR_CODES);

/** An acknowledgement the schema accepts and returns as it is (every status). */
export function isDispatchAck(raw: unknown): raw is DispatchAck {
  if (!isObject(raw)) return false;
  const keys = ACK_KEYS.get(raw.status);
  if (keys === undefined || !onlyKeys(raw, keys)) return false;
  const m = raw;
  if (!(
    m.v === 1 &&
    m.type === 'dispatch_ack' &&
    isId(m.requestId) &&
    isInt(m.attempt, 0, LIMITS.attempts) &&
    isId(m.instanceId)
  ))
    return false;
  if (m.status === 'accepted') return optional(m.acceptedAtMs, isTime);
  if (m.status === 'duplicate') return true;
  const e = m.error;
  return (
    isObject(e) &&
    onlyKeys(e, ERROR_KEYS) &&
    CODES.has(e.code) &&
    isString(e.message, 0, LIMITS.messageChars)
  );
}
