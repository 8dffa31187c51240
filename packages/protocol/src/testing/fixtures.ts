/** Valid sample messages, one per schema, for round-trip and rejection tests. */
import type { MessageName } from '../messages.js';
import type { AgentDispatch } from '../messages/dispatch.js';
import type { Classification, InferenceRequest, Placement } from '../messages/request.js';
import type { InstanceState } from '../messages/state.js';

const inferenceRequest: InferenceRequest = {
  v: 1,
  type: 'inference_request',
  requestId: 'req-0001',
  gatewayId: 'gw_a',
  attempt: 0,
  receivedAtMs: 1_700_000_000_000,
  deadlineAtMs: 1_700_000_030_000,
  model: 'meta-llama/Llama-3-8B',
  endpoint: 'chat',
  prompt: 'Hello, world — ünïcödé ✓',
  promptTokens: 12,
  maxTokens: 256,
  stream: true,
  sampling: { temperature: 0.7, topP: 0.9, stop: ['\n\n'], seed: 42 },
  tenant: 'team-a',
  targetOutputTokens: 100,
};

const classification: Classification = {
  v: 1,
  type: 'classification',
  request: inferenceRequest,
  promptTokens: 12,
  predictedOutputTokens: 80,
  class: { prefill: 'short', decode: 'long' },
  thresholds: { longPrefillTokens: 1024, longDecodeTokens: 64 },
};

const placement: Placement = {
  v: 1,
  type: 'placement',
  classification,
  instanceId: 'gpu-1',
  policy: 'adagen',
  predicted: { ttftMs: 35.5, tpotMs: 21.25 },
  candidates: [
    { instanceId: 'gpu-1', predicted: { ttftMs: 35.5, tpotMs: 21.25 }, score: 0.1 },
    { instanceId: 'gpu-2', score: -3 },
  ],
  decidedInMs: 0.4,
};

const agentDispatch: AgentDispatch = {
  v: 1,
  type: 'agent_dispatch',
  requestId: 'req-0001',
  attempt: 1,
  instanceId: 'gpu-2',
  plan: {
    kind: 'split-prefill',
    segments: [
      { instanceId: 'gpu-1', startToken: 0, endToken: 5000 },
      { instanceId: 'gpu-2', startToken: 5000, endToken: 12000 },
    ],
    decodeInstanceId: 'gpu-3',
  },
  role: 'segment',
  segment: { startToken: 5000, endToken: 12000 },
  request: {
    model: 'meta-llama/Llama-3-8B',
    prompt: 'long prompt',
    promptTokens: 12000,
    maxTokens: 512,
    predictedOutputTokens: 200,
    streamSubject: 'adagen.v1.stream.gw_a.req-0001',
    deadlineAtMs: 1_700_000_030_000,
    arrivalMs: 1_700_000_000_000,
  },
  kvPeerInstanceId: 'gpu-3',
};

const instanceState: InstanceState = {
  v: 1,
  type: 'instance_state',
  instanceId: 'gpu-1',
  seq: 41,
  atMs: 1_700_000_000_500,
  status: 'ready',
  engine: 'sim',
  profile: 'llama3-8b-a100',
  config: { maxNumBatchedTokens: 2048, maxNumSeqs: 256, chunkedPrefill: true, blockSize: 16 },
  kv: { totalBlocks: 10_000, usedBlocks: 1200 },
  running: [
    {
      requestId: 'r1',
      role: 'full',
      promptTokens: 900,
      prefilledTokens: 900,
      generatedTokens: 30,
      maxTokens: 256,
      predictedOutputTokens: 120,
      arrivalMs: 1_700_000_000_000,
    },
  ],
  waiting: [
    {
      requestId: 'r2',
      role: 'segment',
      promptTokens: 12000,
      prefilledTokens: 0,
      generatedTokens: 0,
      maxTokens: 10,
      arrivalMs: 1_700_000_000_100,
      segment: { startToken: 0, endToken: 6000 },
    },
  ],
  recentIterations: [{ durationMs: 18.2, prefillTokens: 512, decodeRequests: 31 }],
  busyUntilMs: 1_700_000_000_510,
};

