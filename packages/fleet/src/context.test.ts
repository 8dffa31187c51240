import { describe, expect, it } from 'vitest';
import { fitToContext } from './context.js';

describe('fitToContext', () => {
  it('gives an omitted max_tokens the room left in the context', () => {
    expect(fitToContext(1000, undefined, 8192)).toBe(7192);
    expect(fitToContext(1000, 500, 8192)).toBe(500);
    expect(fitToContext(1000, undefined, undefined)).toBe(2048);
  });

  it('refuses in vLLM’s words, with the numbers', () => {
    expect(() => fitToContext(8001, 8000, 8192)).toThrow(
      "This model's maximum context length is 8192 tokens. However, you requested 16001 tokens (8001 in the messages, 8000 in the completion). Please reduce the length of the messages or completion.",
    );
    expect(() => fitToContext(9000, undefined, 8192)).toThrow(
      /maximum context length is 8192 tokens\. However, you requested 9000 tokens in the messages/,
    );
    expect(() => fitToContext(100, 100_000, 8192)).toThrow(/100100 tokens/);
    try {
      fitToContext(8192, undefined, 8192);
    } catch (e) {
      expect((e as { code: string }).code).toBe('context_length_exceeded');
    }
  });
});
