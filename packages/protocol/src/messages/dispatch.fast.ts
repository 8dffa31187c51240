/**
 * The dispatch's and its acknowledgement's rules, hand-written for the hot path: every request
 * reaches its agent as an `agent_dispatch` and the planner hears back a `dispatch_ack`, and the
 * schema walk (a cold one: services idle between requests) was most of what each hop paid per
 * message. A value these checks accept, the schema accepts and returns unchanged (a property
 * test checks both): they reject unknown keys, which the schema would strip, so a value taken
 * without the walk is exactly the schema's output. They simplify by refusing: only the common
 * shape passes — a `single` plan with role `full` and no segment; a request without `messages`
 * or `prefix` — and anything else still goes through the schema, so a malformed message is
 * refused with the errors naming its fields.
 */
import { ERROR_CODES } from '../errors.js';
import { isValidId } from '../ids.js';
import { LIMITS } from '../limits.js';
import { agentDispatchSchema, dispatchAckSchema, dispatchRequestSchema } from './dispatch.js';
import type { AgentDispatch, DispatchAck, DispatchRequest } from './dispatch.js';
import { requestSloSchema, samplingParams, tokenIdsProblem } from './request.js';
import type { RequestSlo, SamplingParams } from './request.js';

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** A finite number in `[min, max]` (NaN fails both comparisons). */
const isNumber = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && v >= min && v <= max;
/** A number in `(min, max]`: zod's `.gt(min).max(max)`. */
const isNumberAbove = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && v > min && v <= max;
const isString = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;
const isId = (v: unknown): v is string => typeof v === 'string' && isValidId(v);
const isTokens = (v: unknown): v is number => isInt(v, 0, LIMITS.tokens);
const isTime = (v: unknown): v is number => isNumber(v, 0, LIMITS.timestampMs);
const isDuration = (v: unknown): v is number => isNumber(v, 0, LIMITS.durationMs);
const isName = (v: unknown): v is string => isString(v, 1, LIMITS.nameChars);
const optional = (v: unknown, check: (x: unknown) => boolean): boolean =>
  v === undefined || check(v);

/** True when every own key of `o` is one of `keys` (the schema would strip any other). */
function onlyKeys(o: Fields, keys: ReadonlySet<string>): boolean {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
}

/** The keys an object schema defines: a value with any other key goes to the schema (it strips them). */
const keysOf = (schema: { readonly shape: object }): ReadonlySet<string> =>
  new Set(Object.keys(schema.shape));

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

const SAMPLING_KEYS = keysOf(samplingParams);

function isStop(v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > LIMITS.stopSequences) return false;
  for (const s of v) if (!isString(s, 1, LIMITS.stopSequenceChars)) return false;
  return true;
}

function isSampling(v: unknown): v is SamplingParams {
  if (!isObject(v) || !onlyKeys(v, SAMPLING_KEYS)) return false;
  return (
    optional(v.temperature, (x) => isNumber(x, 0, 2)) &&
    optional(v.topP, (x) => isNumberAbove(x, 0, 1)) &&
    optional(v.topK, (x) => isInt(x, -1, 1_000_000)) &&
    optional(v.minP, (x) => isNumber(x, 0, 1)) &&
    optional(v.frequencyPenalty, (x) => isNumber(x, -2, 2)) &&
    optional(v.presencePenalty, (x) => isNumber(x, -2, 2)) &&
    optional(v.repetitionPenalty, (x) => isNumberAbove(x, 0, 10)) &&
    optional(v.minTokens, (x) => isInt(x, 1, LIMITS.tokens)) &&
    optional(v.stop, isStop) &&
    optional(v.seed, (x) => isInt(x, 0, Number.MAX_SAFE_INTEGER))
  );
}

const SLO_KEYS = keysOf(requestSloSchema);

function isSlo(v: unknown): v is RequestSlo {
  return (
    isObject(v) &&
    onlyKeys(v, SLO_KEYS) &&
    optional(v.ttftMs, (x) => isNumber(x, 1, LIMITS.durationMs)) &&
    optional(v.tpotMs, (x) => isNumber(x, 1, LIMITS.durationMs))
  );
}

const REQUEST_KEYS = keysOf(dispatchRequestSchema);

/**
 * A dispatch's request the schema accepts and returns as it is. Refuses (leaves to the schema)
 * any request with chat `messages` or a `prefix`.
 */
export function isDispatchRequest(raw: unknown): raw is DispatchRequest {
  if (!isObject(raw) || !onlyKeys(raw, REQUEST_KEYS)) return false;
  const r = raw;
  return (
    r.messages === undefined &&
    r.prefix === undefined &&
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
