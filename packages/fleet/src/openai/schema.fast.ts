/**
 * The OpenAI request bodies, checked by hand for the gateway's hot path: the gateway is mostly
 * idle between requests, so the zod walk of a body ran cold each time and was the largest single
 * step before the request went on. A body these checks accept, the schema accepts and returns
 * unchanged (a property test checks both): they refuse keys the schema does not define (it would
 * strip them), objects that are not plain, and every value outside the schema's bounds. They
 * refuse the uncommon shapes too (a prompt as a list of strings or of token lists, chat content
 * as a list of parts); whatever they refuse goes through the schema as before, so the errors
 * still name the field.
 */
import {
  LIMITS,
  everyIn,
  isInt,
  isName,
  isNumber,
  isNumberAbove,
  isObject,
  isString,
  keysOf,
  onlyKeys,
  optional,
  tokenIdsProblem,
} from '@adagen/protocol';
import type { Fields } from '@adagen/protocol';
import { chatBodySchema, completionsBodySchema } from './schema.js';
import type { ChatBody, CompletionsBody } from './schema.js';

/** Absent, null, or passing `check`: the schema's `.nullable().optional()`. */
const nullable = (v: unknown, check: (x: unknown) => boolean): boolean => v == null || check(v);

/** A plain array (z.array returns a new plain array in place of any other). */
const isPlainArray = (v: unknown): v is unknown[] =>
  Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype;

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

const isStopString = (v: unknown): boolean => isString(v, 1, LIMITS.stopSequenceChars);

/** `stop`: a string or a list of at most four, each of 1-256 characters. */
const isStop = (v: unknown): boolean =>
  isStopString(v) || (isPlainArray(v) && everyIn(v, 0, LIMITS.stopSequences, isStopString));

const STREAM_OPTIONS_KEYS = keysOf(completionsBodySchema.shape.stream_options.unwrap().unwrap());

const isStreamOptions = (v: unknown): boolean =>
  isObject(v) && onlyKeys(v, STREAM_OPTIONS_KEYS) && optional(v.include_usage, isBoolean);

/** The fields both endpoints share, with the schema's bounds (`common` in schema.ts). */
function commonFieldsOk(b: Fields): boolean {
  return (
    isName(b.model) &&
    nullable(b.max_tokens, (x) => isInt(x, 1, LIMITS.tokens)) &&
    nullable(b.temperature, (x) => isNumber(x, 0, 2)) &&
    nullable(b.top_p, (x) => isNumberAbove(x, 0, 1)) &&
    nullable(b.top_k, (x) => isInt(x, -1, 1_000_000)) &&
    nullable(b.min_p, (x) => isNumber(x, 0, 1)) &&
    nullable(b.presence_penalty, (x) => isNumber(x, -2, 2)) &&
    nullable(b.frequency_penalty, (x) => isNumber(x, -2, 2)) &&
    nullable(b.repetition_penalty, (x) => isNumberAbove(x, 0, 10)) &&
    nullable(b.min_tokens, (x) => isInt(x, 0, LIMITS.tokens)) &&
    nullable(b.stop, isStop) &&
    nullable(b.seed, (x) => isInt(x, 0, Number.MAX_SAFE_INTEGER)) &&
    nullable(b.stream, isBoolean) &&
    nullable(b.stream_options, isStreamOptions) &&
    nullable(b.n, (x) => x === 1) &&
    // Not nullable in the schema.
    optional(b.user, isName) &&
    optional(b.ignore_eos, isBoolean) &&
    optional(b.adagen_output_tokens, (x) => isInt(x, 1, LIMITS.tokens))
  );
}

const COMPLETIONS_KEYS = keysOf(completionsBodySchema);

/**
 * A completions body the schema accepts and returns as it is (see the file comment): the prompt
 * as a string or as a list of token ids. A prompt list of strings or of token lists goes to the
 * schema (it copies those lists).
 */
export function isCompletionsBodyFast(raw: unknown): raw is CompletionsBody {
  if (!isObject(raw) || !onlyKeys(raw, COMPLETIONS_KEYS)) return false;
  const p = raw.prompt;
  return (
    commonFieldsOk(raw) &&
    nullable(raw.echo, isBoolean) &&
    // Last: the one loop over a token-id prompt (the schema's own rule, `promptTokenIdsSchema`).
    (typeof p === 'string' || tokenIdsProblem(p) === undefined)
  );
}

const MESSAGE_KEYS = keysOf(chatBodySchema.shape.messages.element);

/** A chat message with its content as text (or null); a list of content parts goes to the schema. */
function isTextMessage(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, MESSAGE_KEYS)) return false;
  const r = v.role;
  return (
    (r === 'system' || r === 'developer' || r === 'user' || r === 'assistant' || r === 'tool') &&
    (typeof v.content === 'string' || v.content === null) &&
    optional(v.name, (x) => isString(x, 0, LIMITS.nameChars))
  );
}

const CHAT_KEYS = keysOf(chatBodySchema);

/** A chat body the schema accepts and returns as it is, every message's content text or null. */
export function isChatBodyFast(raw: unknown): raw is ChatBody {
  if (!isObject(raw) || !onlyKeys(raw, CHAT_KEYS)) return false;
  const m = raw.messages;
  return (
    commonFieldsOk(raw) &&
    nullable(raw.max_completion_tokens, (x) => isInt(x, 1, LIMITS.tokens)) &&
    isPlainArray(m) &&
    everyIn(m, 1, LIMITS.chatMessages, isTextMessage)
  );
}
