import { describe, expect, it } from 'vitest';
import { inShard } from './shards.js';

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
