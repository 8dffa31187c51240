/** The request path up to placement: gateway → classifier → balancer. */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  attempt,
  boundedInt,
  durationMs,
  idSchema,
  latencyPrediction,
  lengthClass,
  nameString,
  requestRole,
  timestampMs,
  tokenCount,
  versionField,
} from './primitives.js';

export const samplingParams = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  stop: z
    .array(z.string().min(1).max(LIMITS.stopSequenceChars))
    .max(LIMITS.stopSequences)
    .optional(),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type SamplingParams = z.infer<typeof samplingParams>;

/**
 * gateway → classifier (`adagen.v1.svc.classify`). Carries the prompt text (chat messages are
 * rendered by the gateway) and/or `promptTokens` when the caller gave token counts.
 */
export const inferenceRequestSchema = z
  .object({
    v: versionField,
    type: z.literal('inference_request'),
    requestId: idSchema,
    gatewayId: idSchema,
    attempt,
    receivedAtMs: timestampMs,
    deadlineAtMs: timestampMs,
    model: nameString,
    endpoint: z.enum(['completions', 'chat']),
    prompt: z.string().max(LIMITS.promptChars).optional(),
    promptTokens: tokenCount.optional(),
    maxTokens: boundedInt(LIMITS.tokens).min(1),
    /**
     * True when the client gave no `max_tokens` and `maxTokens` is the gateway's default: the
     * classifier then does not treat it as a cap on the predicted length.
     */
    maxTokensIsDefault: z.boolean().optional(),
    stream: z.boolean(),
    sampling: samplingParams.optional(),
    tenant: nameString.optional(),
    /** Load testing: produce exactly this many output tokens (ignore EOS). */
    targetOutputTokens: tokenCount.optional(),
  })
  .refine((r) => r.prompt !== undefined || r.promptTokens !== undefined, {
    error: 'expected prompt text or promptTokens (or both)',
    path: ['prompt'],
  })
  .refine((r) => r.deadlineAtMs >= r.receivedAtMs, {
    error: 'expected deadlineAtMs >= receivedAtMs',
    path: ['deadlineAtMs'],
  })
  .refine((r) => r.targetOutputTokens === undefined || r.targetOutputTokens <= r.maxTokens, {
    error: 'expected targetOutputTokens <= maxTokens',
    path: ['targetOutputTokens'],
  });
export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;

/** classifier → balancer (`adagen.v1.svc.balance`). */
export const classificationSchema = z.object({
  v: versionField,
  type: z.literal('classification'),
  request: inferenceRequestSchema,
  promptTokens: tokenCount,
  predictedOutputTokens: tokenCount,
  class: z.object({ prefill: lengthClass, decode: lengthClass }),
  /** Thresholds in force: at or above them a prefill/decode counts as long. */
  thresholds: z.object({ longPrefillTokens: tokenCount, longDecodeTokens: tokenCount }),
});
export type Classification = z.infer<typeof classificationSchema>;

export const placementCandidateSchema = z.object({
  instanceId: idSchema,
  predicted: latencyPrediction.optional(),
  /** Policy-specific score (lower is better); informational. */
  score: z.number().min(-1e12).max(1e12).optional(),
});
export type PlacementCandidate = z.infer<typeof placementCandidateSchema>;

/** balancer → planner (`adagen.v1.svc.plan`). */
export const placementSchema = z.object({
  v: versionField,
  type: z.literal('placement'),
  classification: classificationSchema,
  instanceId: idSchema,
  policy: nameString,
  predicted: latencyPrediction.optional(),
  candidates: z.array(placementCandidateSchema).max(LIMITS.instances),
  decidedInMs: durationMs.optional(),
});
export type Placement = z.infer<typeof placementSchema>;

/**
 * balancer → peer balancers and planners (`adagen.v1.placements.<balancerId>`), so replicas do
 * not herd: work placed on `instanceId` that its snapshots may not show yet. One notice per
 * instance of the plan, with that instance's part (`role`, segment bounds).
 */
export const placementNoticeSchema = z
  .object({
    v: versionField,
    type: z.literal('placement_notice'),
    balancerId: idSchema,
    requestId: idSchema,
    instanceId: idSchema,
    promptTokens: tokenCount,
    predictedOutputTokens: tokenCount,
    atMs: timestampMs,
    /** This instance's part of the plan. @default 'full' */
    role: requestRole.optional(),
    startToken: tokenCount.optional(),
    endToken: tokenCount.optional(),
    maxTokens: tokenCount.optional(),
  })
  .refine((n) => n.role !== 'segment' || (n.startToken !== undefined && n.endToken !== undefined), {
    error: 'expected startToken and endToken for role "segment"',
    path: ['startToken'],
  });
export type PlacementNotice = z.infer<typeof placementNoticeSchema>;
