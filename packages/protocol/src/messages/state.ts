/**
 * What agents publish about their instance: state snapshots and up/down announcements.
 *
 * `InstanceState` is the engine's `InstanceSnapshot` (packages/engine/src/types.ts) plus the wire
 * envelope (`v`, `type`, `seq`, `status`, `engine`): the same field names, so a decoded state is
 * an `InstanceSnapshot` as it stands (checked at compile time in `state.test.ts`) and the
 * balancer's estimator replays exactly what the agent's engine reported.
 */
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
  versionField,
} from './primitives.js';

/** Where a request is on an instance (the engine's `RequestPhase`). */
export const requestPhase = z.enum(['waiting', 'prefilling', 'decoding', 'held']);
export type WireRequestPhase = z.infer<typeof requestPhase>;

/**
 * One request's progress on an instance (the engine's `RequestProgress`). `prefilledTokens`
 * counts the current prefill pass, which after a preemption covers prompt + generated tokens, so
 * it may exceed `promptTokens`; it never exceeds `promptTokens + generatedTokens`.
 */
export const requestProgressSchema = z
  .object({
    id: idSchema,
    /** What part of the request this instance runs (the engine's `WorkKind`). */
    kind: requestRole,
    promptTokens: tokenCount,
    phase: requestPhase,
    prefilledTokens: tokenCount,
    generatedTokens: tokenCount,
    firstTokenAtMs: timestampMs.optional(),
    preemptions: boundedInt(LIMITS.seq).optional(),
    arrivalMs: timestampMs,
    /** Segment bounds, for `kind: 'segment'`. */
    startToken: tokenCount.optional(),
    endToken: tokenCount.optional(),
    maxTokens: tokenCount.optional(),
    predictedOutputTokens: tokenCount.optional(),
    originArrivalMs: timestampMs.optional(),
    /**
     * Prefix-cache hit: an admitted request's tokens found cached at admission (part of
     * `prefilledTokens`); a waiting one's tokens cached for it now (what admission would reuse).
     * Absent when 0 or when the engine's cache is not visible.
     */
    cachedTokens: tokenCount.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.prefilledTokens > p.promptTokens + p.generatedTokens)
      ctx.addIssue({
        code: 'custom',
        path: ['prefilledTokens'],
        message: `expected prefilledTokens <= promptTokens + generatedTokens (${p.promptTokens + p.generatedTokens}), got ${p.prefilledTokens}`,
      });
    if (p.kind === 'segment' && (p.startToken === undefined || p.endToken === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['startToken'],
        message: 'expected startToken and endToken for kind "segment"',
      });
    if (p.startToken !== undefined && p.endToken !== undefined && p.endToken <= p.startToken)
      ctx.addIssue({
        code: 'custom',
        path: ['endToken'],
        message: `expected endToken > startToken ${p.startToken}, got ${p.endToken}`,
      });
  });
export type RequestProgress = z.infer<typeof requestProgressSchema>;

/** One engine iteration: when it started, how long it took and what it batched. */
export const iterationSampleSchema = z.object({
  startMs: timestampMs,
  durationMs,
  prefillTokens: tokenCount,
  decodeRequests: boundedInt(LIMITS.seqs),
});
export type IterationSample = z.infer<typeof iterationSampleSchema>;

/** The engine knobs a snapshot reports (vLLM names in camelCase). */
export const engineConfigSchema = z.object({
  maxNumBatchedTokens: boundedInt(LIMITS.batchTokens).min(1),
  maxNumSeqs: boundedInt(LIMITS.seqs).min(1),
  enableChunkedPrefill: z.boolean(),
  blockSize: boundedInt(LIMITS.blockSizeTokens).min(1),
  /** Share of KV blocks kept free at admission. */
  watermark: z.number().min(0).max(1).optional(),
  /** Longest prefill pass admitted. */
  maxModelLen: tokenCount.min(1).optional(),
});
export type EngineConfig = z.infer<typeof engineConfigSchema>;

