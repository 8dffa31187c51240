/**
 * The whole request path over a real nats-server and real HTTP: gateway → classifier → balancer
 * → planner → agents, tokens straight back to the gateway; streaming and non-streaming.
 */
import { connect } from '@nats-io/transport-node';
import { createCodec, decisionRecordSchema, wildcards } from '@adagen/protocol';
import type { DecisionRecord } from '@adagen/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { postJson, postStream } from './fleet/openai-client.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

/** The gateway's count of inter-token gaps (its histogram's `_count`). */
async function interTokenGaps(fleet: InProcessFleet): Promise<number> {
  const page = await fleet.gateway.registry.getSingleMetricAsString(
    'adagen_inter_token_latency_seconds',
  );
  const count = /^adagen_inter_token_latency_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(page);
  if (count === null) throw new Error(`no inter-token count in:\n${page}`);
  return Number(count[1]);
}

describe.each(['round-robin', 'adagen'])('the request path (%s)', (policy) => {
  let nats: NatsServer;
  let fleet: InProcessFleet;

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({ natsUrl: nats.url, agents: 2, policy, timeScale: 5 });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  it('answers a non-streaming completion with the text and usage', async () => {
    const { status, json, headers } = await postJson(`${fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'Say hello to the fleet.',
      max_tokens: 12,
      ignore_eos: true,
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      object: 'text_completion',
      model: MODEL,
      choices: [{ index: 0, finish_reason: 'length' }],
      usage: { completion_tokens: 12 },
    });
    const usage = json.usage as { prompt_tokens: number; total_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan(3);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + 12);
    const choices = json.choices as Array<{ text: string }>;
    expect(choices[0]!.text.length).toBeGreaterThan(12);
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(headers.get('x-adagen-dispatch-ms'))).toBeGreaterThan(0);
  });

  it('streams a chat completion as SSE chunks ending in [DONE], with usage', async () => {
    const gapsBefore = await interTokenGaps(fleet);
    const r = await postStream(`${fleet.url}/v1/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'user', content: 'Count to ten.' }],
      max_tokens: 64,
      adagen_output_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(r.sawDone).toBe(true);
    const chunks = r.events.filter((e) => Array.isArray(e.choices) && (e.choices as []).length > 0);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant' } }],
    });
    const content = chunks.filter(
      (e) => (e.choices as Array<{ delta: { content?: string } }>)[0]!.delta.content,
    );
    expect(content).toHaveLength(10);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop', delta: {} }] });
    expect(r.events.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 10 } });
    // The gateway counted the gaps between the tokens its client received: 9 for 10 tokens.
    expect((await interTokenGaps(fleet)) - gapsBefore).toBe(9);
  });

  it('serves many concurrent requests, each exactly once, spread over the agents', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        postStream(`${fleet.url}/v1/completions`, {
          model: MODEL,
          prompt: `request ${i} `.repeat(1 + (i % 7) * 40),
          max_tokens: 8 + (i % 5),
          ignore_eos: true,
          stream: true,
          stream_options: { include_usage: true },
        }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.sawDone).toBe(true);
      // Tokens that come out close together travel as one chunk (the agent's flush window), so
      // a stream has at most one text event per token; the usage counts the tokens themselves.
      const text = r.events.filter((e) => (e.choices as Array<{ text: string }>)[0]?.text);
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(8 + (i % 5));
      expect(r.events.at(-1)).toMatchObject({
        choices: [],
        usage: { completion_tokens: 8 + (i % 5) },
      });
    });
    const finished = fleet.agents.map((a) => a.agent.counts.finished);
    expect(finished.every((n) => n > 0)).toBe(true);
  });

  it('publishes a decision record per request: candidates, chosen, plan, reasons', async () => {
    const nc = await connect({ servers: nats.url });
    const codec = createCodec(decisionRecordSchema);
    const seen: DecisionRecord[] = [];
    const sub = nc.subscribe(wildcards.decisions, {
      callback: (_e, m) => {
        const r = codec.decode(m.data);
        if (r.ok) seen.push(r.value);
      },
    });
    await nc.flush();
    const { status, headers } = await postJson(`${fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'A decision to explain.',
      max_tokens: 6,
      ignore_eos: true,
    });
    expect(status).toBe(200);
    const id = headers.get('x-request-id');
    await nc.flush();
    sub.unsubscribe();
    await nc.close();
    const d = seen.find((r) => r.requestId === id);
    expect(d, `decisions seen: ${seen.length}`).toBeDefined();
    expect(d).toMatchObject({ outcome: 'placed', policy, plan: { kind: 'single' } });
    expect(d!.reasons.length).toBeGreaterThan(0);
    if (policy === 'adagen') {
      // A predictive policy lists what it predicted on each candidate, the chosen one first.
      expect(d!.candidates.length).toBe(2);
      // Cheapest first: the chosen one, unless it was sacrificed (predicted late everywhere).
      if (d!.hopeless !== true) expect(d!.candidates[0]!.instanceId).toBe(d!.chosen);
      expect(d!.candidates.map((c) => c.instanceId)).toContain(d!.chosen);
      expect(d!.candidates[0]!.predicted!.ttftMs).toBeGreaterThan(0);
      expect(d!.reasons[0]).toMatch(/predicted TTFT \d+ ms/);
    } else {
      expect(d!.candidates).toEqual([]);
      expect(d!.reasons[0]).toMatch(/by its own score/);
    }
  });

  it('answers bad requests with OpenAI errors naming the field', async () => {
    const bad = await postJson(`${fleet.url}/v1/completions`, {
      model: MODEL,
      prompt: 'x',
      max_tokens: -1,
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: { type: 'invalid_request_error', param: 'max_tokens', code: 'bad_request' },
    });
    const noModel = await postJson(`${fleet.url}/v1/completions`, { model: 'nope', prompt: 'x' });
    expect(noModel.status).toBe(404);
    const notJson = await postJson(`${fleet.url}/v1/chat/completions`, '{"model":');
    expect(notJson.status).toBe(400);
    expect((notJson.json.error as { message: string }).message).toMatch(/invalid JSON/);
    const big = await fetch(`${fleet.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    const models = (await (await fetch(`${fleet.url}/v1/models`)).json()) as {
      data: Array<{ id: string }>;
    };
    expect(models.data.map((m) => m.id)).toEqual([MODEL]);
  });
});
