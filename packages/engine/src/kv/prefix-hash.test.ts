import { describe, expect, it } from 'vitest';
import {
  chainBlockHash,
  promptBlockHashes,
  ROOT_BLOCK_HASH,
  traceBlockHashes,
} from './prefix-hash.js';

const tokens = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => (i * 7919 + from) % 128256);

describe('chained block hashes', () => {
  it('hashes full blocks only, chained: equal prefixes give equal hashes up to the first difference', () => {
    const a = tokens(100);
    const b = [...a];
    b[40] = 5; // block 2 (tokens 32..47) differs
    const ha = promptBlockHashes(a, 16);
    const hb = promptBlockHashes(b, 16);
    expect(ha).toHaveLength(6); // 100 / 16 = 6 full blocks; the partial one is not hashed
    expect(hb.slice(0, 2)).toEqual(ha.slice(0, 2));
    // Block 3 has the same tokens in both, but its parent differs: the chain carries the prefix.
    for (let i = 2; i < 6; i++) expect(hb[i]).not.toBe(ha[i]);
    expect(ha[0]).toBe(chainBlockHash(ROOT_BLOCK_HASH, a, 0, 16));
    expect(ha[1]).toBe(chainBlockHash(ha[0]!, a.slice(16, 32)));
  });

  it('gives safe non-negative integers, distinct over many blocks', () => {
    const h = promptBlockHashes(tokens(16 * 20000), 16);
    for (const x of h) expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
    expect(new Set(h).size).toBe(h.length);
    // Words above 2^32 are hashed by both halves.
    expect(chainBlockHash(1, [2 ** 40])).not.toBe(chainBlockHash(1, [0]));
    expect(chainBlockHash(1, [1, 2])).not.toBe(chainBlockHash(1, [2, 1]));
  });

  it('names bad input', () => {
    expect(() => promptBlockHashes([1, -1], 1)).toThrow(/words\[1\] must be a non-negative/);
    expect(() => promptBlockHashes([1.5], 1)).toThrow(/words\[0\]/);
    expect(() => promptBlockHashes([1], 0)).toThrow(/blockSize must be an integer >= 1, got 0/);
    expect(() => chainBlockHash(-1, [1])).toThrow(/parent block hash/);
  });
});

describe('trace block hashes (Mooncake hash_ids at 512 tokens)', () => {
  it('maps 512-token ids onto 16-token engine blocks; shared ids give shared blocks', () => {
    // Turn 1: 1200 tokens, ids [10, 11, 12]; turn 2 extends it: ids [10, 11, 13, 14].
    const t1 = traceBlockHashes([10, 11, 12], 1200, 16);
    const t2 = traceBlockHashes([10, 11, 13, 14], 1800, 16);
    expect(t1).toHaveLength(75); // ⌊1200 / 16⌋
    expect(t2).toHaveLength(112);
    // The first 1024 tokens (64 blocks) are shared; block 64 lies in the third trace block,
    // whose id differs (12 covered a partial block, 13 a full one).
    expect(t2.slice(0, 64)).toEqual(t1.slice(0, 64));
    expect(t2[64]).not.toBe(t1[64]);
    // A different first id changes every block.
    const other = traceBlockHashes([99, 11, 12], 1200, 16);
    expect(other.some((h, i) => h === t1[i])).toBe(false);
  });

  it('a block that straddles trace blocks takes the id of the block holding its last token', () => {
    // 300-token engine blocks over 512-token trace blocks: block 1 = tokens 300..599 ends in
    // trace block 1.
    const a = traceBlockHashes([1, 2, 3], 1100, 300);
    const b = traceBlockHashes([1, 9, 3], 1100, 300);
    expect(a).toHaveLength(3);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
  });

  it('names missing or bad ids', () => {
    expect(() => traceBlockHashes([1], 513, 16)).toThrow(
      /hash_ids has 1 ids but 513 prompt tokens need 2 \(one per 512 tokens\)/,
    );
    expect(() => traceBlockHashes([1, -2], 1024, 16)).toThrow(/hash_ids\[1\]/);
    expect(() => traceBlockHashes([1], 1.5, 16)).toThrow(/promptTokens/);
    expect(() => traceBlockHashes([1], 10, 16, 0)).toThrow(/traceBlockTokens/);
  });
});
