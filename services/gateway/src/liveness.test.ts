import type { EngineCapabilities } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { LivenessTracker } from './liveness.js';
import { backoffMs } from './place.js';

const caps: EngineCapabilities = {
  pdSplit: true,
  splitPrefill: true,
  stop: true,
  logprobs: false,
  sampling: true,
  maxModelLen: 8192,
  prefixCaching: true,
};

describe('LivenessTracker', () => {
  it('makes an agent silent for staleAfterMs a suspect, not gone; a new snapshot clears it', () => {
    const t = new LivenessTracker(500);
    t.seen('a', 0);
    t.seen('b', 0);
    t.seen('b', 400);
    expect(t.suspects(450)).toEqual([]);
    expect(t.suspects(600)).toEqual([{ instanceId: 'a', silentMs: 600 }]);
    expect(t.knows('a')).toBe(true);
    expect(t.goneWhy('a')).toBeUndefined();
    t.seen('a', 800);
    expect(t.suspects(901).map((s) => s.instanceId)).toEqual(['b']);
  });

  it('loses an agent when told (down, restart, no responder), and remembers why', () => {
    const t = new LivenessTracker(500);
    t.seen('a', 0);
    expect(t.lose('a', 'stopped (announced down)')).toEqual({
      instanceId: 'a',
      why: 'stopped (announced down)',
    });
    expect(t.size).toBe(0);
    expect(t.goneWhy('a')).toBe('stopped (announced down)');
    expect(t.suspects(10_000)).toEqual([]);
    t.seen('a', 10_001);
    expect(t.goneWhy('a')).toBeUndefined();
  });

  it('offers the capabilities of ready agents with current state only', () => {
    const t = new LivenessTracker(500);
    t.seen('a', 0, { status: 'ready', capabilities: caps });
    t.seen('b', 0, { status: 'draining', capabilities: { ...caps, logprobs: true } });
    t.seen('c', 0, { status: 'ready' });
    expect(t.capabilities(100)).toEqual([caps]);
    expect(t.capabilities(600)).toEqual([]);
    t.seen('a', 700); // a snapshot without capabilities keeps the known ones
    expect(t.capabilities(800)).toEqual([caps]);
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
