/**
 * Faults at the edges of a request: a client that disconnects mid-stream (or before a whole
 * response) cancels the request at the agent, which frees its KV at once; a distributed plan
 * whose parts were only partly dispatched (an agent missing, or one that never answers) is
 * rolled back, so the parts that were accepted free their KV instead of waiting for a hand-off.
 */
import { request as httpRequest } from 'node:http';
import type { ExecutionPlan, Placement } from '@adagen/protocol';
import { dispatchPlan } from '@adagen/svc-planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from '../fleet/in-process.js';
import { startInProcessFleet } from '../fleet/in-process.js';
import type { NatsServer } from '../natsServer.js';
import { startNatsServer } from '../natsServer.js';
import type { Outcome } from './client.js';
import { metricValue, waitFor } from './metrics.js';
import { summarize } from './tally.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

/** Sends a request and destroys the connection after `afterTokens` chunks (0: after headers). */
function disconnectAfter(url: string, stream: boolean, afterTokens: number): Promise<number> {
  const payload = JSON.stringify({
    model: MODEL,
    prompt: 'disconnect me '.repeat(50),
    max_tokens: 3000,
    ignore_eos: true,
    stream,
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    let tokens = 0;
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (t: string) => {
        tokens += (t.match(/"finish_reason":null/g) ?? []).length;
        if (tokens >= afterTokens) {
          req.destroy();
          resolve(tokens);
        }
      });
    });
    req.on('error', () => undefined);
    req.end(payload);
    // A whole (non-streaming) response sends nothing before the end: leave once it runs.
    if (!stream) setTimeout(() => (req.destroy(), resolve(0)), afterTokens).unref();
    setTimeout(() => reject(new Error('no tokens within 10 s')), 10_000).unref();
  });
}

function placementFor(requestId: string, promptTokens: number): Placement {
  const now = Date.now();
  const request = {
    v: 1 as const,
    type: 'inference_request' as const,
    requestId,
    gatewayId: 'gw-test',
    attempt: 0,
    receivedAtMs: now,
    deadlineAtMs: now + 30_000,
    model: MODEL,
    endpoint: 'completions' as const,
    promptTokens,
    maxTokens: 50,
    stream: true,
    targetOutputTokens: 40,
  };
  return {
    v: 1,
    type: 'placement',
    classification: {
      v: 1,
      type: 'classification',
      request,
      promptTokens,
      predictedOutputTokens: 40,
      class: { prefill: 'long', decode: 'short' },
      thresholds: { longPrefillTokens: 1000, longDecodeTokens: 100 },
    },
    instanceId: 'agent-0',
    policy: 'test',
    candidates: [],
  };
}

describe('cancels and rollbacks', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({ natsUrl: nats.url, agents: 2, policy: 'round-robin' });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  const idle = () =>
    fleet.agents.every(
      (a) => a.agent.activeRequests === 0 && a.agent.snapshot().kv.usedBlocks === 0,
    );

  it('a client gone mid-stream or before its response: the agent cancels it and frees its KV', async () => {
    const url = `${fleet.url}/v1/completions`;
    const cancelled = () => fleet.agents.reduce((s, a) => s + a.agent.counts.cancelled, 0);
    const tokens = await disconnectAfter(url, true, 5);
    expect(tokens).toBeGreaterThanOrEqual(5);
    const freedMs = await waitFor('the agent freed the stream’s KV', idle, 3000);
    expect(cancelled()).toBe(1);
    await disconnectAfter(url, false, 300);
    await waitFor('the agent freed the whole response’s KV', idle, 3000);
    expect(cancelled()).toBe(2);
    expect(fleet.gateway.inFlight()).toBe(0);
    expect(
      await metricValue(fleet.gateway.registry, 'adagen_requests_total', {
        outcome: 'client_closed',
      }),
    ).toBe(2);
    expect(
      await metricValue(fleet.gateway.registry, 'adagen_gateway_cancels_total', {
        reason: 'client_closed',
      }),
    ).toBe(2);
    const outcomes: Outcome[] = [0, 1].map(() => ({
      kind: 'failed',
      code: 'client_closed',
      status: 0,
      tokens: 0,
      headers: {},
      ms: 0,
    }));
    summarize(
      'client disconnected (stream after 5 tokens; whole response after 300 ms)',
      outcomes,
      {
        'cancelled at the agent': cancelled(),
        'KV freed after (ms)': Math.round(freedMs),
      },
    );
  });

  it('rolls back a half-dispatched plan: a missing agent, or one that never answers', async () => {
    const nc = fleet.gateway.nc;
    const silent = nc.subscribe('adagen.v1.agent.silent.dispatch'); // takes it, never answers
    // The decode part on agent-1 is accepted and waits for KV that will never come: without a
    // rollback it would hold its slot until the request's deadline (30 s).
    const cases: Array<[string, ExecutionPlan]> = [
      ['missing', { kind: 'pd-split', prefillInstanceId: 'ghost', decodeInstanceId: 'agent-1' }],
      [
        'silent',
        {
          kind: 'split-prefill',
          segments: [
            { instanceId: 'agent-0', startToken: 0, endToken: 2000 },
            { instanceId: 'silent', startToken: 2000, endToken: 3000 },
          ],
          decodeInstanceId: 'agent-1',
        },
      ],
    ];
    const outcomes: Outcome[] = [];
    const unreachable: string[] = [];
    try {
      for (const [name, plan] of cases) {
        const before = fleet.agents.map((a) => a.agent.counts.cancelled);
        const p = placementFor(`rollback${name}`, 3000);
        const error = await dispatchPlan(nc, plan, p, 500, Date.now, (id) =>
          unreachable.push(id),
        ).then(
          () => undefined,
          (e: unknown) => e as { code: string; message: string },
        );
        expect(error, name).toBeDefined();
        outcomes.push({
          kind: 'failed',
          code: error!.code,
          message: error!.message,
          status: 0,
          tokens: 0,
          headers: {},
          ms: 0,
        });
        await waitFor(`${name}: every accepted part freed its KV`, idle, 3000);
        const after = fleet.agents.map((a) => a.agent.counts.cancelled);
        expect(after[1]! - before[1]!, `${name}: the decode part on agent-1 was cancelled`).toBe(1);
      }
    } finally {
      silent.unsubscribe();
    }
    // Nobody serves the ghost's dispatch subject: it is gone (instance_failed, reported so the
    // planner and balancer stop placing on it); the silent one may only be slow.
    expect(outcomes.map((o) => o.code)).toEqual(['instance_failed', 'deadline_exceeded']);
    expect(outcomes[0]!.message).toMatch(/agent ghost is unreachable/);
    expect(unreachable).toEqual(['ghost']);
    summarize('half-dispatched distributed plan rolled back', outcomes, {
      'agents left holding KV': fleet.agents.filter((a) => a.agent.activeRequests > 0).length,
    });
  });
});
