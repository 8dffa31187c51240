import { describe, expect, it } from 'vitest';
import { unhonouredField } from './capabilities.js';
import { BadFieldError, parseOpenAiBody, parseSloHeaders, renderChat } from './request.js';
import type { OpenAiEndpoint } from './schema.js';

/** The 400 a body gets: its param and message. */
function refusal(endpoint: OpenAiEndpoint, body: unknown): { param: string; message: string } {
  try {
    parseOpenAiBody(endpoint, body);
  } catch (e) {
    expect(e).toBeInstanceOf(BadFieldError);
    const b = e as BadFieldError;
    return { param: b.param, message: b.message };
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

describe('parseOpenAiBody', () => {
  it('reads a completion; max_tokens omitted leaves the cap to the context', () => {
    expect(parseOpenAiBody('completions', { model: 'm', prompt: 'hi' })).toEqual({
      endpoint: 'completions',
      model: 'm',
      prompt: 'hi',
      stream: false,
      includeUsage: false,
    });
    expect(
      parseOpenAiBody('completions', {
        model: 'm',
        prompt: [1, 2, 3],
        max_tokens: 9,
        ignore_eos: true,
        stream: true,
      }),
    ).toMatchObject({ promptTokenIds: [1, 2, 3], maxTokens: 9, targetOutputTokens: 9 });
  });

  it('keeps the load-testing length apart from the cap the policies see', () => {
    const r = parseOpenAiBody('completions', {
      model: 'm',
      prompt: 'x',
      adagen_output_tokens: 300,
    });
    expect(r.targetOutputTokens).toBe(300);
    expect(r.maxTokens).toBeUndefined();
  });

  it('carries chat messages as text and renders them with the Llama 3 template', () => {
    const r = parseOpenAiBody('chat', {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'h' },
            { type: 'text', text: 'i' },
          ],
        },
      ],
    });
    expect(r.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(renderChat(r.messages ?? [])).toContain(
      '<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>',
    );
  });

  it('passes every sampling field and the stop strings on', () => {
    const r = parseOpenAiBody('chat', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      min_p: 0.05,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      repetition_penalty: 1.1,
      seed: 3,
      stop: 'fox',
    });
    expect(r.sampling).toEqual({
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      minP: 0.05,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      repetitionPenalty: 1.1,
      seed: 3,
      stop: ['fox'],
    });
  });

  it('honours min_tokens: implied by ignore_eos, else passed to the engine; never above max_tokens', () => {
    const forced = parseOpenAiBody('completions', {
      model: 'm',
      prompt: 'x',
      max_tokens: 9,
      min_tokens: 9,
      ignore_eos: true,
    });
    expect(forced).toMatchObject({ maxTokens: 9, targetOutputTokens: 9 });
    expect(forced.sampling).toBeUndefined();
    const floor = parseOpenAiBody('completions', {
      model: 'm',
      prompt: 'x',
      max_tokens: 9,
      min_tokens: 4,
    });
    expect(floor.sampling).toEqual({ minTokens: 4 });
    expect(
      refusal('completions', { model: 'm', prompt: 'x', max_tokens: 3, min_tokens: 4 }).param,
    ).toBe('min_tokens');
  });

  it('echoes a text prompt, not token ids', () => {
    expect(parseOpenAiBody('completions', { model: 'm', prompt: 'hi', echo: true }).echo).toBe(
      'hi',
    );
    expect(refusal('completions', { model: 'm', prompt: [5], echo: true }).param).toBe('echo');
  });

  it('says exactly what is wrong with stop', () => {
    const five = refusal('completions', {
      model: 'm',
      prompt: 'x',
      stop: ['a', 'b', 'c', 'd', 'e'],
    });
    expect(five).toEqual({
      param: 'stop',
      message: 'stop: expected a string or a list of at most 4 strings, got a list of 5',
    });
    expect(refusal('completions', { model: 'm', prompt: 'x', stop: [''] }).message).toMatch(
      /1-256 characters/,
    );
  });

  it('refuses unknown fields and features the fleet does not offer, naming them', () => {
    const cases: [OpenAiEndpoint, Record<string, unknown>, string, RegExp][] = [
      ['completions', { frobnicate: 1 }, 'frobnicate', /unknown field/],
      ['completions', { logprobs: 2 }, 'logprobs', /log probabilities/],
      ['completions', { suffix: 'end' }, 'suffix', /suffix/],
      ['completions', { best_of: 3 }, 'best_of', /best_of/],
      ['completions', { logit_bias: { '5': 1 } }, 'logit_bias', /token biases/],
      ['chat', { logprobs: true }, 'logprobs', /log probabilities/],
      ['chat', { top_logprobs: 2 }, 'top_logprobs', /log probabilities/],
      ['chat', { tools: [{ type: 'function' }] }, 'tools', /tool calls/],
      ['chat', { tool_choice: 'required' }, 'tool_choice', /tool calls/],
      ['chat', { response_format: { type: 'json_object' } }, 'response_format', /formats/],
      ['chat', { echo: true }, 'echo', /echo/],
    ];
    for (const [endpoint, extra, param, message] of cases) {
      const base =
        endpoint === 'chat'
          ? { model: 'm', messages: [{ role: 'user', content: 'x' }] }
          : { model: 'm', prompt: 'x' };
      const r = refusal(endpoint, { ...base, ...extra });
      expect(r.param).toBe(param);
      expect(r.message).toMatch(message);
    }
  });

  it('accepts the values of those fields that ask for nothing', () => {
    const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect(() =>
      parseOpenAiBody('chat', {
        ...chat,
        logprobs: false,
        tools: [],
        tool_choice: 'none',
        response_format: { type: 'text' },
        n: 1,
        store: false,
      }),
    ).not.toThrow();
    expect(() =>
      parseOpenAiBody('completions', {
        model: 'm',
        prompt: 'x',
        best_of: 1,
        suffix: null,
        logprobs: null,
      }),
    ).not.toThrow();
  });

  it('names the bad field', () => {
    expect(refusal('completions', { prompt: 'x' }).param).toBe('model');
    expect(refusal('completions', { model: 'm', prompt: 'x', max_tokens: 0 }).param).toBe(
      'max_tokens',
    );
    expect(refusal('completions', { model: 'm', prompt: 'x', n: 2 }).param).toBe('n');
    expect(refusal('completions', { model: 'm', prompt: ['a', 'b'] })).toMatchObject({
      param: 'prompt',
      message: expect.stringMatching(/batches of 2 prompts/) as unknown,
    });
    expect(
      refusal('completions', { model: 'm', prompt: 'x', max_tokens: 5, adagen_output_tokens: 6 })
        .param,
    ).toBe('adagen_output_tokens');
    expect(refusal('completions', { model: 'm', prompt: 'x', stream_options: {} }).param).toBe(
      'stream_options',
    );
    expect(
      refusal('chat', {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }],
      }).message,
    ).toMatch(/only text parts/);
  });
});

