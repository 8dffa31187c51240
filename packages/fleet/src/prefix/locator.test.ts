import { describe, expect, it } from 'vitest';
import { CacheFeed } from './cache-feed.js';
import { PrefixLocator } from './locator.js';
import { PlacedIndex } from './placed-index.js';

describe('PlacedIndex', () => {
  it('keeps a placement’s blocks for its TTL and matches leading blocks only', () => {
    const p = new PlacedIndex();
    p.record('a', [1, 2, 3], 0, 100);
    expect(p.matchedBlocks('a', [1, 2, 3, 4], 50)).toBe(3);
    expect(p.matchedBlocks('a', [9, 2, 3], 50)).toBe(0);
    expect(p.matchedBlocks('a', [1, 2], 100)).toBe(0); // expired
    p.record('a', [1], 90, 100);
    expect(p.matchedBlocks('a', [1, 2], 150)).toBe(1);
    expect(p.sweep(150)).toBe(2);
    expect(p.size('a')).toBe(1);
  });

  it('drops the least recently placed blocks beyond its bound', () => {
    const p = new PlacedIndex({ maxBlocksPerInstance: 3 });
    p.record('a', [1, 2], 0, 1000);
    p.record('a', [3, 4], 1, 1000);
    expect(p.size('a')).toBe(3);
    expect(p.matchedBlocks('a', [1], 2)).toBe(0);
    expect(p.matchedBlocks('a', [2, 3, 4], 2)).toBe(3);
    expect(p.matchedBlocks('a', [1, 2], 2)).toBe(0);
    expect(() => new PlacedIndex({ maxBlocksPerInstance: 0 })).toThrow(/maxBlocksPerInstance/);
  });
});

describe('PrefixLocator', () => {
  it('uses events for agents that send them, placements (long TTL) for the others', () => {
    const loc = new PrefixLocator({ blockSize: 16, placedTtlMs: 1000, pendingTtlMs: 100 });
    const f = new CacheFeed({ instanceId: 'ev', epoch: 1, blockSize: 16 });
    loc.apply(f.snapshot(0));
    loc.placed('ev', [1, 2], 0);
    loc.placed('plain', [1, 2], 0);
    expect(loc.match('ev', [1, 2], 50)).toEqual({ blocks: 2, source: 'events' }); // pending
    expect(loc.match('ev', [1, 2], 500)).toEqual({ blocks: 0, source: 'events' }); // no stored event
    expect(loc.match('plain', [1, 2], 500)).toEqual({ blocks: 2, source: 'placements' });
    f.push([{ type: 'stored', blockHashes: [1] }]);
    for (const b of f.takeBatches(1)) loc.apply(b);
    expect(loc.match('ev', [1, 2], 500)).toEqual({ blocks: 1, source: 'events' });
    loc.remove('ev');
    expect(loc.hasEvents('ev')).toBe(false);
  });
});
