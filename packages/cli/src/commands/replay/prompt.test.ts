import { loadLlama3Tokenizer } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { TRACE_BLOCK_TOKENS, promptIds, promptText } from './prompt.js';

const leadingSame = <T>(a: readonly T[], b: readonly T[]) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

describe('replay prompts', () => {
  it('have the trace’s length: ids exactly, text in Llama 3 tokens with BOS', async () => {
    const tokenizer = await loadLlama3Tokenizer();
    for (const promptTokens of [1, 2, 17, 300, 1500]) {
      const r = { id: String(promptTokens), promptTokens };
      expect(promptIds(r)).toHaveLength(promptTokens);
      expect(tokenizer.countTokens(promptText(r))).toBe(promptTokens);
      for (const id of promptIds(r)) expect(id >= 256 && id < 512).toBe(true);
    }
  });

  it('without hash ids, each request has its own from the first block; the same id, the same prompt', () => {
    const a = promptIds({ id: '1', promptTokens: 600 });
    const b = promptIds({ id: '2', promptTokens: 600 });
    expect(leadingSame(a, b)).toBeLessThan(16);
    expect(promptIds({ id: '1', promptTokens: 600 })).toEqual(a);
    expect(promptText({ id: '1', promptTokens: 600 })).not.toBe(
      promptText({ id: '2', promptTokens: 600 }),
    );
  });

  it('with hash ids, requests share exactly the blocks their leading hash ids share', () => {
    const n = 3 * TRACE_BLOCK_TOKENS + 100;
    const a = promptIds({ id: 'a', promptTokens: n, hashIds: [7, 8, 9, 10] });
    const b = promptIds({ id: 'b', promptTokens: n, hashIds: [7, 8, 11, 12] });
    const c = promptIds({ id: 'c', promptTokens: n, hashIds: [1, 8, 9, 10] });
    expect(leadingSame(a, b)).toBeGreaterThanOrEqual(2 * TRACE_BLOCK_TOKENS);
    expect(leadingSame(a, b)).toBeLessThan(2 * TRACE_BLOCK_TOKENS + 16);
    expect(leadingSame(a, c)).toBeLessThan(16);
    // A shorter prompt with the same hash ids is a prefix of the longer one.
    const short = promptIds({ id: 'd', promptTokens: 700, hashIds: [7, 8] });
    expect(a.slice(0, 700)).toEqual(short);
    // No request's own content equals a hash-id block.
    expect(leadingSame(promptIds({ id: '7', promptTokens: 600 }), a)).toBeLessThan(16);
  });
});
