/** agent → gateway (`adagen.v1.stream.<gatewayId>.<requestId>`): token chunks, then one outcome. */
import { z } from 'zod';
import { errorCodeSchema } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isId, isInt, isObject, isString, isTime, keysOf, onlyKeys } from './fast-primitives.js';
import {
  attempt,
  boundedInt,
  durationMs,
  finishReason,
  idSchema,
  messageString,
  seqNumber,
  timestampMs,
  tokenCount,
  versionField,
} from './primitives.js';

/** A chunk of generated text; `seq` counts chunks from 0 so the gateway can spot gaps. */
export const tokenChunkSchema = z.object({
  v: versionField,
  type: z.literal('token'),
  requestId: idSchema,
  attempt,
  instanceId: idSchema,
  seq: seqNumber,
  text: z.string().max(LIMITS.chunkChars),
  tokenCount: boundedInt(LIMITS.chunkChars).min(1),
  atMs: timestampMs,
});
export type TokenChunk = z.infer<typeof tokenChunkSchema>;

export const outcomeDoneSchema = z.object({
  v: versionField,
  type: z.literal('done'),
  requestId: idSchema,
  attempt,
  instanceId: idSchema,
  finishReason,
  usage: z.object({ promptTokens: tokenCount, completionTokens: tokenCount }),
  /**
   * Token chunks this attempt's stream carried in all (`seq` 0 … chunks − 1, from every agent of
   * the plan): the gateway ends the response only once it has delivered each of them.
   */
  chunks: seqNumber,
  timings: z.object({ ttftMs: durationMs, e2eMs: durationMs }),
  atMs: timestampMs,
});
export type OutcomeDone = z.infer<typeof outcomeDoneSchema>;

export const outcomeErrorSchema = z.object({
  v: versionField,
  type: z.literal('error'),
  requestId: idSchema,
  attempt,
  /** The agent that sent it (every stream message names its sender, as its subject does). */
  instanceId: idSchema,
  code: errorCodeSchema,
  message: messageString,
  retryable: z.boolean(),
  atMs: timestampMs,
});
export type OutcomeError = z.infer<typeof outcomeErrorSchema>;

/** The terminal outcome of one attempt. */
export const outcomeSchema = z.discriminatedUnion('type', [outcomeDoneSchema, outcomeErrorSchema]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** Everything a stream subject carries. */
export const streamMessageSchema = z.discriminatedUnion('type', [
  tokenChunkSchema,
  outcomeDoneSchema,
  outcomeErrorSchema,
]);
export type StreamMessage = z.infer<typeof streamMessageSchema>;

const TOKEN_CHUNK_KEYS = keysOf(tokenChunkSchema);

/**
 * The token chunk schema's rules, hand-written for the hot path (one call per streamed chunk,
 * no allocation): a value it accepts, `tokenChunkSchema` accepts too and returns unchanged (a
 * property test checks). A value with a key the schema does not define is left to the schema,
 * which strips it.
 */
export function isTokenChunk(raw: unknown): raw is TokenChunk {
  if (!isObject(raw) || !onlyKeys(raw, TOKEN_CHUNK_KEYS)) return false;
  return (
    raw.v === 1 &&
    raw.type === 'token' &&
    isId(raw.requestId) &&
    isId(raw.instanceId) &&
    isInt(raw.attempt, 0, LIMITS.attempts) &&
    isInt(raw.seq, 0, LIMITS.seq) &&
    isString(raw.text, 0, LIMITS.chunkChars) &&
    isInt(raw.tokenCount, 1, LIMITS.chunkChars) &&
    isTime(raw.atMs)
  );
}

/** A stream message: token chunks through {@link isTokenChunk}, outcomes through the schema. */
export function isStreamChunkFast(raw: unknown): raw is StreamMessage {
  return isTokenChunk(raw);
}
