import { promptBlockHashes } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import { VllmEventError, VllmEventTranslator, decodeVllmEventBatch } from './vllm-events.js';

/** msgpack by hand (the format's own byte codes), so the test does not trust an encoder. */
const mp = {
  arr: (items: number[][]) => [0x90 | items.length, ...items.flat()], // fixarray ≤ 15
  str: (s: string) => [0xa0 | s.length, ...Buffer.from(s)], // fixstr ≤ 31
  bin: (bytes: number[]) => [0xc4, bytes.length, ...bytes], // bin 8
  uint: (n: number) => (n < 128 ? [n] : [0xcd, n >> 8, n & 0xff]), // fixint / uint 16
  u64: (hi: number, lo: number) => [0xcf, ...be32(hi), ...be32(lo)], // uint 64
  nil: () => [0xc0],
  f64: (x: number) => {
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(x, 1);
    return [...b];
  },
};
function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

const tokens = Array.from({ length: 8 }, (_, i) => 100 + i * 3); // two blocks of 4
const stored = mp.arr([
  mp.str('BlockStored'),
  mp.arr([mp.bin([0xaa, 0x01]), mp.bin([0xbb, 0x02])]),
  mp.nil(),
  mp.arr(tokens.map(mp.uint)),
  mp.uint(4),
  mp.nil(),
  mp.str('GPU'),
]);
const storedChild = mp.arr([
  mp.str('BlockStored'),
  mp.arr([mp.u64(0xffffffff, 0x12345678)]), // a 64-bit integer hash
  mp.bin([0xbb, 0x02]),
  mp.arr([1, 2, 3, 4].map(mp.uint)),
  mp.uint(4),
  mp.nil(),
  mp.nil(),
]);
const removed = mp.arr([mp.str('BlockRemoved'), mp.arr([mp.bin([0xbb, 0x02])]), mp.str('GPU')]);
const cleared = mp.arr([mp.str('AllBlocksCleared')]);

describe('vLLM KV events', () => {
  it('decodes a hand-built EventBatch and translates it to AdaGen hashes of the token ids', () => {
    const payload = Uint8Array.from(
      mp.arr([mp.f64(1700000000.5), mp.arr([stored, storedChild, removed, cleared]), mp.uint(0)]),
    );
    const batch = decodeVllmEventBatch(payload);
    expect(batch.ts).toBe(1700000000.5);
    expect(batch.dataParallelRank).toBe(0);
    expect(batch.events.map((e) => e.type)).toEqual([
      'BlockStored',
      'BlockStored',
      'BlockRemoved',
      'AllBlocksCleared',
    ]);
    expect(batch.events[0]).toMatchObject({ blockHashes: ['aa01', 'bb02'], blockSize: 4 });
    expect(batch.events[1]).toMatchObject({
      blockHashes: [(0xffffffffn * 2n ** 32n + 0x12345678n).toString()],
      parentBlockHash: 'bb02',
    });

    const t = new VllmEventTranslator(4);
    const out = t.translate(batch);
    const ours = promptBlockHashes([...tokens, 1, 2, 3, 4], 4); // what the classifier computes
    expect(out).toEqual([
      { type: 'stored', blockHashes: ours.slice(0, 2) },
      { type: 'stored', blockHashes: [ours[2]] },
      { type: 'removed', blockHashes: [ours[1]] },
      { type: 'cleared' },
    ]);
  });

  it('counts blocks whose parent it never saw, and refuses another block size', () => {
    const t = new VllmEventTranslator(4);
    const batch = decodeVllmEventBatch(Uint8Array.from(mp.arr([mp.f64(1), mp.arr([storedChild])])));
    expect(t.translate(batch)).toEqual([]);
    expect(t.unknownParents).toBe(1);
    expect(() => new VllmEventTranslator(16).translate(batch)).toThrow(/block_size 4/);
  });

  it('names what is wrong with a bad payload', () => {
    const bad = (bytes: number[]) => () => decodeVllmEventBatch(Uint8Array.from(bytes));
    expect(bad([0xc1])).toThrow(VllmEventError);
    expect(bad(mp.arr([mp.str('x')]))).toThrow(/EventBatch.ts: expected a number/);
    expect(bad(mp.arr([mp.f64(1), mp.arr([mp.arr([mp.str('Evicted')])])]))).toThrow(
      /events\[0\]: expected an event tagged BlockStored/,
    );
    const short = mp.arr([
      mp.str('BlockStored'),
      mp.arr([mp.bin([1])]),
      mp.nil(),
      mp.arr([mp.uint(1)]),
      mp.uint(4),
    ]);
    expect(bad(mp.arr([mp.f64(1), mp.arr([short])]))).toThrow(/1 blocks × block_size 4/);
  });
});