/**
 * What an agent's engine can do. The planner plans only what the chosen instances can do and the
 * gateway refuses a request field no instance can honour.
 */
export const engineCapabilitiesSchema = z.object({
  /** Prefill on one instance, decode on another (KV hand-off). */
  pdSplit: z.boolean(),
  /** A prompt's prefill split over several instances. */
  splitPrefill: z.boolean(),
  /** Stop strings. */
  stop: z.boolean(),
  /** Per-token log probabilities. */
  logprobs: z.boolean(),
  /** Sampling fields (temperature, top_p, top_k, min_p, penalties, seed). */
  sampling: z.boolean(),
  /**
   * Which sampling fields (`SamplingParams` names: `temperature`, `topP`, …) it honours, when
   * not all of them.
   */
  samplingFields: z.array(z.string().max(32)).max(16).optional(),
  /** Longest context (prompt + output) in tokens. */
  maxModelLen: tokenCount.min(1),
  /**
   * Reuses the KV of a prompt's leading blocks it already holds (automatic prefix caching: vLLM's
   * `--enable-prefix-caching`, SGLang's radix cache, llama.cpp's prompt cache). `false`: every
   * prompt is prefilled whole there, and balancers count no cache hits on it — neither from its
   * cache events nor guessed from the prompts placed on it.
   */
  prefixCaching: z.boolean(),
});
export type EngineCapabilities = z.infer<typeof engineCapabilitiesSchema>;

const coefficient = z.number().min(-1e6).max(1e6);

/**
 * A latency profile the agent calibrated online from its engine's iterations: the announced
 * profile (`baseProfile`: model, KV, knots) with these coefficients. Estimators predict this
 * agent with it.
 */
export const latencyCalibrationSchema = z.object({
  baseProfile: nameString,
  /** Grows with every refit; a subscriber rebuilds only when it changes. */
  version: boundedInt(LIMITS.seq),
  observations: boundedInt(LIMITS.seq),
  /** Median relative error of the fit over its window. */
  medianError: z.number().min(0).max(1e6),
  latency: z.object({
    knots: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]),
    b0: coefficient,
    b1: coefficient,
    b2: coefficient,
    b3: coefficient,
    /** Per-token slope from the first token (engines that are not flat below the first knot). */
    m0: coefficient.optional(),
    c2: coefficient,
    c4: coefficient,
  }),
  cpuOverhead: z.object({
    fixedMs: z.number().min(0).max(1e6),
    perSeqMs: z.number().min(0).max(1e6),
  }),
});
export type LatencyCalibration = z.infer<typeof latencyCalibrationSchema>;

/**
 * agent → balancer, planner, estimator (`adagen.v1.agent.<instanceId>.state`). `seq` increases
 * by one per snapshot, so a subscriber can detect lost snapshots. Times are fleet-clock ms.
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
    /** Admitted requests in FCFS order, then `held` ones (they keep KV). */
    running: z.array(requestProgressSchema).max(LIMITS.requestsPerInstance),
    /** Waiting requests in queue order. */
    waiting: z.array(requestProgressSchema).max(LIMITS.requestsPerInstance),
    recentIterations: z.array(iterationSampleSchema).max(LIMITS.iterationSamples),
    /** Start of the iteration in progress, if any (the snapshot shows it as formed). */
    busySinceMs: timestampMs.optional(),
    /** When the iteration in progress is expected to end. */
    busyUntilMs: timestampMs.optional(),
    capabilities: engineCapabilitiesSchema.optional(),
    calibration: latencyCalibrationSchema.optional(),
  })
  .refine((s) => s.kv.usedBlocks <= s.kv.totalBlocks, {
    error: 'expected usedBlocks <= totalBlocks',
    path: ['kv', 'usedBlocks'],
  });
export type InstanceState = z.infer<typeof instanceStateSchema>;

/**
 * What changed in one request since the state a delta applies to: its id and only the fields
 * whose value changed (a field that became absent makes the agent send the whole request in
 * `put` instead).
 */
