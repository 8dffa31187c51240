import type { TokenChunk } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { ChunkSequencer } from './sequencer.js';

const chunk = (seq: number): TokenChunk => ({
  v: 1,
  type: 'token',
  requestId: 'r',
  attempt: 0,
  instanceId: 'a',
  seq,
  text: `<${seq}>`,
  tokenCount: 1,
  atMs: 0,
});

describe('ChunkSequencer', () => {
  it('delivers every chunk once, in seq order, whatever the arrival order', () => {
    const out: number[] = [];
    const s = new ChunkSequencer((c) => out.push(c.seq));
    const results = [2, 0, 0, 3, 1, 2, 5, 4].map((n) => s.push(chunk(n)));
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results).toEqual([
      'buffered',
      'delivered',
      'duplicate',
      'buffered',
      'delivered',
      'duplicate',
      'buffered',
      'delivered',
    ]);
    expect(s.complete(6)).toBe(true);
    expect(s.waiting).toBe(0);
  });

  it('reports a gap that has not filled', () => {
    const s = new ChunkSequencer(() => undefined);
    s.push(chunk(0));
    s.push(chunk(2));
    expect(s.next).toBe(1);
    expect(s.waiting).toBe(1);
    expect(s.complete(3)).toBe(false);
  });
});
