/** planner → agent dispatch, the agent's acknowledgement, and agent ↔ agent KV hand-off. */
import { z } from 'zod';
import { errorCodeSchema } from '../errors.js';
import { LIMITS } from '../limits.js';
import { parseSubject } from '../subjects.js';
import { executionPlanSchema } from './plan.js';
import {
  chatMessageSchema,
  priorityField,
  promptTokenIdsSchema,
  requestSloSchema,
  samplingParams,
} from './request.js';
import type { ExecutionPlan } from './plan.js';
import {
  attempt,
  boundedInt,
  durationMs,
  idSchema,
  messageString,
  nameString,
  requestRole,
  timestampMs,
  tokenCount,
  tokenRange,
  versionField,
} from './primitives.js';

const streamSubject = z
  .string()
  .max(200)
  .refine(
    (s) => {
      const parsed = parseSubject(s);
      return parsed.ok && parsed.value.kind === 'stream' && parsed.value.instanceId === undefined;
    },
    { error: 'expected adagen.v1.stream.<gatewayId>.<requestId> (the agent appends its id)' },
  );

/**
 * What an agent needs to run its part of a request: the request itself (prompt text, token ids
 * or chat messages; sampling and stop), as a real engine needs it, and the lengths the policies
 * planned with.
 */
export const dispatchRequestSchema = z.object({
  model: nameString,
  endpoint: z.enum(['completions', 'chat']).optional(),
  prompt: z.string().max(LIMITS.promptChars).optional(),
  promptTokenIds: promptTokenIdsSchema.optional(),
  messages: z.array(chatMessageSchema).min(1).max(LIMITS.chatMessages).optional(),
  sampling: samplingParams.optional(),
  promptTokens: tokenCount,
  maxTokens: boundedInt(LIMITS.tokens).min(1),
  predictedOutputTokens: tokenCount,
  /** Load testing: generate exactly this many tokens (an engine-side hint). */
  targetOutputTokens: tokenCount.optional(),
  /** Where tokens and the terminal outcome go. */
  streamSubject,
  deadlineAtMs: timestampMs,
  arrivalMs: timestampMs,
  tenant: nameString.optional(),
  /** The client's own latency targets, for the completion record. */
  slo: requestSloSchema.optional(),
  /** The TTFT the policy predicted for this placement (fleet ms), for the completion record. */
  predictedTtftMs: durationMs.optional(),
  /** …and its engine part, from the request reaching the agent (see `Placement`). */
  predictedEngineTtftMs: durationMs.optional(),
  priority: priorityField.optional(),
});
export type DispatchRequest = z.infer<typeof dispatchRequestSchema>;

/** planner → agent (`adagen.v1.agent.<instanceId>.dispatch`, request/reply). */
export const agentDispatchSchema = z
  .object({
    v: versionField,
    type: z.literal('agent_dispatch'),
    requestId: idSchema,
    attempt,
    /** The agent this dispatch is for. */
    instanceId: idSchema,
    plan: executionPlanSchema,
    role: requestRole,
    /** Bounds of this instance's prefill segment; required when role is `segment`. */
    segment: tokenRange.optional(),
    request: dispatchRequestSchema,
    /** The instance to hand KV to; required for roles `prefill` and `segment`. */
    kvPeerInstanceId: idSchema.optional(),
  })
  .superRefine((d, ctx) => {
    for (const problem of dispatchProblems(d.plan, d.role, d)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    }
  });
export type AgentDispatch = z.infer<typeof agentDispatchSchema>;

type DispatchShape = Pick<AgentDispatch, 'instanceId' | 'segment' | 'kvPeerInstanceId' | 'request'>;

interface DispatchProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Checks that role, segment bounds, KV peer and prompt length agree with the plan. */
function dispatchProblems(
  plan: ExecutionPlan,
  role: AgentDispatch['role'],
  d: DispatchShape,
): DispatchProblem[] {
  const problems: DispatchProblem[] = [];
  const needsPeer = role === 'prefill' || role === 'segment';
  if (needsPeer && d.kvPeerInstanceId === undefined)
    problems.push({ path: ['kvPeerInstanceId'], message: `required for role "${role}"` });
  if (role === 'segment' && d.segment === undefined)
    problems.push({ path: ['segment'], message: 'required for role "segment"' });
  const allowed: Record<ExecutionPlan['kind'], readonly string[]> = {
    single: ['full'],
    'pd-split': ['prefill', 'decode'],
    'split-prefill': ['segment', 'decode'],
  };
  if (!allowed[plan.kind].includes(role))
    problems.push({
      path: ['role'],
      message: `expected ${allowed[plan.kind].join(' or ')} for a ${plan.kind} plan, got "${role}"`,
    });
  if (plan.kind === 'split-prefill') {
    const lastIndex = plan.segments.length - 1;
    const last = plan.segments[lastIndex];
    if (last !== undefined && last.endToken !== d.request.promptTokens)
      problems.push({
        path: ['plan', 'segments', lastIndex, 'endToken'],
        message: `expected ${d.request.promptTokens} (segments must cover [0, promptTokens)), got ${last.endToken}`,
      });
    if (role === 'segment' && d.segment !== undefined) {
      const { startToken, endToken } = d.segment;
      const mine = plan.segments.find(
        (s) =>
          s.instanceId === d.instanceId && s.startToken === startToken && s.endToken === endToken,
      );
      if (mine === undefined)
        problems.push({
          path: ['segment'],
          message: `no segment of the plan is [${startToken}, ${endToken}) on ${d.instanceId}`,
        });
    }
  }
  return problems;
}

