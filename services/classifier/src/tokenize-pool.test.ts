import { readFileSync } from 'node:fs';
import { loadLlama3Tokenizer } from '@adagen/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenizePool } from './tokenize-pool.js';
import type { CountStats } from './tokenize-pool.js';

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

describe('TokenizePool lanes', () => {
  const huge = 'The quick brown fox jumps over the lazy dog. '.repeat(8000); // ~80 k tokens
  const counted: CountStats[] = [];
  let lanes: TokenizePool;
  let single: TokenizePool;
  beforeAll(async () => {
    lanes = await TokenizePool.start({
      workers: 1,
      bigWorkers: 1,
      bigPromptChars: 1000,
      maxBigQueued: 2,
      onCounted: (s) => counted.push(s),
    });
    single = await TokenizePool.start({ workers: 1, bigWorkers: 0, bigPromptChars: 1000 });
  }, 30_000);
  afterAll(async () => {
    await lanes?.close();
    await single?.close();
  });

  /** Counts `huge`, then a small prompt while it is counted: the order they finish in. */
  const finishOrder = async (pool: TokenizePool) => {
    const order: string[] = [];
    const big = pool.count(huge).then((n) => order.push(`big ${n}`));
    const small = pool.count('a short question').then((n) => order.push(`small ${n}`));
    await Promise.all([big, small]);
    return order;
  };

  it('routes a prompt by its length: from bigPromptChars on, to the big lane', async () => {
    expect([lanes.laneOf(999), lanes.laneOf(1000)]).toEqual(['small', 'big']);
    expect(single.laneOf(1_000_000)).toBe('small');
    counted.length = 0;
    await lanes.count('x'.repeat(999));
    await lanes.encode('x'.repeat(1000));
    expect(counted.map((s) => [s.lane, s.chars])).toEqual([
      ['small', 999],
      ['big', 1000],
    ]);
  });

  it('counts a small prompt while a big one is counted; one shared lane makes it wait', async () => {
    const local = await loadLlama3Tokenizer();
    const hugeTokens = local.countTokens(huge);
    const smallTokens = local.countTokens('a short question');
    expect(await finishOrder(lanes)).toEqual([`small ${smallTokens}`, `big ${hugeTokens}`]);
    expect(await finishOrder(single)).toEqual([`big ${hugeTokens}`, `small ${smallTokens}`]);
  });

  it.runIf(process.platform === 'linux')('runs the big lane at nice 19, the small at 0', () => {
    const [small, big] = lanes.lanes;
    expect(small).toMatchObject({ lane: 'small', workers: 1, priorities: [{ nice: 0 }] });
    expect(big).toMatchObject({ lane: 'big', workers: 1, priorities: [{ nice: 19 }] });
    const tid = big!.priorities[0]!.tid;
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value (fields after "(comm) ").
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(fields[16]).toBe('19');
  });

  it('bounds the big lane alone: small prompts are still counted', async () => {
    const results = await Promise.allSettled([
      ...Array.from({ length: 4 }, () => lanes.count(huge)),
      lanes.count('still counted'),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(2);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(
      /2 prompts of 1000 characters or more are waiting/,
    );
    expect(results[4]!.status).toBe('fulfilled');
  });
});
