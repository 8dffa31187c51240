/** agent → classifier, metrics (`adagen.v1.agent.<instanceId>.completion`). */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { PLAN_KINDS } from './plan.js';
import { requestSloSchema } from './request.js';
import {
  durationMs,
  finishReason,
  idSchema,
  nameString,
  timestampMs,
  tokenCount,
  versionField,
} from './primitives.js';

/** One finished request, for the output-length predictor and the metrics pipeline. */
export const completionRecordSchema = z
  .object({
    v: versionField,
    type: z.literal('completion_record'),
    requestId: idSchema,
    /** Instances that ran it (one for a single plan, all of them for split plans). */
    instanceIds: z
      .array(idSchema)
      .min(1)
      .max(LIMITS.maxSegments + 1),
    model: nameString,
    tenant: nameString.optional(),
    promptTokens: tokenCount,
    outputTokens: tokenCount,
    maxTokens: tokenCount,
    predictedOutputTokens: tokenCount.optional(),
    planKind: z.enum(PLAN_KINDS),
    arrivalMs: timestampMs,
    firstTokenAtMs: timestampMs,
    finishedAtMs: timestampMs,
    ttftMs: durationMs,
    tpotMs: durationMs,
    finishReason,
    /** The client's own targets (`x-slo-*` headers), when it set them. */
    slo: requestSloSchema.optional(),
    /** The TTFT the policy predicted when it placed the request (its estimator's accuracy). */
    predictedTtftMs: durationMs.optional(),
    /** …its engine part (from the request reaching the agent), and when it reached the agent. */
    predictedEngineTtftMs: durationMs.optional(),
    queuedAtMs: timestampMs.optional(),
    /**
     * Prompt tokens the engine reused from its prefix cache (not computed again), as it reports
     * them — in the engine's tokens, which may differ from the classifier's `promptTokens`.
     */
    cachedPromptTokens: tokenCount.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.firstTokenAtMs < r.arrivalMs)
      ctx.addIssue({ code: 'custom', path: ['firstTokenAtMs'], message: 'expected >= arrivalMs' });
    if (r.finishedAtMs < r.firstTokenAtMs)
      ctx.addIssue({
        code: 'custom',
        path: ['finishedAtMs'],
        message: 'expected >= firstTokenAtMs',
      });
    if (r.outputTokens > r.maxTokens)
      ctx.addIssue({ code: 'custom', path: ['outputTokens'], message: 'expected <= maxTokens' });
  });
export type CompletionRecord = z.infer<typeof completionRecordSchema>;
