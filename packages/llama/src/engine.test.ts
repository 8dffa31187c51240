import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from './engine.js';
import type { IterationObservation } from './observe.js';
import { LlamaEngineOptionsError } from './options.js';
import { greedy, submit, tinyModelPath } from './test-helpers.js';

let engine: LlamaEngine;
let n = 0;
const id = () => `req-${n++}`;

beforeAll(async () => {
  engine = await LlamaEngine.load({
    modelPath: tinyModelPath(),
    maxSequences: 3,
    contextSize: 256,
    batchSize: 32,
  });
});
afterAll(async () => {
  await engine?.close();
});

describe('LlamaEngine: model and tokens', () => {
  it('announces its capabilities and model', () => {
    expect(engine.capabilities).toMatchObject({
      stop: true,
      chatTemplate: true,
      maxContextTokens: 256,
      maxSequences: 3,
      pdSplit: false,
      splitPrefill: false,
      logprobs: true,
      observations: 'per-decode',
    });
    expect(engine.model).toMatchObject({
      architecture: 'llama',
      vocabSize: 300,
      trainContextSize: 4096,
    });
    expect(engine.model.eogTokens).toEqual([297, 299]); // <|endoftext|>, <|im_end|>
  });

  it('tokenizes any text and back; merges make English shorter than its bytes', () => {
    const text = 'The request is here.\n\tÜber 日本 🦙 \u0000 ok';
    expect(engine.detokenize(engine.tokenize(text))).toBe(text);
    const english = 'the first token of the request';
    expect(engine.tokenize(english).length).toBeLessThan(english.length / 2);
  });
});

describe('LlamaEngine: generation', () => {
  it('streams exactly maxTokens with ignoreEos: first-token, chunks that add up, one done', async () => {
    const r = submit(engine, {
      requestId: id(),
      input: { type: 'text', text: 'the server' },
      maxTokens: 24,
      ignoreEos: true,
      sampling: greedy,
    });
    const end = await r.end;
    expect(end).toMatchObject({
      type: 'done',
      finishReason: 'length',
      usage: { completionTokens: 24 },
    });
    const types = r.events.map((e) => e.type);
    expect(types[0]).toBe('first-token');
    expect(types.at(-1)).toBe('done');
    expect(types.filter((t) => t === 'first-token' || t === 'done')).toHaveLength(2);
    const chunkTokens = r.events.reduce((a, e) => a + (e.type === 'chunk' ? e.tokens : 0), 0);
    expect(chunkTokens).toBe(24);
    if (end.type === 'done')
      expect(end.usage.promptTokens).toBe(engine.tokenize('the server').length);
  });

  it('is deterministic when greedy, and a seed reproduces sampling', async () => {
    const req = (sampling: object) => ({
      input: { type: 'text' as const, text: 'a batch' },
      maxTokens: 16,
      ignoreEos: true,
      sampling,
    });
    const a = submit(engine, { requestId: id(), ...req(greedy) });
    await a.end;
    const b = submit(engine, { requestId: id(), ...req(greedy) });
    await b.end;
    expect(b.text).toBe(a.text);
    const s1 = submit(engine, { requestId: id(), ...req({ temperature: 1, seed: 42 }) });
    await s1.end;
    const s2 = submit(engine, { requestId: id(), ...req({ temperature: 1, seed: 42 }) });
    await s2.end;
    expect(s2.text).toBe(s1.text);
  });

  it('ends the text right before a stop string, even one split across chunks', async () => {
    const base = {
      input: { type: 'text' as const, text: 'time to first token' },
      maxTokens: 40,
      ignoreEos: true,
      sampling: greedy,
    };
    const full = submit(engine, { requestId: id(), ...base });
    await full.end;
    // A stop string that straddles two chunks of the unstopped stream.
    let at = 0;
    let k = 0;
    while (
      k + 1 < full.chunks.length &&
      (at + full.chunks[k]!.length < 4 || full.chunks[k + 1]!.length === 0)
    )
      at += full.chunks[k++]!.length;
    at += full.chunks[k]!.length;
    const stop = full.text.slice(at - 2, at + 1);
    expect(stop).toHaveLength(3);
    const cut = full.text.indexOf(stop);
    const r = submit(engine, { requestId: id(), ...base, stop: ['never appears \u0007', stop] });
    const end = await r.end;
    expect(end).toMatchObject({ type: 'done', finishReason: 'stop', stop });
    expect(r.text).toBe(full.text.slice(0, cut));
    for (const c of r.chunks) expect(c.includes(stop)).toBe(false);
  });

  it('renders chat with the model template and accepts token ids', async () => {
    const chat = submit(engine, {
      requestId: id(),
      input: {
        type: 'chat',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hello' },
        ],
      },
      maxTokens: 8,
      ignoreEos: true,
      sampling: greedy,
    });
    const end = await chat.end;
    const rendered =
      '<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n';
    expect(end.type === 'done' && end.usage.promptTokens).toBeGreaterThanOrEqual(
      engine.tokenize(rendered).length,
    );
    const tokens = submit(engine, {
      requestId: id(),
      input: { type: 'tokens', tokens: [1, 2, 3] },
      maxTokens: 4,
      ignoreEos: true,
    });
    expect(await tokens.end).toMatchObject({
      type: 'done',
      usage: { promptTokens: 3, completionTokens: 4 },
    });
  });

  it('reuses a cached prompt prefix and reports it', async () => {
    const text = 'Streams of tokens are sent to the client as soon as they are made.';
    await submit(engine, {
      requestId: id(),
      input: { type: 'text', text },
      maxTokens: 2,
      sampling: greedy,
    }).end;
    const before = engine.counters().cachedPromptTokensTotal;
    const r = submit(engine, {
      requestId: id(),
      input: { type: 'text', text: `${text} If the client goes away` },
      maxTokens: 2,
      sampling: greedy,
    });
    const end = await r.end;
    const prefix = engine.tokenize(text).length;
    expect(end.type === 'done' && end.usage.cachedPromptTokens).toBeGreaterThanOrEqual(prefix - 1);
    expect(r.events[0]).toMatchObject({
      type: 'first-token',
      cachedPromptTokens: end.type === 'done' ? end.usage.cachedPromptTokens : -1,
    });
    expect(engine.counters().cachedPromptTokensTotal - before).toBeGreaterThanOrEqual(prefix - 1);
  });
});

