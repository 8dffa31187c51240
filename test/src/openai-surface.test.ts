/**
 * The gateway as the official `openai` client (v4) sees it, over a real fleet: stop strings,
 * context errors before any byte, fields the fleet does not offer refused by name, models,
 * health, 405, CORS, SLO headers; and a burst of short chats on an idle fleet served, not shed,
 * under the default admission.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { MODEL, expectedChat } from './fleet/stream-check.js';
import { simText, simTextSeed } from '@adagen/fleet';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MAX_MODEL_LEN = 2048;

/** A stop string that occurs in the simulated answer to `content` (a word from its middle). */
function stopFor(content: string, chat: boolean): { stop: string; before: string } {
  const whole = chat ? expectedChat(content, 40) : simText(simTextSeed({ prompt: content }), 40);
  const words = whole.split(' ').filter((w) => w.length >= 3);
  const stop = words[Math.floor(words.length / 2)]!;
  return { stop, before: whole.slice(0, whole.indexOf(stop)) };
}

async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OpenAI.APIError) return e;
    throw e;
  }
  throw new Error('the request succeeded');
}

describe('the OpenAI surface, through the official client', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;
  let client: OpenAI;

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 2,
      policy: 'adagen',
      timeScale: 5,
      env: { ADAGEN_CORS_ORIGINS: 'https://ui.example' },
      agentEnv: () => ({ ADAGEN_MAX_MODEL_LEN: String(MAX_MODEL_LEN) }),
    });
    await fleet.waitForAgents(2);
    client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  it('honours stop strings in chat and completions, streamed and whole', async () => {
    const chatAsk = 'Tell me about foxes.';
    const c = stopFor(chatAsk, true);
    const whole = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: chatAsk }],
      max_tokens: 40,
      stop: [c.stop],
    });
    expect(whole.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: c.before },
    });
    expect(whole.usage!.completion_tokens).toBeLessThan(40);
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: chatAsk }],
      max_tokens: 40,
      stop: c.stop,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(c.before);
    expect(finish).toBe('stop');
    const prompt = 'Once upon a time';
    const p = stopFor(prompt, false);
    const comp = await client.completions.create({
      model: MODEL,
      prompt,
      max_tokens: 40,
      stop: [p.stop],
    });
    expect(comp.choices[0]).toMatchObject({ finish_reason: 'stop', text: p.before });
  });

  it('checks the context before any byte, in vLLM’s words', async () => {
    const tooLong = await apiError(
      client.completions.create({
        model: MODEL,
        prompt: Array.from({ length: 3000 }, (_, i) => i % 1000),
        max_tokens: 10,
        stream: true,
      }),
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.code).toBe('context_length_exceeded');
    expect(tooLong.param).toBe('prompt');
    expect(tooLong.message).toMatch(
      /maximum context length is 2048 tokens\. However, you requested 3010 tokens \(3000 in the messages, 10 in the completion\)/,
    );
    const sum = await apiError(
      client.completions.create({
        model: MODEL,
        prompt: Array.from({ length: 1000 }, (_, i) => i),
        max_tokens: 1500,
      }),
    );
    expect(sum.status).toBe(400);
    expect(sum.message).toMatch(/requested 2500 tokens \(1000 in the messages, 1500/);
    const absurd = await apiError(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 100_000,
      }),
    );
    expect(absurd.status).toBe(400);
    expect(absurd.param).toBe('messages');
  });

  it('gives an omitted max_tokens the room left in the context', async () => {
    const r = await client.completions.create({
      model: MODEL,
      prompt: Array.from({ length: MAX_MODEL_LEN - 6 }, (_, i) => i % 500),
      // Load testing: generate as much as allowed; the cap is the room left (6 tokens).
      ...({ adagen_output_tokens: 6 } as object),
    });
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage!.completion_tokens).toBe(6);
  });

  it('refuses what the fleet does not offer, naming the field', async () => {
    const chat = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }] };
    const cases: [Record<string, unknown>, string][] = [
      [{ logprobs: true }, 'logprobs'],
      [{ top_logprobs: 3, logprobs: false }, 'top_logprobs'],
      [{ tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ n: 2 }, 'n'],
      [{ frobnicate: true }, 'frobnicate'],
    ];
    for (const [extra, param] of cases) {
      const e = await apiError(client.chat.completions.create({ ...chat, ...extra } as never));
      expect(e.status, param).toBe(400);
      expect(e.param, JSON.stringify(extra)).toBe(param);
    }
    const e = await apiError(client.completions.create({ model: MODEL, prompt: 'x', suffix: 'y' }));
    expect(e.param).toBe('suffix');
    const batch = await apiError(client.completions.create({ model: MODEL, prompt: ['a', 'b'] }));
    expect(batch.message).toMatch(/batches of 2 prompts are not supported/);
  });

  it('lists and retrieves models with max_model_len; an unknown one is model_not_found', async () => {
    const list = await client.models.list();
    expect(list.data).toEqual([
      expect.objectContaining({ id: MODEL, object: 'model', max_model_len: MAX_MODEL_LEN }),
    ]);
    const one = await client.models.retrieve(MODEL);
    expect(one).toMatchObject({ id: MODEL, max_model_len: MAX_MODEL_LEN });
    const missing = await apiError(client.models.retrieve('nope'));
    expect(missing.status).toBe(404);
    expect(missing.code).toBe('model_not_found');
    const wrong = await apiError(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(wrong.status).toBe(404);
    expect(wrong.code).toBe('model_not_found');
  });

  it('answers /health, 405 with Allow, CORS for the configured origin, and bad SLO headers', async () => {
    expect((await fetch(`${fleet.url}/health`)).status).toBe(200);
    const get = await fetch(`${fleet.url}/v1/completions`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe(
      'method_not_allowed',
    );
    const pre = await fetch(`${fleet.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    expect(pre.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    const other = await fetch(`${fleet.url}/v1/models`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const bad = await apiError(
      client.chat.completions.create(
        { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 4 },
        { headers: { 'x-slo-ttft-ms': 'soon' } },
      ),
    );
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('x-slo-ttft-ms');
    const ok = await client.chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 4 },
      { headers: { 'x-slo-ttft-ms': '800', 'x-slo-tpot-ms': '60', 'x-priority': '1' } },
    );
    expect(ok.choices[0]!.finish_reason).toBe('length');
  });
});

describe('a burst on an idle fleet, default admission', () => {
  it('serves 50 simultaneous short chats on 4 agents: none refused', async () => {
    await using nats = await startNatsServer();
    await using fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 4,
      policy: 'adagen',
      env: { ADAGEN_ADMISSION: 'slo' },
    });
    await fleet.waitForAgents(4);
    const client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        client.chat.completions.create({
          model: MODEL,
          messages: [{ role: 'user', content: `burst ${i}: say something short` }],
          max_tokens: 16,
        }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.map((r) => String(r.reason))).toEqual([]);
  });
});
