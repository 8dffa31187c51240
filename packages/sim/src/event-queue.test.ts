import { createRng } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';
import { FloatBuffer } from './float-buffer.js';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'a');
    q.push(1, 'b');
    q.push(5, 'c');
    q.push(1, 'd');
    q.push(3, 'e');
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.payload);
    expect(out).toEqual(['b', 'd', 'e', 'a', 'c']);
  });
  it('matches a stable sort on random input', () => {
    const rng = createRng(3);
    const q = new EventQueue<number>();
    const items = Array.from({ length: 2000 }, (_, i) => ({ t: rng.int(50), i }));
    for (const it of items) q.push(it.t, it.i);
    const expected = [...items].sort((a, b) => a.t - b.t).map((x) => x.i);
    const got: number[] = [];
    for (let e = q.pop(); e; e = q.pop()) got.push(e.payload);
    expect(got).toEqual(expected);
  });
  it('rejects a non-finite time', () => {
    expect(() => new EventQueue().push(Number.NaN, 0)).toThrow(RangeError);
  });
});

describe('FloatBuffer', () => {
  it('grows and returns sorted values', () => {
    const b = new FloatBuffer(16);
    for (let i = 100; i > 0; i--) b.push(i / 4);
    expect(b.size).toBe(100);
    const s = b.sorted();
    expect(s[0]).toBe(0.25);
    expect(s[99]).toBe(25);
  });
});
