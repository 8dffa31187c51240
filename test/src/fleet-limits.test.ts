/**
 * The edges of the fleet: the deadline (504, or an SSE error once streaming), shedding (429 with
 * Retry-After), and distributed plans carried out by real agents over NATS (P/D split and split
 * prefill hand-offs on the `.kv` subjects).
 */
import {
  agentDispatchSchema,
  createCodec,
  dispatchAckSchema,
  streamMessageSchema,
  subjects,
} from '@adagen/protocol';
import type { ExecutionPlan, StreamMessage } from '@adagen/protocol';
import { dispatchesFor } from '@adagen/fleet';
import { request } from '@adagen/runtime';
import { describe, expect, it } from 'vitest';
import { postJson, postStream } from './fleet/openai-client.js';
import { fleetForSuite } from './fleet/suite.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

describe('fleet limits and distributed plans', () => {
  const suite = fleetForSuite({
    agents: 3,
    policy: 'least-requests',
    env: {
      ADAGEN_REQUEST_TIMEOUT_MS: '400',
      ADAGEN_MAX_IN_FLIGHT: '3',
      ADAGEN_RETRY_AFTER_S: '2',
    },
  });

  it('answers 504 when the deadline passes before the completion', async () => {
    const r = await postJson(`${suite.fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'slow',
      max_tokens: 200,
      ignore_eos: true,
    });
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ error: { code: 'deadline_exceeded', type: 'timeout_error' } });
  });

  it('ends a stream that passes its deadline with one error event and [DONE]', async () => {
    const r = await postStream(`${suite.fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'slow',
      max_tokens: 200,
      ignore_eos: true,
      stream: true,
    });
    expect(r.status).toBe(200);
    expect(r.sawDone).toBe(true);
    expect(r.events.length).toBeGreaterThan(3);
    expect(r.events.at(-1)).toMatchObject({ error: { code: 'deadline_exceeded' } });
    expect(r.events.filter((e) => 'error' in e)).toHaveLength(1);
  });

  it('sheds with 429 and Retry-After beyond maxInFlight, and serves again after', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${suite.fleet.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 10, ignore_eos: true }),
        }),
      ),
    );
    const shed = results.filter((r) => r.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed[0]!.headers.get('retry-after')).toBe('2');
    expect(await shed[0]!.json()).toMatchObject({
      error: { code: 'overloaded', type: 'rate_limit_error' },
    });
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    await Promise.all(results.filter((r) => !r.bodyUsed).map((r) => r.text()));
    const again = await postJson(`${suite.fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'x',
      max_tokens: 5,
      ignore_eos: true,
    });
    expect(again.status).toBe(200);
  });

  const plans: Array<[string, ExecutionPlan]> = [
    ['pd-split', { kind: 'pd-split', prefillInstanceId: 'agent-0', decodeInstanceId: 'agent-1' }],
    [
      'split-prefill',
      {
        kind: 'split-prefill',
        segments: [
          { instanceId: 'agent-0', startToken: 0, endToken: 1800 },
          { instanceId: 'agent-1', startToken: 1800, endToken: 3000 },
        ],
        decodeInstanceId: 'agent-2',
      },
    ],
  ];

  it.each(plans)(
    'real agents carry out a %s plan: every token once, in order, one outcome',
    async (_kind, plan) => {
      const nc = suite.fleet.gateway.nc;
      const requestId = `dist${plan.kind.replace('-', '')}`;
      const streamSubject = subjects.stream('gw-dist', requestId);
      const codec = createCodec(streamMessageSchema);
      const got: StreamMessage[] = [];
      const sub = nc.subscribe(`${streamSubject}.*`); // each agent appends its id
      const collected = (async () => {
        for await (const m of sub) {
          const d = codec.decode(m.data);
          if (!d.ok) continue;
          got.push(d.value);
          if (d.value.type !== 'token') break;
        }
      })();
      const now = Date.now();
      const parts = dispatchesFor(plan, requestId, 0, {
        model: MODEL,
        promptTokens: 3000,
        maxTokens: 50,
        predictedOutputTokens: 20,
        targetOutputTokens: 12,
        streamSubject,
        deadlineAtMs: now + 30_000,
        arrivalMs: now,
      });
      const acks = await Promise.all(
        parts.map((d) =>
          request(nc, subjects.dispatch(d.instanceId), agentDispatchSchema, dispatchAckSchema, d, {
            timeoutMs: 5000,
          }),
        ),
      );
      for (const a of acks) expect(a.ok && a.value.status).toBe('accepted');
      await collected;
      const tokens = got.flatMap((m) => (m.type === 'token' ? [m] : []));
      // Agents coalesce tokens after the first into chunks: every chunk once, in order, and
      // every token in exactly one chunk.
      expect(tokens.map((m) => m.seq)).toEqual([...tokens.keys()]);
      expect(tokens.reduce((n, m) => n + m.tokenCount, 0)).toBe(12);
      expect(got.at(-1)).toMatchObject({
        type: 'done',
        chunks: tokens.length,
        usage: { completionTokens: 12 },
        instanceId: plan.kind === 'single' ? plan.instanceId : plan.decodeInstanceId,
      });
      for (const a of suite.fleet.agents) expect(a.agent.snapshot().kv.usedBlocks).toBe(0);
    },
  );
});
