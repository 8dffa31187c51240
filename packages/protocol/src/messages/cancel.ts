/**
 * gateway or planner → every agent (`adagen.v1.cancel.<gatewayId>`): stop the attempts of a
 * request up to `upToAttempt` and free what they hold. The subject names the gateway that owns
 * the request, so NATS permissions let a gateway cancel only its own requests; an agent applies
 * a cancel only to jobs whose stream subject names that gateway.
 */
import { z } from 'zod';
import { attempt, idSchema, timestampMs, versionField } from './primitives.js';

/** Why a request is cancelled. */
export const CANCEL_REASONS = [
  /** The client went away. */
  'client_closed',
  /** The gateway gave up on these attempts and places the request again. */
  'retry',
  /** A distributed plan was only partly dispatched; its accepted parts are rolled back. */
  'rollback',
  /** The request's deadline passed. */
  'deadline',
  /** The request failed (its client got an error); what is left of it is freed. */
  'failed',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export const requestCancelSchema = z.object({
  v: versionField,
  type: z.literal('request_cancel'),
  requestId: idSchema,
  /** Every attempt numbered up to this one is cancelled; later attempts are not. */
  upToAttempt: attempt,
  reason: z.enum(CANCEL_REASONS),
  atMs: timestampMs,
});
export type RequestCancel = z.infer<typeof requestCancelSchema>;
