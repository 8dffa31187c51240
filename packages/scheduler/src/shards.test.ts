import { describe, expect, it } from 'vitest';
import { OfferGate, inShard, otherShard } from './shards.js';

const share = (count: number, shard: number, shards: number) =>
  Array.from({ length: count }, (_, i) => i).filter((i) => inShard(i, count, shard, shards));

describe('inShard', () => {
  it('gives rank i to shard i mod shards, every rank to exactly one shard', () => {
    expect([0, 1, 2].map((k) => share(7, k, 3))).toEqual([
      [0, 3, 6],
      [1, 4],
      [2, 5],
    ]);
    expect(share(5, 0, 1)).toEqual([0, 1, 2, 3, 4]);
  });

  it('leaves no shard empty when there are fewer instances than shards', () => {
    expect([0, 1, 2, 3].map((k) => share(3, k, 4))).toEqual([[0], [1], [2], [0]]);
    expect(share(0, 0, 2)).toEqual([]);
  });
});

describe('OfferGate', () => {
  it('offers always while at least half of the recent offers were taken', () => {
    const gate = new OfferGate(16);
    expect(gate.chance).toBe(1);
    for (let i = 0; i < 10; i++) gate.answered(false); // share (15/16)^10 = 0.52
    expect(gate.chance).toBe(1);
    expect(gate.offer(0.999)).toBe(true);
    gate.answered(false); // 0.49: below one half
    expect(gate.chance).toBeCloseTo(2 * (15 / 16) ** 11, 10);
    expect(gate.offer(0.99)).toBe(false);
    expect(gate.offer(0.5)).toBe(true);
  });

  it('holds most offers back once they are mostly declined, never all, and recovers as they are taken', () => {
    const gate = new OfferGate(16, 1 / 16);
    for (let i = 0; i < 200; i++) gate.answered(false);
    expect(gate.chance).toBe(1 / 16);
    expect(gate.offer(0.05)).toBe(true);
    expect(gate.offer(0.07)).toBe(false);
    for (let i = 0; i < 11; i++) gate.answered(true); // share 1 − (15/16)^11 ≈ 0.51
    expect(gate.chance).toBe(1);
  });

  it('refuses a memory under 1 or a minimum chance outside (0, 1]', () => {
    expect(() => new OfferGate(0)).toThrow(/memory: expected at least 1/);
    expect(() => new OfferGate(16, 0)).toThrow(/minChance: expected a number in \(0, 1\]/);
    expect(() => new OfferGate(16, 1.5)).toThrow(/minChance/);
  });
});

describe('otherShard', () => {
  it('picks each other shard for its share of draws, never the offering one', () => {
    const picks = [0, 0.24, 0.25, 0.5, 0.74, 0.75, 0.999].map((d) => otherShard(2, 5, d));
    expect(picks).toEqual([3, 3, 4, 0, 0, 1, 1]);
    expect([0, 0.5, 0.999].map((d) => otherShard(1, 2, d))).toEqual([0, 0, 0]);
  });
});