describe('LlamaEngine: logprobs', () => {
  it('gives one logprob per chunk token; greedy picks the top alternative', async () => {
    const r = submit(engine, {
      requestId: id(),
      input: { type: 'text', text: 'the model' },
      maxTokens: 12,
      ignoreEos: true,
      sampling: greedy,
      logprobs: 3,
    });
    await r.end;
    let count = 0;
    for (const e of r.events) {
      if (e.type !== 'chunk') continue;
      expect(e.logprobs).toHaveLength(e.tokens);
      for (const lp of e.logprobs ?? []) {
        count++;
        expect(lp.top).toHaveLength(3);
        expect(lp.top[0]!.token).toBe(lp.token);
        expect(lp.logprob).toBeCloseTo(lp.top[0]!.logprob, 6);
        expect(lp.top[0]!.logprob).toBeGreaterThanOrEqual(lp.top[1]!.logprob);
        expect(lp.top[1]!.logprob).toBeGreaterThanOrEqual(lp.top[2]!.logprob);
        expect(lp.logprob).toBeLessThan(0);
      }
    }
    expect(count).toBe(12);
    const plain = submit(engine, {
      requestId: id(),
      input: { type: 'text', text: 'x' },
      maxTokens: 3,
    });
    await plain.end;
    expect(plain.events.some((e) => e.type === 'chunk' && 'logprobs' in e)).toBe(false);
  });
});