export const requestPatchSchema = z.object({
  id: idSchema,
  phase: requestPhase.optional(),
  prefilledTokens: tokenCount.optional(),
  generatedTokens: tokenCount.optional(),
  firstTokenAtMs: timestampMs.optional(),
  preemptions: boundedInt(LIMITS.seq).optional(),
  predictedOutputTokens: tokenCount.optional(),
  maxTokens: tokenCount.optional(),
  cachedTokens: tokenCount.optional(),
});
export type RequestPatch = z.infer<typeof requestPatchSchema>;

const requestIds = z.array(idSchema).max(LIMITS.requestsPerInstance);

/**
 * agent → balancer, planner, estimator (`adagen.v1.agent.<instanceId>.state`, beside the full
 * `InstanceState`): the change from the state numbered `baseSeq` (taken at `baseAtMs`) to this
 * one, numbered `seq`. A receiver applies it only on top of exactly that state; otherwise (a
 * lost message, a restarted agent) it ignores deltas until the next full state, which the agent
 * sends periodically and whenever its profile, engine settings, capabilities or calibration
 * change.
 *
 * Applying: requests in `removed` go; with `decodeSteps`, every request `decoding` in the base
 * state and in no other list gained that many generated tokens (one per iteration since); `patch`
 * entries merge into the request of that id; `put` entries replace (or add) whole requests. `running` / `waiting`, when present, are the new id
 * orders; when absent, an order is the previous one without the requests that left it, then
 * the requests that joined it — those from the other list in their previous order, then new
 * ones in `put` order — where a request is in `waiting` iff its phase is `waiting`.
 * `iterations` are appended to the previous samples, keeping the last `iterationsKept`.
 */
export const instanceStateDeltaSchema = z
  .object({
    v: versionField,
    type: z.literal('instance_state_delta'),
    instanceId: idSchema,
    seq: seqNumber,
    baseSeq: seqNumber,
    baseAtMs: timestampMs,
    atMs: timestampMs,
    status: z.enum(['ready', 'draining']),
    usedBlocks: boundedInt(LIMITS.kvBlocks),
    removed: requestIds,
    decodeSteps: tokenCount.min(1).optional(),
    patch: z.array(requestPatchSchema).max(LIMITS.requestsPerInstance),
    put: z.array(requestProgressSchema).max(LIMITS.requestsPerInstance),
    running: requestIds.optional(),
    waiting: requestIds.optional(),
    iterations: z.array(iterationSampleSchema).max(LIMITS.iterationSamples),
    iterationsKept: boundedInt(LIMITS.iterationSamples),
    busySinceMs: timestampMs.optional(),
    busyUntilMs: timestampMs.optional(),
  })
  .refine((d) => d.baseSeq < d.seq, {
    error: 'expected baseSeq < seq',
    path: ['baseSeq'],
  });
export type InstanceStateDelta = z.infer<typeof instanceStateDeltaSchema>;

/** Either message on an agent's state subject. */
export const stateMessageSchema = z.discriminatedUnion('type', [
  instanceStateSchema,
  instanceStateDeltaSchema,
]);
export type StateMessage = z.infer<typeof stateMessageSchema>;

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
  capabilities: engineCapabilitiesSchema.optional(),
});
export type AgentAnnounce = z.infer<typeof agentAnnounceSchema>;

/**
 * gateway → agent (`adagen.v1.agent.<instanceId>.probe`, request/reply): is this agent still
 * there? Sent when its state is overdue. An answer means slow, not dead; "no responders" means
 * its NATS connection is gone.
 */
export const agentProbeSchema = z.object({
  v: versionField,
  type: z.literal('agent_probe'),
  atMs: timestampMs,
});
export type AgentProbe = z.infer<typeof agentProbeSchema>;

export const probeAckSchema = z.object({
  v: versionField,
  type: z.literal('probe_ack'),
  instanceId: idSchema,
  /** Requests the agent holds now. */
  holding: boundedInt(LIMITS.requestsPerInstance * 16),
  atMs: timestampMs,
});
export type ProbeAck = z.infer<typeof probeAckSchema>;