/** One valid value per catalogued schema. */
export const VALID_MESSAGES: Record<MessageName, unknown> = {
  inferenceRequest,
  classification,
  placement,
  placementNotice: {
    v: 1,
    type: 'placement_notice',
    balancerId: 'bal-1',
    requestId: 'req-0001',
    instanceId: 'gpu-1',
    promptTokens: 12,
    predictedOutputTokens: 80,
    atMs: 1_700_000_000_001,
  },
  executionPlan: { kind: 'pd-split', prefillInstanceId: 'gpu-1', decodeInstanceId: 'gpu-2' },
  planResult: {
    v: 1,
    type: 'plan_result',
    requestId: 'req-0001',
    attempt: 0,
    plan: { kind: 'single', instanceId: 'gpu-1' },
    dispatchedAtMs: 1_700_000_000_002,
  },
  agentDispatch,
  dispatchAck: {
    v: 1,
    type: 'dispatch_ack',
    status: 'rejected',
    requestId: 'req-0001',
    attempt: 0,
    instanceId: 'gpu-1',
    error: { code: 'overloaded', message: 'queue full' },
  },
  kvHandoffNotice: {
    v: 1,
    type: 'kv_ready',
    requestId: 'req-0001',
    attempt: 1,
    fromInstanceId: 'gpu-1',
    toInstanceId: 'gpu-3',
    range: { startToken: 0, endToken: 5000 },
    kvBlocks: 313,
    atMs: 1_700_000_000_900,
  },
  tokenChunk: {
    v: 1,
    type: 'token',
    requestId: 'req-0001',
    attempt: 0,
    instanceId: 'gpu-1',
    seq: 0,
    text: 'Hi',
    tokenCount: 1,
    atMs: 1_700_000_000_040,
  },
  outcome: {
    v: 1,
    type: 'done',
    requestId: 'req-0001',
    attempt: 0,
    instanceId: 'gpu-1',
    finishReason: 'length',
    usage: { promptTokens: 12, completionTokens: 256 },
    timings: { ttftMs: 40, e2eMs: 5400.5 },
    atMs: 1_700_000_005_400,
  },
  streamMessage: {
    v: 1,
    type: 'error',
    requestId: 'req-0001',
    attempt: 2,
    code: 'deadline_exceeded',
    message: 'deadline passed while queued',
    retryable: false,
    atMs: 1_700_000_030_000,
  },
  instanceState,
  agentAnnounce: {
    v: 1,
    type: 'agent_announce',
    instanceId: 'gpu-1',
    status: 'up',
    profile: 'llama3-8b-a100',
    engine: 'http',
    atMs: 1_700_000_000_000,
    statePeriodMs: 100,
  },
  completionRecord: {
    v: 1,
    type: 'completion_record',
    requestId: 'req-0001',
    instanceIds: ['gpu-1', 'gpu-2'],
    model: 'meta-llama/Llama-3-8B',
    promptTokens: 12,
    outputTokens: 200,
    maxTokens: 256,
    predictedOutputTokens: 80,
    planKind: 'pd-split',
    arrivalMs: 1_700_000_000_000,
    firstTokenAtMs: 1_700_000_000_040,
    finishedAtMs: 1_700_000_004_000,
    ttftMs: 40,
    tpotMs: 19.9,
    finishReason: 'stop',
  },
  estimateRequest: {
    v: 1,
    type: 'estimate_request',
    instanceIds: ['gpu-1', 'gpu-2'],
    additions: [{ promptTokens: 12, predictedOutputTokens: 80, role: 'full' }],
    horizonMs: 10_000,
  },
  estimateResponse: {
    v: 1,
    type: 'estimate_response',
    perInstance: [
      {
        instanceId: 'gpu-1',
        newRequest: { ttftMs: 30, tpotMs: 20 },
        affected: [{ requestId: 'r1', tpotMs: 22, ttftMs: 5 }],
        iterations: 412,
        horizonReached: false,
      },
    ],
  },
};

/** A deep copy of a valid message, to break in one place. */
export function sample<T = Record<string, unknown>>(name: MessageName): T {
  return structuredClone(VALID_MESSAGES[name]) as T;
}
