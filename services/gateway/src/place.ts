/**
 * Placing a request, end to end, with retries: each attempt asks `svc.classify` (which answers
 * once the plan's agents accepted) with its attempt number; an attempt that fails in a retryable
 * way is cancelled on the agents and the request is placed again after a backoff, within its
 * deadline and `maxAttempts`. Agents deduplicate by request id and attempt.
 */
import { AdagenError, inferenceRequestSchema, planResultSchema, subjects } from '@adagen/protocol';
import type { InferenceRequest } from '@adagen/protocol';
import { request } from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Flight } from './flight.js';

export interface PlaceOptions {
  readonly nc: NatsConnection;
  /** Wall ms an attempt may take to be placed. */
  readonly attemptTimeoutMs: number;
  /** First backoff (wall ms); doubles per retry, with jitter, at most 1 s. */
  readonly retryBackoffMs: number;
  /** Wall ms left until the request's deadline. */
  readonly remainingMs: () => number;
  /** Cancels attempts up to `upTo` on every agent. */
  readonly cancel: (upTo: number) => void;
  /** Resolves when the request ended (the backoff is cut short). */
  readonly ended: Promise<void>;
}

/** Backoff before attempt `next` (≥ 1): base × 2^(next−1), ±25 % jitter, capped at 1 s. */
export function backoffMs(baseMs: number, next: number, random = Math.random): number {
  const raw = Math.min(1000, baseMs * 2 ** Math.max(0, next - 1));
  return raw * (0.75 + 0.5 * random());
}

/** Errors from the decision chain, as the gateway acts on them. */
function chainError(e: AdagenError, attempt: number, timeoutMs: number): AdagenError {
  // A hop that timed out: the chain did not place the request in time (a replica may have died).
  if (e.code === 'deadline_exceeded' && e.retryable)
    return new AdagenError(
      'unavailable',
      `no placement within ${timeoutMs} ms (attempt ${attempt + 1}): ${e.message}`,
      { cause: e },
    );
  return e;
}

export async function placeWithRetries(
  flight: Flight,
  ir: InferenceRequest,
  o: PlaceOptions,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const settled = flight.startAttempt(attempt);
    const timeoutMs = Math.max(1, Math.min(o.attemptTimeoutMs, o.remainingMs()));
    void request(
      o.nc,
      subjects.classify,
      inferenceRequestSchema,
      planResultSchema,
      { ...ir, attempt },
      { timeoutMs },
    ).then((result) => {
      if (result.ok) flight.accept(attempt, result.value);
      else flight.attemptFailed(attempt, chainError(result.error, attempt, timeoutMs), true);
    });
    const outcome = await settled;
    if ('ended' in outcome) return;
    if (flight.mayHoldWork) o.cancel(attempt);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise(
        (resolve) => (timer = setTimeout(resolve, backoffMs(o.retryBackoffMs, attempt + 1))),
      ),
      o.ended,
    ]);
    clearTimeout(timer);
    if (flight.done) return;
  }
}
