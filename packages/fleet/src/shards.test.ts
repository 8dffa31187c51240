import { describe, expect, it } from 'vitest';
import { FleetShards } from './shards.js';

const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `agent-${String(i).padStart(2, '0')}`);

function shardsOf(n: number, agents: readonly string[], nowMs = 0): FleetShards[] {
  return Array.from({ length: n }, (_, k) => {
    const s = new FleetShards({ shards: n, shard: k, forgetAfterMs: 1000 });
    for (const id of agents) s.heard(id, nowMs);
    return s;
  });
}

describe('FleetShards', () => {
  it('splits the agents by rank: every agent in exactly one shard, sizes within one', () => {
    for (const n of [2, 3, 4]) {
      // Heard in different orders by different replicas: the split does not depend on it.
      const agents = ids(64);
      const shards = shardsOf(n, agents);
      const reversed = shardsOf(n, [...agents].reverse());
      const sizes = shards.map((s) => s.owned().size);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      for (const id of agents) {
        expect(shards.filter((s) => s.owns(id))).toHaveLength(1);
        expect(shards.map((s) => s.owns(id))).toEqual(reversed.map((s) => s.owns(id)));
      }
    }
  });

  it('one shard owns every agent', () => {
    const [one] = shardsOf(1, ids(5));
    expect([...one!.owned()].sort()).toEqual(ids(5));
  });

  it('leaves no shard empty when there are fewer agents than shards', () => {
    const shards = shardsOf(4, ids(3));
    for (const s of shards) expect(s.owned().size).toBeGreaterThan(0);
    expect(shards[3]!.owns('agent-00')).toBe(true);
    expect(shards[0]!.owns('agent-00')).toBe(true);
    expect(shardsOf(2, []).every((s) => s.owned().size === 0)).toBe(true);
  });

  it('moves the split when an agent joins or leaves, and says so', () => {
    const [a, b] = shardsOf(2, ['agent-01', 'agent-03']);
    expect(a!.owns('agent-01') && b!.owns('agent-03')).toBe(true);
    expect(a!.heard('agent-02', 1)).toBe(true);
    expect(a!.heard('agent-02', 2)).toBe(false);
    b!.heard('agent-02', 1);
    // Ranks 0, 1, 2: agent-01 and agent-03 to shard 0, agent-02 to shard 1.
    expect([...a!.owned()].sort()).toEqual(['agent-01', 'agent-03']);
    expect([...b!.owned()]).toEqual(['agent-02']);
    expect(b!.forget('agent-02')).toBe(true);
    expect(b!.forget('agent-02')).toBe(false);
    expect([...b!.owned()]).toEqual(['agent-03']);
  });

  it('forgets an agent quiet while the others go on, not when all are quiet', () => {
    const s = new FleetShards({ shards: 2, shard: 0, forgetAfterMs: 1000 });
    for (const id of ids(4)) s.heard(id, 0);
    expect(s.sweep(5000)).toEqual([]); // all quiet: this replica may be the one that stopped
    for (const id of ids(3)) s.heard(id, 4000);
    expect(s.sweep(4500)).toEqual(['agent-03']);
    expect(s.known).toBe(3);
    expect(s.owns('agent-03')).toBe(false);
  });

  it('refuses a shard outside the count, naming both', () => {
    expect(() => new FleetShards({ shards: 2, shard: 2, forgetAfterMs: 1 })).toThrow(
      'shard: expected 0 to 1 (shards is 2), got 2',
    );
    expect(() => new FleetShards({ shards: 0, shard: 0, forgetAfterMs: 1 })).toThrow(
      'shards: expected a positive integer, got 0',
    );
    expect(() => new FleetShards({ shards: 1, shard: 0, forgetAfterMs: 0 })).toThrow(
      'forgetAfterMs',
    );
  });
});