/** agent → planner: reply to a dispatch. `duplicate` means the agent already runs that id. */
export const dispatchAckSchema = z.discriminatedUnion('status', [
  z.object({
    v: versionField,
    type: z.literal('dispatch_ack'),
    status: z.literal('accepted'),
    requestId: idSchema,
    attempt,
    instanceId: idSchema,
    /** Wall-clock epoch ms at which the agent queued the work (control-plane benchmarks). */
    acceptedAtMs: timestampMs.optional(),
  }),
  z.object({
    v: versionField,
    type: z.literal('dispatch_ack'),
    status: z.literal('duplicate'),
    requestId: idSchema,
    attempt,
    instanceId: idSchema,
  }),
  z.object({
    v: versionField,
    type: z.literal('dispatch_ack'),
    status: z.literal('rejected'),
    requestId: idSchema,
    attempt,
    instanceId: idSchema,
    error: z.object({ code: errorCodeSchema, message: messageString }),
  }),
]);
export type DispatchAck = z.infer<typeof dispatchAckSchema>;

/**
 * The stream of a P/D split handed from the prefill agent (which streamed the first token) to the
 * decode agent: chunks sent, text held back as a possible start of a stop string, and whether a
 * stop string already ended the request.
 */
export const kvStreamStateSchema = z.object({
  chunks: boundedInt(LIMITS.seq),
  heldText: z.string().max(LIMITS.stopSequenceChars),
  heldTokens: tokenCount,
  finished: z.boolean(),
});
export type KvStreamState = z.infer<typeof kvStreamStateSchema>;

/** Most characters of an engine's KV-transfer parameters, as JSON. */
const ENGINE_TRANSFER_CHARS = 16_384;

export const engineTransferSchema = z.object({
  dialect: z.enum(['nixl', 'sglang']),
  params: z
    .record(z.string().max(64), z.json())
    .refine((p) => JSON.stringify(p).length <= ENGINE_TRANSFER_CHARS, {
      error: `expected at most ${ENGINE_TRANSFER_CHARS} characters of JSON`,
    }),
});
export type EngineTransfer = z.infer<typeof engineTransferSchema>;

/**
 * agent → agent (`adagen.v1.agent.<toInstanceId>.kv.<fromInstanceId>`): KV for a token range of a split plan is
 * ready to pull (`kv_ready`), or will not come (`kv_aborted`).
 */
export const kvHandoffNoticeSchema = z.discriminatedUnion('type', [
  z.object({
    v: versionField,
    type: z.literal('kv_ready'),
    requestId: idSchema,
    attempt,
    fromInstanceId: idSchema,
    toInstanceId: idSchema,
    range: tokenRange,
    kvBlocks: boundedInt(LIMITS.kvBlocks),
    atMs: timestampMs,
    /** When the sender emitted the request's first token (a P/D prefill does), fleet clock. */
    firstTokenAtMs: timestampMs.optional(),
    /** P/D split: the stream as the prefill agent left it. */
    stream: kvStreamStateSchema.optional(),
    /**
     * P/D split over the engines' own KV connector (agents with the `http` backend): what the
     * decode agent passes to its engine — vLLM NixlConnector's `kv_transfer_params` from the
     * prefill leg's response, verbatim (`nixl`), or SGLang's bootstrap fields (`sglang`).
     */
    engineTransfer: engineTransferSchema.optional(),
  }),
  z.object({
    v: versionField,
    type: z.literal('kv_aborted'),
    requestId: idSchema,
    attempt,
    fromInstanceId: idSchema,
    toInstanceId: idSchema,
    code: errorCodeSchema,
    message: messageString,
    atMs: timestampMs,
  }),
]);
export type KvHandoffNotice = z.infer<typeof kvHandoffNoticeSchema>;
