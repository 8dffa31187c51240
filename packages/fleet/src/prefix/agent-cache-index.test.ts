import { promptBlockHashes } from '@adagen/engine';
import type { KvCacheEvent, KvCacheMessage } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { CacheFeed, heldChanges } from './cache-feed.js';
import { AgentCacheIndex } from './agent-cache-index.js';

const BS = 16;
/** A seeded generator in [0, 1) (mulberry32). */
function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const tokens = (seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => (seed * 7919 + i) % 5000);

/** The agent's blocks in the index are exactly `expected`. */
function expectBlocks(index: AgentCacheIndex, expected: readonly number[]): void {
  const lookup = index.lookup('gpu-1');
  expect(lookup?.size).toBe(new Set(expected).size);
  for (const h of expected) expect(lookup?.has(h)).toBe(true);
}

function feed(epoch = 1000) {
  return new CacheFeed({ instanceId: 'gpu-1', epoch, blockSize: BS });
}

describe('AgentCacheIndex', () => {
  it('matches the leading blocks an agent stored, not past a removed one', () => {
    const f = feed();
    const index = new AgentCacheIndex({ blockSize: BS });
    const a = promptBlockHashes(tokens(1, 160), BS); // 10 blocks
    f.push([{ type: 'stored', blockHashes: a }]);
    for (const b of f.takeBatches(1)) expect(index.apply(b)).toBe('applied');
    expect(index.matchedBlocks('gpu-1', a)).toBe(10);
    expect(
      index.matchedBlocks('gpu-1', promptBlockHashes([...tokens(1, 80), ...tokens(2, 80)], BS)),
    ).toBe(5);
    expect(index.matchedBlocks('gpu-2', a)).toBe(0);
    f.push([{ type: 'removed', blockHashes: [a[4]!] }]);
    for (const b of f.takeBatches(2)) index.apply(b);
    expect(index.matchedBlocks('gpu-1', a)).toBe(4);
    f.push([{ type: 'cleared' }]);
    for (const b of f.takeBatches(3)) index.apply(b);
    expect(index.matchedBlocks('gpu-1', a)).toBe(0);
    expect(index.status('gpu-1')).toMatchObject({ seq: 3, blocks: 0, inSync: true });
  });

  it('holds back early batches and applies them when the missing one arrives (reordering)', () => {
    const f = feed();
    const index = new AgentCacheIndex({ blockSize: BS });
    const a = promptBlockHashes(tokens(3, 64), BS);
    f.push([{ type: 'stored', blockHashes: a.slice(0, 2) }]);
    const [b1] = f.takeBatches(1);
    f.push([{ type: 'stored', blockHashes: a.slice(2) }]);
    const [b2] = f.takeBatches(2);
    expect(index.apply(b2!)).toBe('held');
    expect(index.matchedBlocks('gpu-1', a)).toBe(0);
    expect(index.status('gpu-1')?.inSync).toBe(false);
    expect(index.apply(b1!)).toBe('applied');
    expect(index.matchedBlocks('gpu-1', a)).toBe(4);
    expect(index.apply(b2!)).toBe('stale'); // a duplicate
    expect(index.counters.gaps).toBe(1);
  });

  it('recovers from a lost batch at the next snapshot, and applies what follows it', () => {
    const f = feed();
    const index = new AgentCacheIndex({ blockSize: BS });
    const a = promptBlockHashes(tokens(4, 96), BS);
    f.push([{ type: 'stored', blockHashes: a.slice(0, 3) }]);
    f.takeBatches(1); // lost
    f.push([{ type: 'stored', blockHashes: a.slice(3) }]);
    const [b2] = f.takeBatches(2);
    expect(index.apply(b2!)).toBe('held');
    const snap = f.snapshot(3);
    f.push([{ type: 'removed', blockHashes: [a[5]!] }]);
    const [b3] = f.takeBatches(4);
    expect(index.apply(b3!)).toBe('held');
    expect(index.apply(snap)).toBe('resynced');
    expect(index.matchedBlocks('gpu-1', a)).toBe(5); // b3 applied after the snapshot
    expect(index.status('gpu-1')).toMatchObject({ seq: 3, inSync: true, held: 0 });
    expect(index.counters.recoveries).toBe(1);
    expect(index.apply(f.snapshot(1))).toBe('resynced'); // same seq: harmless
    expectBlocks(index, a.slice(0, 5));
  });

  it('ignores an older snapshot and older epochs; a new epoch starts the agent afresh', () => {
    const old = feed(1000);
    const index = new AgentCacheIndex({ blockSize: BS });
    const a = promptBlockHashes(tokens(5, 32), BS);
    old.push([{ type: 'stored', blockHashes: a }]);
    const early = old.snapshot(0); // seq 0
    for (const b of old.takeBatches(1)) index.apply(b);
    expect(index.apply(early)).toBe('stale');
    expect(index.matchedBlocks('gpu-1', a)).toBe(2);
    const restarted = feed(2000);
    restarted.push([{ type: 'stored', blockHashes: a.slice(0, 1) }]);
    for (const b of restarted.takeBatches(5)) expect(index.apply(b)).toBe('applied');
    expect(index.matchedBlocks('gpu-1', a)).toBe(1);
    old.push([{ type: 'stored', blockHashes: a }]);
    for (const b of old.takeBatches(6)) expect(index.apply(b)).toBe('stale');
    expect(index.status('gpu-1')?.epoch).toBe(2000);
  });

  it('refuses messages in another block size', () => {
    const index = new AgentCacheIndex({ blockSize: BS });
    const f = new CacheFeed({ instanceId: 'gpu-1', epoch: 1, blockSize: 32 });
    expect(index.apply(f.snapshot(0))).toBe('wrong_block_size');
    expect(index.has('gpu-1')).toBe(false);
    expect(() => new AgentCacheIndex({ blockSize: 0 })).toThrow(/blockSize/);
  });

  it('any loss and reordering of batches ends, after a snapshot, with the agent’s exact blocks', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 30; trial++) {
      const f = feed();
      const index = new AgentCacheIndex({ blockSize: BS });
      let held = new Set<number>();
      const messages: KvCacheMessage[] = [];
      for (let step = 0; step < 40; step++) {
        const now = new Set<number>();
        const seqs = 1 + Math.floor(rng() * 3);
        for (let s = 0; s < seqs; s++)
          for (const h of promptBlockHashes(
            tokens(Math.floor(rng() * 6), 16 * (1 + Math.floor(rng() * 8))),
            BS,
          ))
            now.add(h);
        const changes: KvCacheEvent[] =
          rng() < 0.05
            ? [{ type: 'cleared' }, ...heldChanges(new Set(), now)]
            : heldChanges(held, now);
        held = now;
        f.push(changes);
        messages.push(...f.takeBatches(step));
      }
      // Lose some, swap neighbours, then one snapshot at the end.
      const delivered = messages.filter(() => rng() > 0.2);
      for (let i = 0; i + 1 < delivered.length; i++)
        if (rng() < 0.3) [delivered[i], delivered[i + 1]] = [delivered[i + 1]!, delivered[i]!];
      for (const m of delivered) index.apply(m);
      index.apply(f.snapshot(99));
      expectBlocks(index, [...held]);
      expect(index.status('gpu-1')?.inSync).toBe(true);
    }
  });
});

