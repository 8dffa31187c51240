/** Execution plans: how one request runs on one or several instances. */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  attempt,
  durationMs,
  idSchema,
  latencyPrediction,
  nameString,
  timestampMs,
  tokenCount,
  versionField,
} from './primitives.js';

export const planSegmentSchema = z.object({
  instanceId: idSchema,
  startToken: tokenCount,
  endToken: tokenCount,
});
export type PlanSegment = z.infer<typeof planSegmentSchema>;

const singlePlan = z.object({ kind: z.literal('single'), instanceId: idSchema });

/** Prefill on one instance, KV transferred, decode on another. */
const pdSplitPlan = z
  .object({ kind: z.literal('pd-split'), prefillInstanceId: idSchema, decodeInstanceId: idSchema })
  .refine((p) => p.prefillInstanceId !== p.decodeInstanceId, {
    error: 'expected decodeInstanceId to differ from prefillInstanceId (use kind "single")',
    path: ['decodeInstanceId'],
  });

/**
 * Prefill split into 2-4 contiguous segments on distinct instances (segment i covers
 * `[startToken, endToken)`, the first starts at 0, each starts where the previous ended), then
 * decode on one instance. Coverage up to the prompt's length is checked where the plan meets the
 * prompt (`AgentDispatch`).
 */
const splitPrefillPlan = z
  .object({
    kind: z.literal('split-prefill'),
    segments: z.array(planSegmentSchema).min(LIMITS.minSegments).max(LIMITS.maxSegments),
    decodeInstanceId: idSchema,
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.segments.forEach((segment, i) => {
      const expectedStart = i === 0 ? 0 : (plan.segments[i - 1]?.endToken ?? 0);
      if (segment.startToken !== expectedStart) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'startToken'],
          message: `expected ${expectedStart} (segments must be contiguous from 0), got ${segment.startToken}`,
        });
      }
      if (segment.endToken <= segment.startToken) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'endToken'],
          message: `expected > startToken ${segment.startToken}, got ${segment.endToken}`,
        });
      }
      if (seen.has(segment.instanceId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'instanceId'],
          message: `expected distinct instances per segment, ${segment.instanceId} repeats`,
        });
      }
      seen.add(segment.instanceId);
    });
  });

export const executionPlanSchema = z.discriminatedUnion('kind', [
  singlePlan,
  pdSplitPlan,
  splitPrefillPlan,
]);
export type ExecutionPlan = z.infer<typeof executionPlanSchema>;
export type PlanKind = ExecutionPlan['kind'];
export const PLAN_KINDS = [
  'single',
  'pd-split',
  'split-prefill',
] as const satisfies readonly PlanKind[];

/** Every instance a plan uses, in plan order, without repeats. */
export function planInstanceIds(plan: ExecutionPlan): string[] {
  switch (plan.kind) {
    case 'single':
      return [plan.instanceId];
    case 'pd-split':
      return [plan.prefillInstanceId, plan.decodeInstanceId];
    case 'split-prefill':
      return [...new Set([...plan.segments.map((s) => s.instanceId), plan.decodeInstanceId])];
  }
}

/**
 * The answer of the whole decision chain: the planner's reply on `adagen.v1.svc.plan`, passed back
 * unchanged through the balancer (`svc.balance`) and the classifier (`svc.classify`), each adding
 * what it decided. Means every agent of the plan accepted (or already ran) the request.
 */
export const planResultSchema = z.object({
  v: versionField,
  type: z.literal('plan_result'),
  requestId: idSchema,
  attempt,
  plan: executionPlanSchema,
  /** When the planner sent the dispatches (fleet clock). */
  dispatchedAtMs: timestampMs,
  /** Wall-clock epoch ms at which the last agent of the plan accepted the request. */
  acceptedAtMs: timestampMs.optional(),
  /** Policy that decided. */
  policy: nameString.optional(),
  /** Prompt length the classifier counted, and the output length it predicted. */
  promptTokens: tokenCount.optional(),
  predictedOutputTokens: tokenCount.optional(),
  /** The planner's predicted latency of the plan, when its policy predicts (AdaGen). */
  predicted: latencyPrediction.optional(),
  /** Time each step spent deciding (not waiting on the next step), ms. */
  decisionMs: z
    .object({
      classify: durationMs.optional(),
      balance: durationMs.optional(),
      plan: durationMs.optional(),
    })
    .optional(),
});
export type PlanResult = z.infer<typeof planResultSchema>;
