/** balancer, planner → estimator (`adagen.v1.svc.estimate`). */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  boundedInt,
  durationMs,
  idSchema,
  latencyPrediction,
  requestRole,
  tokenCount,
  versionField,
} from './primitives.js';

export const estimateAdditionSchema = z.object({
  /** Optional id, so the addition can be found among `affected` of later additions. */
  requestId: idSchema.optional(),
  promptTokens: tokenCount,
  predictedOutputTokens: tokenCount,
  role: requestRole.optional(),
});
export type EstimateAddition = z.infer<typeof estimateAdditionSchema>;

/**
 * "What would these instances' layouts be if these requests arrived now?" `additions[0]` is the
 * request being evaluated; later additions are placements not yet visible in a snapshot.
 */
export const estimateRequestSchema = z.object({
  v: versionField,
  type: z.literal('estimate_request'),
  /** Instances to simulate; all known instances when omitted. */
  instanceIds: z.array(idSchema).min(1).max(LIMITS.instances).optional(),
  additions: z.array(estimateAdditionSchema).min(1).max(LIMITS.estimateAdditions),
  /** Virtual time to simulate ahead, at most. */
  horizonMs: durationMs.gt(0),
});
export type EstimateRequest = z.infer<typeof estimateRequestSchema>;

export const affectedRequestSchema = z.object({
  requestId: idSchema,
  tpotMs: durationMs,
  ttftMs: durationMs.optional(),
});
export type AffectedRequest = z.infer<typeof affectedRequestSchema>;

export const instanceEstimateSchema = z.object({
  instanceId: idSchema,
  /** Predicted latency of `additions[0]` on this instance. */
  newRequest: latencyPrediction,
  /** Requests already there (and later additions) whose latency the addition changes. */
  affected: z.array(affectedRequestSchema).max(LIMITS.requestsPerInstance * 2),
  /** Iterations simulated. */
  iterations: boundedInt(Number.MAX_SAFE_INTEGER),
  /** True when the simulation stopped at the horizon rather than at completion. */
  horizonReached: z.boolean(),
});
export type InstanceEstimate = z.infer<typeof instanceEstimateSchema>;

export const estimateResponseSchema = z.object({
  v: versionField,
  type: z.literal('estimate_response'),
  perInstance: z.array(instanceEstimateSchema).max(LIMITS.instances),
});
export type EstimateResponse = z.infer<typeof estimateResponseSchema>;
