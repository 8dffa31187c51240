import { loadLlama3Tokenizer } from '@adagen/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenizePool } from './tokenize-pool.js';

describe('TokenizePool', () => {
  let pool: TokenizePool;
  beforeAll(async () => {
    pool = await TokenizePool.start({ workers: 2, maxQueued: 4 });
  }, 30_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('counts as the tokenizer does in this thread', async () => {
    const local = await loadLlama3Tokenizer();
    for (const text of [
      '',
      'Hello, world!',
      '<|start_header_id|>user<|end_header_id|>\n\nhi',
      'é 漢字 🚀',
    ])
      expect(await pool.count(text)).toBe(local.countTokens(text));
  });

  it('keeps the event loop free while a huge prompt is counted', async () => {
    const huge = 'The quick brown fox jumps over the lazy dog. '.repeat(8000); // ~80 k tokens
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    const tokens = await pool.count(huge);
    clearInterval(timer);
    expect(tokens).toBeGreaterThan(70_000);
    expect(ticks, 'the loop ran while the worker counted').toBeGreaterThan(0);
  });

  it('refuses beyond its queue bound with overloaded', async () => {
    const big = 'word '.repeat(50_000);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => pool.count(big)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/waiting to be tokenized/);
  });
});
