/** Sending a plan's parts to its agents and collecting their acks. */
import { dispatchesFor } from '@adagen/fleet';
import {
  AdagenError,
  agentDispatchSchema,
  createCodec,
  dispatchAckSchema,
  requestCancelSchema,
  subjects,
} from '@adagen/protocol';
import type { DispatchRequest, ExecutionPlan, Placement, RequestCancel } from '@adagen/protocol';
import { isNoResponders, request } from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';

/** What every agent of the plan needs to run its part. */
export function dispatchRequestOf(p: Placement): DispatchRequest {
  const r = p.classification.request;
  if (r.maxTokens === undefined)
    throw new AdagenError('internal', 'placement without maxTokens (the balancer fills it in)');
  const d: DispatchRequest = {
    model: r.model,
    endpoint: r.endpoint,
    promptTokens: p.classification.promptTokens,
    maxTokens: r.maxTokens,
    predictedOutputTokens: p.classification.predictedOutputTokens,
    streamSubject: subjects.stream(r.gatewayId, r.requestId),
    deadlineAtMs: r.deadlineAtMs,
    arrivalMs: r.receivedAtMs,
  };
  if (r.prompt !== undefined) d.prompt = r.prompt;
  if (r.promptTokenIds !== undefined) d.promptTokenIds = r.promptTokenIds;
  if (r.messages !== undefined) d.messages = r.messages;
  if (r.sampling !== undefined) d.sampling = r.sampling;
  if (r.targetOutputTokens !== undefined) d.targetOutputTokens = r.targetOutputTokens;
  if (r.tenant !== undefined) d.tenant = r.tenant;
  if (r.slo !== undefined) d.slo = r.slo;
  if (p.predicted !== undefined) d.predictedTtftMs = p.predicted.ttftMs;
  if (p.predictedEngineTtftMs !== undefined) d.predictedEngineTtftMs = p.predictedEngineTtftMs;
  if (r.priority !== undefined) d.priority = r.priority;
  if (p.classification.prefix !== undefined) d.prefix = p.classification.prefix;
  return d;
}

const cancelCodec = createCodec(requestCancelSchema);

/**
 * Dispatches every part at once. Resolves with the latest `acceptedAtMs` when every agent
 * accepted (or already ran) its part. Otherwise rolls the plan back — a cancel of this attempt
 * to every agent, so parts that were accepted (or whose ack was lost) free their KV at once
 * instead of waiting for the deadline or a hand-off that never comes — and rejects with the
 * first agent's error. An agent nobody answers for (its process is gone) is reported to
 * `onUnreachable` and the error is `instance_failed`, which the balancer and gateway act on.
 */
export async function dispatchPlan(
  nc: NatsConnection,
  plan: ExecutionPlan,
  p: Placement,
  timeoutMs: number,
  nowMs: () => number,
  onUnreachable: (instanceId: string) => void = () => undefined,
): Promise<number | undefined> {
  const r = p.classification.request;
  const parts = dispatchesFor(plan, r.requestId, r.attempt, dispatchRequestOf(p));
  const acks = await Promise.all(
    parts.map((d) =>
      request(nc, subjects.dispatch(d.instanceId), agentDispatchSchema, dispatchAckSchema, d, {
        timeoutMs,
      }),
    ),
  );
  let acceptedAtMs: number | undefined;
  try {
    for (const [i, ack] of acks.entries()) {
      if (!ack.ok && isNoResponders(ack.error)) {
        const id = parts[i]!.instanceId;
        onUnreachable(id);
        throw new AdagenError(
          'instance_failed',
          `agent ${id} is unreachable (${ack.error.message})`,
          {
            cause: ack.error,
          },
        );
      }
      if (!ack.ok) throw ack.error;
      const a = ack.value;
      if (a.status === 'rejected')
        throw new AdagenError(a.error.code, `agent ${a.instanceId}: ${a.error.message}`);
      if (a.status === 'accepted' && a.acceptedAtMs !== undefined)
        acceptedAtMs = Math.max(acceptedAtMs ?? 0, a.acceptedAtMs);
    }
  } catch (error) {
    rollback(nc, r.gatewayId, r.requestId, r.attempt, nowMs());
    throw error;
  }
  return acceptedAtMs;
}

/** Cancels attempt `attempt` (and earlier ones) of a request on every agent. */
export function rollback(
  nc: NatsConnection,
  gatewayId: string,
  requestId: string,
  attempt: number,
  atMs: number,
): void {
  if (nc.isClosed()) return;
  const c: RequestCancel = {
    v: 1,
    type: 'request_cancel',
    requestId,
    upToAttempt: attempt,
    reason: 'rollback',
    atMs,
  };
  nc.publish(subjects.cancel(gatewayId), cancelCodec.encode(c));
}
