/**
 * balancer → dashboards, the capacity recommender (`adagen.v1.decisions.<balancerId>`): one record
 * per balance decision — the candidates the policy weighed with their predicted latencies, the one
 * it chose, the plan the planner made of it and why, or why the request was shed. Bounded: at most
 * `LIMITS.decisionCandidates` candidates (the best first) and `LIMITS.decisionReasons` short
 * reasons, so a record stays well under 4 KiB whatever the fleet's size.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { executionPlanSchema } from './plan.js';
import {
  attempt,
  boundedInt,
  durationMs,
  idSchema,
  latencyPrediction,
  nameString,
  timestampMs,
  tokenCount,
  versionField,
} from './primitives.js';

/** What came of a decision. */
export const DECISION_OUTCOMES = ['placed', 'shed', 'failed'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** One instance the policy weighed, with what it predicted for the request there. */
export const decisionCandidateSchema = z.object({
  instanceId: idSchema,
  /** Predicted TTFT / TPOT of the request on this instance (policies that predict). */
  predicted: latencyPrediction.optional(),
  /** Requests already there predicted to miss their SLO because of this one. */
  newlyViolated: boundedInt(LIMITS.requestsPerInstance).optional(),
  /** The prediction meets the request's own SLO here. */
  meetsSlo: z.boolean().optional(),
  /** Blocks of the request's prompt prefix the balancer's index says this instance holds. */
  cachedBlocks: boundedInt(LIMITS.promptBlockHashes).optional(),
});
export type DecisionCandidate = z.infer<typeof decisionCandidateSchema>;

export const decisionRecordSchema = z
  .object({
    v: versionField,
    type: z.literal('decision'),
    balancerId: idSchema,
    requestId: idSchema,
    attempt,
    /** When the balancer decided (fleet clock). */
    atMs: timestampMs,
    policy: nameString,
    promptTokens: tokenCount,
    predictedOutputTokens: tokenCount,
    maxTokens: tokenCount.optional(),
    /** The request's SLO targets (resolved for its prompt length). */
    slo: latencyPrediction.optional(),
    outcome: z.enum(DECISION_OUTCOMES),
    /** The instance the balance step chose. */
    chosen: idSchema.optional(),
    /** The plan the planner made (placed only). */
    plan: executionPlanSchema.optional(),
    /** Predicted latency of the plan taken (the planner's when it distributed the request). */
    predicted: latencyPrediction.optional(),
    /** The policy predicted a miss on every candidate. */
    hopeless: z.boolean().optional(),
    /** Instances the policy weighed (the record lists at most `LIMITS.decisionCandidates`). */
    considered: boundedInt(LIMITS.instances),
    candidates: z.array(decisionCandidateSchema).max(LIMITS.decisionCandidates),
    /** Why this instance, why this plan, why shed — one short sentence each. */
    reasons: z.array(z.string().min(1).max(LIMITS.decisionReasonChars)).max(LIMITS.decisionReasons),
    /** The error code of a failed or shed decision. */
    errorCode: nameString.optional(),
    /** Time the balance step took, ms. */
    decideMs: durationMs,
  })
  .superRefine((d, ctx) => {
    if (d.outcome === 'placed' && d.plan === undefined)
      ctx.addIssue({ code: 'custom', path: ['plan'], message: 'expected a plan when placed' });
    if (d.outcome !== 'placed' && d.plan !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['plan'],
        message: `expected no plan when ${d.outcome}`,
      });
  });
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;
