import { parseOpenAiBody, requestInfoOf } from '@adagen/fleet';
import type { InferenceRequest } from '@adagen/protocol';
import type { TraceRequest } from '@adagen/workloads';
import { describe, expect, it } from 'vitest';
import { defaultMaxTokensCap, maxTokensOf, requestBody } from './body.js';
import type { BodyOptions } from './body.js';

const adagen: BodyOptions = {
  model: 'm',
  endpoint: 'completions',
  promptFormat: 'tokens',
  outputMode: 'adagen',
  maxTokensCap: 1024,
};
const req = (id: string, outputTokens: number, promptTokens = 300): TraceRequest => ({
  id,
  arrivalMs: 0,
  promptTokens,
  outputTokens,
  source: 'test',
});

/** What the classifier gets from the gateway for a body (the gateway's wire request). */
function classifierInput(body: Record<string, unknown>) {
  const parsed = parseOpenAiBody('completions', body);
  const wire: InferenceRequest = {
    v: 1,
    type: 'inference_request',
    requestId: 'r',
    gatewayId: 'g',
    attempt: 0,
    receivedAtMs: 0,
    deadlineAtMs: 1,
    model: parsed.model,
    endpoint: parsed.endpoint,
    stream: parsed.stream,
  };
  if (parsed.maxTokens !== undefined) wire.maxTokens = parsed.maxTokens;
  return { info: requestInfoOf(wire, parsed.promptTokenIds!.length), parsed };
}

describe('replay request bodies', () => {
  it('adagen mode: swapped output lengths give the same cap and the same classifier input', () => {
    // The same trace request but for its output length (prompts are a function of the id).
    const a = requestBody(req('a', 12), adagen);
    const b = requestBody(req('a', 900), adagen);
    const { adagen_output_tokens: la, ...restA } = a;
    const { adagen_output_tokens: lb, ...restB } = b;
    expect([la, lb]).toEqual([12, 900]);
    expect(restA).toEqual(restB);
    expect(a.max_tokens).toBe(1024);
    const ia = classifierInput(a);
    const ib = classifierInput(b);
    expect(ia.info).toEqual(ib.info);
    expect(ia.info.maxTokens).toBe(1024);
    // the length travels only as the engine-side target
    expect([ia.parsed.targetOutputTokens, ib.parsed.targetOutputTokens]).toEqual([12, 900]);
    expect(JSON.stringify(ia.info)).not.toMatch(/\b12\b/);
  });

  it('ignore-eos mode exposes the length as max_tokens (vLLM’s convention, documented)', () => {
    const body = requestBody(req('a', 12), { ...adagen, outputMode: 'ignore-eos' });
    expect(body).toMatchObject({ max_tokens: 12, ignore_eos: true, min_tokens: 12 });
    expect(body).not.toHaveProperty('adagen_output_tokens');
  });

  it('the default cap is one power of two ≥ 256 covering the longest output', () => {
    expect(defaultMaxTokensCap([])).toBe(256);
    expect(defaultMaxTokensCap([1, 256])).toBe(256);
    expect(defaultMaxTokensCap([10, 257, 3])).toBe(512);
    expect(defaultMaxTokensCap([5000])).toBe(8192);
  });

  it('the cap fits the context its prompt leaves (a function of the prompt only)', () => {
    const o = { ...adagen, maxModelLen: 1000 };
    expect(maxTokensOf(req('a', 5, 300), o)).toBe(700);
    // the engine-side length never exceeds the cap the request carries (the gateway refuses that)
    expect(requestBody(req('a', 900, 300), o)).toMatchObject({
      max_tokens: 700,
      adagen_output_tokens: 700,
    });
    expect(maxTokensOf(req('b', 600, 300), o)).toBe(700);
    expect(maxTokensOf(req('c', 5, 10), o)).toBe(990);
    expect(maxTokensOf(req('d', 5, 10), adagen)).toBe(1024);
  });
});
