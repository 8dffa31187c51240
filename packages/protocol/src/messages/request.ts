/** The request path up to placement: gateway → classifier → balancer. */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { promptPrefixSchema } from './cache.js';
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

/**
 * How the engine picks tokens (OpenAI and vLLM fields, camelCase). Every field travels to the
 * engine; the simulated engine uses `seed` and `stop` and records the rest.
 */
export const samplingParams = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  /** vLLM's `top_k`; -1 (or 0) turns it off. */
  topK: z.int().min(-1).max(1_000_000).optional(),
  minP: z.number().min(0).max(1).optional(),
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  presencePenalty: z.number().min(-2).max(2).optional(),
  repetitionPenalty: z.number().gt(0).max(10).optional(),
  /** vLLM's `min_tokens`: no end of generation before this many tokens. */
  minTokens: boundedInt(LIMITS.tokens).min(1).optional(),
  /** Generation ends before the first of these strings; it is not part of the text. */
  stop: z
    .array(z.string().min(1).max(LIMITS.stopSequenceChars))
    .min(1)
    .max(LIMITS.stopSequences)
    .optional(),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type SamplingParams = z.infer<typeof samplingParams>;

/** One chat message as the engine receives it (content parts joined into text). */
export const chatMessageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.string().max(LIMITS.promptChars),
  name: nameString.optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** Why `v` is not a prompt's token ids (1 to `LIMITS.tokens` integers), or undefined. */
export function tokenIdsProblem(v: unknown): string | undefined {
  if (!Array.isArray(v))
    return `expected a list of token ids, got ${v === null ? 'null' : typeof v}`;
  if (v.length < 1) return 'expected at least one token id';
  if (v.length > LIMITS.tokens)
    return `expected at most ${LIMITS.tokens} token ids, got ${v.length}`;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > LIMITS.tokenId)
      return `item ${i}: expected an integer from 0 to ${LIMITS.tokenId}, got ${typeof x === 'number' ? x : typeof x}`;
  }
  return undefined;
}

/**
 * A prompt given as token ids, checked in one loop: the ids cross every hop of the decision
 * chain, and a schema walk per id cost each hop more than the rest of its message (measured:
 * 15 µs against 0.6 µs for 128 ids, hot; 37 against 7.5 cold).
 */
export const promptTokenIdsSchema = z.custom<number[]>((v) => tokenIdsProblem(v) === undefined, {
  error: (issue) => tokenIdsProblem(issue.input) ?? 'expected a list of token ids',
});

/**
 * Per-request latency targets (the `x-slo-ttft-ms` / `x-slo-tpot-ms` headers, as the Gateway API
 * Inference Extension proposes); a missing one falls back to the fleet's SLO.
 */
export const requestSloSchema = z.object({
  ttftMs: durationMs.min(1).optional(),
  tpotMs: durationMs.min(1).optional(),
});
export type RequestSlo = z.infer<typeof requestSloSchema>;

/** Scheduling priority (`x-priority`): higher is more important. @default 0 */
export const priorityField = z.int().min(-1000).max(1000);

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
    /** Completions: the prompt text. */
    prompt: z.string().max(LIMITS.promptChars).optional(),
    /** Completions: the prompt as token ids. */
    promptTokenIds: promptTokenIdsSchema.optional(),
    /** Chat: the messages (the classifier renders them to count tokens). */
    messages: z.array(chatMessageSchema).min(1).max(LIMITS.chatMessages).optional(),
    promptTokens: tokenCount.optional(),
    /**
     * The client's cap on generated tokens. Absent: the client gave none, and the cap is the
     * room left in the context (the balancer fills it in, as vLLM does).
     */
    maxTokens: boundedInt(LIMITS.tokens).min(1).optional(),
    stream: z.boolean(),
    sampling: samplingParams.optional(),
    tenant: nameString.optional(),
    slo: requestSloSchema.optional(),
    priority: priorityField.optional(),
    /**
     * Load testing: produce exactly this many output tokens (ignore EOS). An engine-side hint:
     * it travels to the agent, and no policy reads it.
     */
    targetOutputTokens: tokenCount.optional(),
  })
  .refine(
    (r) =>
      r.prompt !== undefined ||
      r.promptTokenIds !== undefined ||
      r.messages !== undefined ||
      r.promptTokens !== undefined,
    { error: 'expected prompt, promptTokenIds, messages or promptTokens', path: ['prompt'] },
  )
  .refine((r) => r.deadlineAtMs >= r.receivedAtMs, {
    error: 'expected deadlineAtMs >= receivedAtMs',
    path: ['deadlineAtMs'],
  })
  .refine(
    (r) =>
      r.targetOutputTokens === undefined ||
      r.maxTokens === undefined ||
      r.targetOutputTokens <= r.maxTokens,
    { error: 'expected targetOutputTokens <= maxTokens', path: ['targetOutputTokens'] },
  );
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
  /**
   * The prompt's chained block hashes (from its token ids), for prefix-cache-aware placement;
   * absent when the classifier does not hash prompts.
   */
  prefix: promptPrefixSchema.optional(),
});
export type Classification = z.infer<typeof classificationSchema>;

/**
 * The balance step's layout estimate of the request on one candidate (the estimator's
 * `Estimate`), carried to the planner so it does not compute the same layout again. Times not
 * reached within the estimator's horizon are absent.
 */
export const layoutEstimateSchema = z.object({
  nowMs: timestampMs,
  iterations: boundedInt(LIMITS.seq),
  horizonReached: z.boolean(),
  firstTokenAtMs: timestampMs.optional(),
  prefillDoneAtMs: timestampMs.optional(),
  ttftMs: durationMs,
  tpotMs: durationMs,
  newlyViolated: boundedInt(LIMITS.requestsPerInstance * 16),
  alreadyViolated: boundedInt(LIMITS.requestsPerInstance * 16),
  addedDelayMs: durationMs,
  meanIterationMs: durationMs,
});
export type LayoutEstimate = z.infer<typeof layoutEstimateSchema>;

export const placementCandidateSchema = z.object({
  instanceId: idSchema,
  predicted: latencyPrediction.optional(),
  /** The balance step's estimate on this candidate (predictive policies). */
  estimate: layoutEstimateSchema.optional(),
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
  /**
   * The predicted TTFT counted from the request reaching its agent (the prediction less the
   * time already spent and the control delay the policy assumes): the engine's part.
   */
  predictedEngineTtftMs: durationMs.optional(),
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
    /**
     * The prompt's block hashes, when the instance publishes no cache events: peers add them to
     * their approximate prefix index as the sender does.
     */
    prefix: promptPrefixSchema.optional(),
  })
  .refine((n) => n.role !== 'segment' || (n.startToken !== undefined && n.endToken !== undefined), {
    error: 'expected startToken and endToken for role "segment"',
    path: ['startToken'],
  });
export type PlacementNotice = z.infer<typeof placementNoticeSchema>;