describe('LlamaEngine: batching, queue, cancel', () => {
  it('decodes concurrent requests together in the same llama_decode', async () => {
    const seen: IterationObservation[] = [];
    const stop = engine.observe((o) => seen.push(o));
    const decodesBefore = engine.counters().decodeCallsTotal;
    const runs = [0, 1, 2].map((i) =>
      submit(engine, {
        requestId: id(),
        input: { type: 'text', text: `sequence ${i}` },
        maxTokens: 20,
        ignoreEos: true,
      }),
    );
    await Promise.all(runs.map((r) => r.end));
    stop();
    // One step with the three prompts, then 19 steps each decoding all three sequences.
    const decodes = engine.counters().decodeCallsTotal - decodesBefore;
    expect(decodes).toBe(seen.length);
    expect(decodes).toBe(20);
    expect(seen.map((o) => o.sequences)).toEqual(new Array(20).fill(3));
    expect(seen.slice(1).map((o) => [o.prefillTokens, o.decodeTokens])).toEqual(
      new Array(19).fill([0, 3]),
    );
    for (const o of seen) {
      expect(o.durationMs).toBeGreaterThanOrEqual(0);
      expect(o.contextTokens).toBeGreaterThanOrEqual(o.prefillTokens + o.decodeTokens);
      // The step's time covers its llama_decode (plus sampling, streaming, the loop).
      expect(o.decodeCalls).toBe(1);
      expect(o.durationMs).toBeGreaterThanOrEqual(o.decodeMs);
    }
    // The latency model's features, exactly: the first step prefills the three prompts from an
    // empty KV (attention work p·p/2 each), step k decodes each at prompt + k tokens.
    const lengths = [0, 1, 2].map((i) => engine.tokenize(`sequence ${i}`).length);
    expect(seen[0]!.prefillTokens).toBe(lengths[0]! + lengths[1]! + lengths[2]!);
    expect(seen[0]!.prefillAttnWork).toBe(lengths.reduce((a, p) => a + (p * p) / 2, 0));
    expect(seen[0]!.decodeContextTokens).toBe(0);
    seen.slice(1).forEach((o, k) => {
      expect(o.prefillAttnWork).toBe(0);
      expect(o.decodeContextTokens).toBe(lengths.reduce((a, p) => a + p + k + 1, 0));
    });
    // Back-to-back steps: each starts where the previous one's observation ended.
    for (let k = 1; k < seen.length; k++)
      expect(seen[k]!.startMs).toBeGreaterThanOrEqual(
        seen[k - 1]!.startMs + seen[k - 1]!.durationMs - 1e-9,
      );
  });

  it('chunks a long prompt within batchSize while the running request keeps decoding', async () => {
    const seen: IterationObservation[] = [];
    const stop = engine.observe((o) => seen.push(o));
    let long: ReturnType<typeof submit> | undefined;
    const text =
      'Numbers such as 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 32, 64, 128 and 4096 appear. '.repeat(
        3,
      );
    const first = submit(
      engine,
      {
        requestId: id(),
        input: { type: 'text', text: 'decoding' },
        maxTokens: 40,
        ignoreEos: true,
      },
      (e) => {
        if (e.type === 'first-token')
          long = submit(engine, { requestId: id(), input: { type: 'text', text }, maxTokens: 2 });
      },
    );
    await first.end;
    await long!.end;
    stop();
    const promptTokens = engine.tokenize(text).length;
    expect(promptTokens).toBeGreaterThan(64);
    const mixed = seen.filter((o) => o.prefillTokens > 0 && o.decodeTokens > 0);
    expect(mixed.length).toBeGreaterThanOrEqual(2);
    for (const o of seen) expect(o.prefillTokens + o.decodeTokens).toBeLessThanOrEqual(32);
    expect(mixed.reduce((a, o) => a + o.prefillTokens, 0)).toBeGreaterThanOrEqual(
      promptTokens - 31,
    );
  });

  it('queues beyond maxSequences until a sequence frees, and counts them live', async () => {
    // Admission order, from when each was submitted plus how long it waited for a sequence (the
    // first tokens of requests admitted together may come in either order).
    const admitted = new Map<string, number>();
    const ids = [0, 1, 2, 3, 4].map(() => id());
    const runs = ids.map((rid) => {
      const submittedAt = performance.now();
      return submit(
        engine,
        { requestId: rid, input: { type: 'text', text: 'queue' }, maxTokens: 6, ignoreEos: true },
        (e) => {
          if (e.type === 'first-token') admitted.set(rid, submittedAt + e.queueMs);
        },
      );
    });
    expect(engine.counters()).toMatchObject({ running: 3, waiting: 2 });
    await Promise.all(runs.map((r) => r.end));
    const at = ids.map((rid) => admitted.get(rid)!);
    expect(Math.max(...at.slice(0, 3))).toBeLessThan(Math.min(at[3]!, at[4]!));
    expect(engine.counters()).toMatchObject({ running: 0, waiting: 0, kvCellsUsed: 0 });
  });

  it('cancel stops a running request and frees its KV; a waiting one never starts', async () => {
    const cancelledBefore = engine.counters().requestsCancelled;
    let kvAtFirstChunk = 0;
    const runs = [0, 1, 2, 3].map(() => id());
    const started = runs.map((rid) =>
      submit(
        engine,
        {
          requestId: rid,
          input: { type: 'text', text: 'cancel me' },
          maxTokens: 200,
          ignoreEos: true,
        },
        (e) => {
          if (e.type !== 'first-token') return;
          if (rid === runs[0]) kvAtFirstChunk = engine.counters().kvCellsUsed;
          engine.cancel(rid);
        },
      ),
    );
    expect(engine.cancel(runs[3]!)).toBe(true); // still waiting
    const waitingEnd = await started[3]!.end;
    expect(waitingEnd).toMatchObject({
      type: 'done',
      finishReason: 'cancelled',
      usage: { completionTokens: 0 },
    });
    expect(started[3]!.events).toHaveLength(1);
    const end = await started[0]!.end;
    expect(end).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    expect(end.type === 'done' && end.usage.completionTokens).toBeLessThan(200);
    expect(kvAtFirstChunk).toBeGreaterThan(0);
    for (const r of started) expect(await r.end).toMatchObject({ finishReason: 'cancelled' });
    // all three sequences ran a cancelled request: their KV is cleared, not kept as cache
    expect(engine.counters()).toMatchObject({
      running: 0,
      kvCellsUsed: 0,
      kvCellsCached: 0,
      requestsCancelled: cancelledBefore + 4,
    });
    expect(engine.cancel('no-such-request')).toBe(false);
  });
});