describe('CacheFeed', () => {
  it('numbers batches from 1, sends nothing when nothing changed, snapshots the blocks held', () => {
    const f = feed();
    expect(f.takeBatches(0)).toEqual([]);
    f.push([
      { type: 'stored', blockHashes: [1, 2, 3] },
      { type: 'removed', blockHashes: [2] },
    ]);
    const [b] = f.takeBatches(5);
    expect(b).toMatchObject({ type: 'kv_events', seq: 1, epoch: 1000, blockSize: BS, atMs: 5 });
    expect(b!.events).toHaveLength(2);
    expect(f.snapshot(6)).toMatchObject({ type: 'kv_snapshot', seq: 1, blockHashes: [1, 3] });
  });

  it('splits an event naming more blocks than one batch carries', () => {
    const f = feed();
    const many = Array.from({ length: 120_000 }, (_, i) => i);
    f.push([{ type: 'stored', blockHashes: many }]);
    const batches = f.takeBatches(0);
    expect(batches.map((b) => b.seq)).toEqual([1, 2, 3]);
    const index = new AgentCacheIndex({ blockSize: BS });
    for (const b of batches) index.apply(b);
    expect(index.status('gpu-1')?.blocks).toBe(120_000);
    const snap = f.snapshot(1);
    expect(snap.truncated).toBe(true);
    expect(snap.blockHashes).toHaveLength(100_000);
    expect(snap.blockHashes[0]).toBe(20_000); // the most recently stored are kept
  });

  it('heldChanges gives what was removed and what was stored', () => {
    expect(heldChanges(new Set([1, 2, 3]), new Set([3, 4]))).toEqual([
      { type: 'removed', blockHashes: [1, 2] },
      { type: 'stored', blockHashes: [4] },
    ]);
    expect(heldChanges(new Set([1]), new Set([1]))).toEqual([]);
  });
});
