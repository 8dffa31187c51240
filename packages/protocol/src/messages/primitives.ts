/** Bounded building blocks shared by every message schema. */
import { z } from 'zod';
import { idSchema } from '../ids.js';
import { LIMITS } from '../limits.js';

export { idSchema };

/** Protocol version carried by every message as `v`. */
export const PROTOCOL_VERSION = 1;
export const versionField = z.literal(PROTOCOL_VERSION);

/** A non-negative integer no larger than `max`. */
export const boundedInt = (max: number) => z.int().min(0).max(max);

export const tokenCount = boundedInt(LIMITS.tokens);
export const attempt = boundedInt(LIMITS.attempts);
export const seqNumber = boundedInt(LIMITS.seq);

/** A timestamp in ms: epoch time in the live fleet, virtual time in the simulator. */
export const timestampMs = z.number().min(0).max(LIMITS.timestampMs);
/** A non-negative duration in ms. */
export const durationMs = z.number().min(0).max(LIMITS.durationMs);

export const nameString = z.string().min(1).max(LIMITS.nameChars);
export const messageString = z.string().max(LIMITS.messageChars);

/** Engine kind behind an agent. */
export const engineKind = z.enum(['sim', 'llama', 'http']);
export type EngineKind = z.infer<typeof engineKind>;

/** Length class of a prefill or a decode. */
export const lengthClass = z.enum(['short', 'long']);
export type LengthClass = z.infer<typeof lengthClass>;

/** What part of a request an instance runs. */
export const requestRole = z.enum(['full', 'prefill', 'decode', 'segment']);
export type RequestRole = z.infer<typeof requestRole>;

export const finishReason = z.enum(['stop', 'length']);
export type FinishReason = z.infer<typeof finishReason>;

/** A half-open token range `[startToken, endToken)` with `endToken > startToken`. */
export const tokenRange = z
  .object({ startToken: tokenCount, endToken: tokenCount })
  .refine((r) => r.endToken > r.startToken, {
    error: 'expected endToken > startToken',
    path: ['endToken'],
  });
export type TokenRange = z.infer<typeof tokenRange>;

/** Predicted per-request latency. */
export const latencyPrediction = z.object({ ttftMs: durationMs, tpotMs: durationMs });
export type LatencyPrediction = z.infer<typeof latencyPrediction>;
