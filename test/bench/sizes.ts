/**
 * Encoded sizes of the fleet's control-plane messages for one request, for the bare chain. The
 * request's prompt is `promptTokens` token ids (as the benchmark sends it): the ids travel in
 * every message of the chain, so the bare chain carries them too.
 */
import { classificationToWire, dispatchesFor, placementToWire } from '@adagen/fleet';
import {
  agentDispatchSchema,
  classificationSchema,
  createCodec,
  dispatchAckSchema,
  inferenceRequestSchema,
  placementSchema,
  planResultSchema,
  subjects,
} from '@adagen/protocol';
import type { DispatchAck, InferenceRequest, PlanResult } from '@adagen/protocol';

/** One request's control-plane messages as the fleet sends them (samples for the benches). */
export function chainMessages(promptTokens: number, outputTokens: number) {
  const now = Date.now();
  const request: InferenceRequest = {
    v: 1,
    type: 'inference_request',
    requestId: '0123456789abcdef0123456789abcdef',
    gatewayId: 'gw-abcdef',
    attempt: 0,
    receivedAtMs: now,
    deadlineAtMs: now + 60_000,
    model: 'meta-llama/Meta-Llama-3-8B-Instruct',
    endpoint: 'completions',
    promptTokens,
    promptTokenIds: new Array<number>(promptTokens).fill(264),
    maxTokens: 256,
    stream: true,
    targetOutputTokens: outputTokens,
  };
  const classification = classificationToWire(
    {
      request: { id: request.requestId, arrivalMs: now, promptTokens },
      predictedOutputTokens: 200,
      prefill: 'short',
      decode: 'long',
      thresholds: { prefillTokens: 1024, outputTokens: 256 },
    },
    request,
  );
  const placement = placementToWire(
    {
      classification: {
        request: { id: request.requestId, arrivalMs: now, promptTokens },
        predictedOutputTokens: 200,
        prefill: 'short',
        decode: 'long',
        thresholds: { prefillTokens: 1024, outputTokens: 256 },
      },
      instanceId: 'agent-0',
      candidates: 4,
      prediction: { ttftMs: 40, tpotMs: 14 },
      // The balance step's estimates travel to the planner (one per simulated candidate).
      estimates: [0, 1, 2, 3].map((i) => ({
        instanceId: `agent-${i}`,
        nowMs: now,
        iterations: 24,
        horizonReached: false,
        firstTokenAtMs: now + 40.123,
        prefillDoneAtMs: now + 40.123,
        ttftMs: 40.123,
        tpotMs: 14.567,
        newlyViolated: 0,
        alreadyViolated: 0,
        addedDelayMs: 3.21,
        meanIterationMs: 14.2,
      })),
    },
    classification,
    'adagen',
    0.3,
  );
  const [dispatch] = dispatchesFor(
    { kind: 'single', instanceId: 'agent-0' },
    request.requestId,
    0,
    {
      model: request.model,
      promptTokens,
      maxTokens: 256,
      predictedOutputTokens: 200,
      targetOutputTokens: outputTokens,
      promptTokenIds: request.promptTokenIds,
      streamSubject: subjects.stream(request.gatewayId, request.requestId),
      deadlineAtMs: now + 60_000,
      arrivalMs: now,
    },
  );
  const planResult: PlanResult = {
    v: 1,
    type: 'plan_result',
    requestId: request.requestId,
    attempt: 0,
    plan: { kind: 'single', instanceId: 'agent-0' },
    dispatchedAtMs: now,
    acceptedAtMs: now,
    policy: 'adagen',
    promptTokens,
    predictedOutputTokens: 200,
    decisionMs: { classify: 0.1, balance: 0.3, plan: 0.2 },
  };
  const ack: DispatchAck = {
    v: 1,
    type: 'dispatch_ack',
    status: 'accepted',
    requestId: request.requestId,
    attempt: 0,
    instanceId: 'agent-0',
    acceptedAtMs: now,
  };
  return { request, classification, placement, dispatch: dispatch!, planResult, ack };
}

/** The chain's messages with their schemas, in the order a request meets them. */
export function chainSamples(promptTokens: number, outputTokens: number) {
  const m = chainMessages(promptTokens, outputTokens);
  return [
    { name: 'request', schema: inferenceRequestSchema, value: m.request },
    { name: 'classification', schema: classificationSchema, value: m.classification },
    { name: 'placement', schema: placementSchema, value: m.placement },
    { name: 'dispatch', schema: agentDispatchSchema, value: m.dispatch },
    { name: 'planResult', schema: planResultSchema, value: m.planResult },
    { name: 'ack', schema: dispatchAckSchema, value: m.ack },
  ] as const;
}

/** Encoded sizes of the chain's messages (bytes), for the bare chain. */
export function messageSizes(promptTokens: number, outputTokens: number) {
  const sizes: Record<string, number> = {};
  for (const { name, schema, value } of chainSamples(promptTokens, outputTokens))
    sizes[name] = createCodec<unknown>(schema).encode(value).byteLength;
  return sizes as Record<ReturnType<typeof chainSamples>[number]['name'], number>;
}