describe('SLO headers', () => {
  it('reads targets and priority', () => {
    expect(
      parseSloHeaders({ 'x-slo-ttft-ms': '300', 'x-slo-tpot-ms': '25.5', 'x-priority': '2' }),
    ).toEqual({
      slo: { ttftMs: 300, tpotMs: 25.5 },
      priority: 2,
    });
    expect(parseSloHeaders({})).toEqual({});
  });

  it('refuses a bad value, naming the header', () => {
    for (const [name, value] of [
      ['x-slo-ttft-ms', 'fast'],
      ['x-slo-ttft-ms', '0'],
      ['x-slo-tpot-ms', '-5'],
      ['x-priority', '1.5'],
      ['x-priority', '5000'],
    ] as const) {
      try {
        parseSloHeaders({ [name]: value });
        throw new Error(`accepted ${name}: ${value}`);
      } catch (e) {
        expect((e as BadFieldError).param).toBe(name);
      }
    }
  });
});

describe('unhonouredField', () => {
  const caps = {
    pdSplit: true,
    splitPrefill: true,
    stop: true,
    logprobs: false,
    sampling: true,
    maxModelLen: 8192,
    prefixCaching: true,
  };
  const req = parseOpenAiBody('completions', { model: 'm', prompt: 'x', stop: 'a', top_k: 3 });
  it('refuses a field no instance can honour, and nothing while none is known', () => {
    expect(unhonouredField(req, [caps])).toBeUndefined();
    expect(unhonouredField(req, [{ ...caps, stop: false }])?.param).toBe('stop');
    expect(unhonouredField(req, [{ ...caps, sampling: false }])?.param).toBe('top_k');
    expect(unhonouredField(req, [{ ...caps, sampling: false }, caps])).toBeUndefined();
    expect(unhonouredField(req, [])).toBeUndefined();
  });
});