describe('LlamaEngine: bad input', () => {
  it('answers each bad request with one error event naming the problem', async () => {
    const expectError = async (req: object, code: string, message: RegExp) => {
      const e = await submit(engine, req as never).end;
      expect(e.type === 'error' && e.code).toBe(code);
      expect(e.type === 'error' ? e.message : '').toMatch(message);
    };
    const ok = { input: { type: 'text', text: 'x' }, maxTokens: 4 };
    await expectError({ requestId: id(), ...ok, maxTokens: 0 }, 'bad_request', /maxTokens/);
    await expectError({ requestId: id(), ...ok, topP: 0.5 }, 'bad_request', /unrecognized.*topP/i);
    await expectError(
      { requestId: id(), ...ok, sampling: { temperature: -1 } },
      'bad_request',
      /sampling\.temperature/,
    );
    await expectError(
      { requestId: id(), input: { type: 'tokens', tokens: [1, 300] }, maxTokens: 2 },
      'bad_request',
      /input\.tokens\[1\]: 300 is not below the vocabulary size 300/,
    );
    await expectError(
      { requestId: id(), input: { type: 'text', text: 'x '.repeat(400) }, maxTokens: 2 },
      'bad_request',
      /prompt has \d+ tokens; a sequence holds 256/,
    );
    const rid = id();
    const first = submit(engine, {
      requestId: rid,
      ...ok,
      maxTokens: 30,
      ignoreEos: true,
    } as never);
    await expectError({ requestId: rid, ...ok }, 'duplicate', /already running or waiting/);
    await first.end;
  });

  it('keeps serving when a sink throws', async () => {
    const r = submit(
      engine,
      { requestId: id(), input: { type: 'text', text: 'y' }, maxTokens: 5, ignoreEos: true },
      (e) => {
        if (e.type === 'chunk') throw new Error('client bug');
      },
    );
    expect(await r.end).toMatchObject({ type: 'done', usage: { completionTokens: 5 } });
    const after = submit(engine, {
      requestId: id(),
      input: { type: 'text', text: 'y' },
      maxTokens: 2,
    });
    expect(await after.end).toMatchObject({ type: 'done' });
  });

  it('rejects bad options before loading anything, naming the field', async () => {
    await expect(LlamaEngine.load({ modelPath: 'x.gguf', maxSequences: 0 })).rejects.toThrow(
      LlamaEngineOptionsError,
    );
    await expect(LlamaEngine.load({ modelPath: 'x.gguf', threads: 4 } as never)).rejects.toThrow(
      /threads/,
    );
    await expect(LlamaEngine.load({ modelPath: '/nonexistent/model.gguf' })).rejects.toThrow();
  });
});
