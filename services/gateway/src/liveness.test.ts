import { describe, expect, it } from 'vitest';
import { LivenessTracker } from './liveness.js';
import { backoffMs } from './place.js';

describe('LivenessTracker', () => {
  it('loses an agent whose snapshots stop for staleAfterMs, once; a new snapshot revives it', () => {
    const t = new LivenessTracker(500);
    t.seen('a', 0);
    t.seen('b', 0);
    t.seen('b', 400);
    expect(t.sweep(450)).toEqual([]);
    expect(t.sweep(600).map((l) => l.instanceId)).toEqual(['a']);
    expect(t.goneWhy('a')).toMatch(/stopped sending state \(none for 600 fleet ms\)/);
    expect(t.sweep(700)).toEqual([]);
    t.seen('a', 800);
    expect(t.goneWhy('a')).toBeUndefined();
    expect(t.sweep(901).map((l) => l.instanceId)).toEqual(['b']);
  });

  it('loses an agent at once when it announces down', () => {
    const t = new LivenessTracker(500);
    t.seen('a', 0);
    expect(t.down('a')).toEqual({ instanceId: 'a', why: 'stopped (announced down)' });
    expect(t.size).toBe(0);
    expect(t.sweep(10_000)).toEqual([]);
  });
});

describe('retry backoff', () => {
  it('doubles from the base with ±25 % jitter and stays under 1.25 s', () => {
    expect(backoffMs(50, 1, () => 0.5)).toBe(50);
    expect(backoffMs(50, 3, () => 0.5)).toBe(200);
    expect(backoffMs(50, 3, () => 0)).toBe(150);
    expect(backoffMs(50, 3, () => 1)).toBe(250);
    expect(backoffMs(50, 30, () => 1)).toBe(1250);
  });
});
