/** What agents publish about their instance: state snapshots and up/down announcements. */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  boundedInt,
  durationMs,
  engineKind,
  idSchema,
  nameString,
  requestRole,
  seqNumber,
  timestampMs,
  tokenCount,
  tokenRange,
  versionField,
} from './primitives.js';

/** One request's progress on an instance. */
export const requestProgressSchema = z
  .object({
    requestId: idSchema,
    role: requestRole,
    promptTokens: tokenCount,
    prefilledTokens: tokenCount,
    generatedTokens: tokenCount,
    maxTokens: tokenCount,
    predictedOutputTokens: tokenCount.optional(),
    arrivalMs: timestampMs,
    segment: tokenRange.optional(),
  })
  .refine((p) => p.prefilledTokens <= p.promptTokens, {
    error: 'expected prefilledTokens <= promptTokens',
    path: ['prefilledTokens'],
  });
export type RequestProgress = z.infer<typeof requestProgressSchema>;

/** One engine iteration: how long it took and what it batched. */
export const iterationSampleSchema = z.object({
  durationMs,
  prefillTokens: tokenCount,
  decodeRequests: boundedInt(LIMITS.seqs),
});
export type IterationSample = z.infer<typeof iterationSampleSchema>;

export const engineConfigSchema = z.object({
  maxNumBatchedTokens: boundedInt(LIMITS.batchTokens).min(1),
  maxNumSeqs: boundedInt(LIMITS.seqs).min(1),
  chunkedPrefill: z.boolean(),
  blockSize: boundedInt(LIMITS.blockSizeTokens).min(1),
});
export type EngineConfig = z.infer<typeof engineConfigSchema>;

/**
 * agent → balancer, planner, estimator (`adagen.v1.agent.<instanceId>.state`). `seq` increases
 * by one per snapshot, so a subscriber can detect lost snapshots.
 */
export const instanceStateSchema = z
  .object({
    v: versionField,
    type: z.literal('instance_state'),
    instanceId: idSchema,
    seq: seqNumber,
    atMs: timestampMs,
    status: z.enum(['ready', 'draining']),
    engine: engineKind,
    profile: nameString,
    config: engineConfigSchema,
    kv: z.object({
      totalBlocks: boundedInt(LIMITS.kvBlocks),
      usedBlocks: boundedInt(LIMITS.kvBlocks),
    }),
    running: z.array(requestProgressSchema).max(LIMITS.requestsPerInstance),
    waiting: z.array(requestProgressSchema).max(LIMITS.requestsPerInstance),
    recentIterations: z.array(iterationSampleSchema).max(LIMITS.iterationSamples),
    /** When the current iteration is expected to end (ms, same clock as atMs). */
    busyUntilMs: timestampMs.optional(),
  })
  .refine((s) => s.kv.usedBlocks <= s.kv.totalBlocks, {
    error: 'expected usedBlocks <= totalBlocks',
    path: ['kv', 'usedBlocks'],
  });
export type InstanceState = z.infer<typeof instanceStateSchema>;

/** agent → balancer, planner, estimator (`adagen.v1.agent.<instanceId>.announce`). */
export const agentAnnounceSchema = z.object({
  v: versionField,
  type: z.literal('agent_announce'),
  instanceId: idSchema,
  status: z.enum(['up', 'down', 'draining']),
  profile: nameString,
  engine: engineKind,
  atMs: timestampMs,
  /** Snapshot period, so subscribers know when an agent has gone quiet. */
  statePeriodMs: durationMs.optional(),
});
export type AgentAnnounce = z.infer<typeof agentAnnounceSchema>;
