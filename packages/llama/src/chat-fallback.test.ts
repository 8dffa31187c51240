import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaEngine } from './engine.js';
import { greedy, submit, tinyModelPath } from './test-helpers.js';

// A model without a chat template: chat falls back to a plain transcript.
let engine: LlamaEngine;
beforeAll(async () => {
  engine = await LlamaEngine.load({
    modelPath: tinyModelPath(12, false),
    maxSequences: 1,
    contextSize: 128,
  });
});
afterAll(async () => {
  await engine?.close();
});

describe('LlamaEngine without a chat template', () => {
  it('renders chat as "role: content" lines ending with "assistant:"', async () => {
    expect(engine.capabilities.chatTemplate).toBe(false);
    const messages = [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: 'hello' },
    ];
    const r = submit(engine, {
      requestId: 'c1',
      input: { type: 'chat', messages },
      maxTokens: 3,
      ignoreEos: true,
      sampling: greedy,
    });
    const end = await r.end;
    const transcript = 'system: be brief\nuser: hello\nassistant:';
    expect(end).toMatchObject({
      type: 'done',
      usage: { promptTokens: engine.tokenize(transcript).length },
    });
  });

  it('drain finishes what it holds, then refuses new work as unavailable', async () => {
    const a = submit(engine, {
      requestId: 'd1',
      input: { type: 'text', text: 'a' },
      maxTokens: 8,
      ignoreEos: true,
    });
    const b = submit(engine, {
      requestId: 'd2',
      input: { type: 'text', text: 'b' },
      maxTokens: 8,
      ignoreEos: true,
    });
    await engine.drain();
    expect(await a.end).toMatchObject({ type: 'done', finishReason: 'length' });
    expect(await b.end).toMatchObject({ type: 'done', finishReason: 'length' });
    const late = submit(engine, {
      requestId: 'd3',
      input: { type: 'text', text: 'c' },
      maxTokens: 2,
    });
    expect(await late.end).toMatchObject({ type: 'error', code: 'unavailable', retryable: true });
  });
});
