import { describe, expect, it } from 'vitest';
import { BadFieldError, parseOpenAiBody, renderChat } from './request.js';

const limits = { defaultMaxTokens: 256 };

describe('parseOpenAiBody', () => {
  it('reads a completion with the load-testing length', () => {
    expect(
      parseOpenAiBody(
        'completions',
        { model: 'm', prompt: 'hi', adagen_output_tokens: 300 },
        limits,
      ),
    ).toMatchObject({
      prompt: 'hi',
      maxTokens: 300,
      maxTokensIsDefault: true,
      targetOutputTokens: 300,
      stream: false,
    });
    expect(
      parseOpenAiBody(
        'completions',
        { model: 'm', prompt: [1, 2, 3], max_tokens: 9, ignore_eos: true, stream: true },
        limits,
      ),
    ).toMatchObject({
      promptTokens: 3,
      maxTokens: 9,
      maxTokensIsDefault: false,
      targetOutputTokens: 9,
      stream: true,
    });
  });

  it('renders chat messages with the Llama 3 template', () => {
    const r = parseOpenAiBody(
      'chat',
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      limits,
    );
    expect(r.prompt).toBe(renderChat([{ role: 'user', content: 'hi' }]));
    expect(r.prompt).toContain('<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>');
  });

  it('names the bad field', () => {
    const bad = (body: unknown, param: string) => {
      try {
        parseOpenAiBody('completions', body, limits);
      } catch (e) {
        expect(e).toBeInstanceOf(BadFieldError);
        expect((e as BadFieldError).param).toBe(param);
        return;
      }
      throw new Error('accepted');
    };
    bad({ prompt: 'x' }, 'model');
    bad({ model: 'm', prompt: 'x', max_tokens: 0 }, 'max_tokens');
    bad({ model: 'm', prompt: 'x', n: 2 }, 'n');
    bad({ model: 'm', prompt: ['a', 'b'] }, 'prompt');
    bad(
      { model: 'm', prompt: 'x', max_tokens: 5, adagen_output_tokens: 6 },
      'adagen_output_tokens',
    );
  });
});
