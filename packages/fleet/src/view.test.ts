import type { InstanceState } from '@adagen/protocol';
import { readyState } from '@adagen/protocol/testing';
import { describe, expect, it } from 'vitest';
import { FleetView } from './view.js';

function state(id: string, atMs: number, running: string[] = [], profile = 'a100'): InstanceState {
  return readyState({
    instanceId: id,
    atMs,
    profile,
    running: running.map((r) => ({
      id: r,
      kind: 'full',
      promptTokens: 10,
      phase: 'decoding',
      prefilledTokens: 10,
      generatedTokens: 1,
      arrivalMs: atMs,
    })),
  });
}

const pending = (requestId: string, atMs: number, role: 'full' | 'decode' = 'full') => ({
  requestId,
  atMs,
  role,
  promptTokens: 10,
  predictedOutputTokens: 5,
});

describe('FleetView', () => {
  it('reports membership changes, not every snapshot', () => {
    const v = new FleetView();
    expect(v.applyState(state('a', 0), 0)).toBe(true);
    expect(v.applyState(state('a', 100), 100)).toBe(false);
    expect(v.applyState(state('a', 200, [], 'h100'), 200)).toBe(true);
    expect(v.applyState(state('a', 150), 210)).toBe(false); // out of order: ignored
    expect(v.cluster(300).instances[0]!.profile).toBe('h100');
  });

  it('keeps its membership key as computed afresh through joins, changes and departures', () => {
    const v = new FleetView({ staleAfterMs: 500 });
    /** The key a new view with only these agents' latest states computes. */
    const fresh = (...states: InstanceState[]) => {
      const w = new FleetView();
      for (const s of states) w.applyState(s, s.atMs);
      return w.membershipKey();
    };
    v.applyState(state('a', 0), 0);
    v.applyState(state('b', 0), 0);
    const both = v.membershipKey();
    expect(both).toBe(fresh(state('a', 0), state('b', 0)));
    v.applyState(state('a', 100, ['r1']), 100); // new work only: same key
    expect(v.membershipKey()).toBe(both);
    const watermark = state('a', 150, ['r1']);
    v.applyState({ ...watermark, config: { ...watermark.config, watermark: 0.05 } }, 150);
    expect(v.membershipKey()).not.toBe(both); // an engine setting the policy is built with
    v.applyState(state('a', 200, [], 'h100'), 200); // another profile
    expect(v.membershipKey()).toBe(fresh(state('a', 200, [], 'h100'), state('b', 0)));
    expect(v.membershipKey()).not.toBe(both);
    expect(v.remove('a')).toBe(true);
    expect(v.membershipKey()).toBe(fresh(state('b', 0)));
    v.applyState(state('c', 300), 300);
    expect(v.membershipKey()).toBe(fresh(state('b', 0), state('c', 300)));
    expect(v.sweep(700)).toEqual(['b']);
    expect(v.membershipKey()).toBe(fresh(state('c', 300)));
  });

  it('keeps pending work until a snapshot shows it or must have seen it', () => {
    const v = new FleetView({ dispatchGraceMs: 100 });
    v.applyState(state('a', 0), 0);
    v.addPending('a', pending('r1', 10));
    v.addPending('a', pending('r1', 10)); // a repeat (own and peer notice)
    v.addPending('a', pending('r2', 10));
    v.addPending('a', pending('r3', 10, 'decode'));
    v.addPending('ghost', pending('r4', 10));
    expect(v.pendingCount()).toBe(3);
    v.applyState(state('a', 50, ['r1']), 50); // shows r1; r2 may still be on its way
    expect(v.cluster(50).instances[0]!.pending.map((p) => p.requestId)).toEqual(['r2', 'r3']);
    v.applyState(state('a', 200), 200); // r2 placed 190 ms ago and not shown: finished already
    expect(v.cluster(200).instances[0]!.pending.map((p) => p.requestId)).toEqual(['r3']);
    v.dropPending('r3');
    expect(v.pendingCount()).toBe(0);
  });

  it('matches pending work to the snapshot by id and part, few or many pending alike', () => {
    for (const n of [3, 12]) {
      const v = new FleetView({ dispatchGraceMs: 100 });
      v.applyState(state('a', 0), 0);
      for (let i = 0; i < n; i++) v.addPending('a', pending(`r${i}`, 10));
      v.addPending('a', pending('d0', 10, 'decode'));
      // Shows every even one and d0 — but d0 as a full request, not the decode part pending.
      const shown = [...Array.from({ length: n }, (_, i) => `r${i}`).filter((_, i) => i % 2 === 0)];
      const s = state('a', 50, [...shown, 'd0']);
      v.applyState(s, 50);
      const left = v.cluster(50).instances[0]!.pending.map((p) => `${p.requestId}/${p.role}`);
      const odd = Array.from({ length: n }, (_, i) => i)
        .filter((i) => i % 2 === 1)
        .map((i) => `r${i}/full`);
      expect(left, `${n} pending`).toEqual([...odd, 'd0/decode']);
    }
  });

  it('measures the control delay: decision to the agent taking the request, smoothed', () => {
    const v = new FleetView();
    v.applyState(state('a', 0), 0);
    expect(v.controlDelayMs()).toBeUndefined();
    expect(v.cluster(0).controlDelayMs).toBeUndefined();
    v.addPending('a', pending('r1', 10));
    v.addPending('a', pending('d1', 10, 'decode'));
    v.applyState(state('a', 50, ['r1']), 50); // the agent took r1 at 50 (its arrivalMs)
    expect(v.controlDelayMs()).toBe(40);
    expect(v.cluster(60).controlDelayMs).toBe(40);
    v.addPending('a', pending('r2', 100));
    v.applyState(state('a', 120, ['r1', 'r2']), 120); // r2 took 20 ms: smoothed toward it
    expect(v.controlDelayMs()).toBeCloseTo(38, 10);
    // A decode part arrives after its KV hand-off: not a control delay.
    const before = v.controlDelayMs();
    v.applyState(
      {
        ...state('a', 900),
        running: [{ ...state('a', 900, ['d1']).running[0]!, id: 'd1', kind: 'decode' }],
      },
      900,
    );
    expect(v.controlDelayMs()).toBe(before);
  });

  it('drops agents that go quiet or announce down', () => {
    const v = new FleetView({ staleAfterMs: 500 });
    v.applyState(state('a', 0), 0);
    v.applyState(state('b', 0), 0);
    v.applyState(state('a', 400), 400);
    expect(v.sweep(600)).toEqual(['b']);
    expect(
      v.applyAnnounce({
        v: 1,
        type: 'agent_announce',
        instanceId: 'a',
        status: 'down',
        profile: 'a100',
        engine: 'sim',
        atMs: 700,
      }),
    ).toBe(true);
    expect(v.size).toBe(0);
    expect(v.membershipKey()).toBe('');
  });

  it('keeps every agent while it hears none of them (a starved replica), not one gone quiet alone', () => {
    const v = new FleetView({ staleAfterMs: 500 });
    for (const id of ['a', 'b', 'c']) v.applyState(state(id, 0), 0);
    // Nothing read for 1.9 s, e.g. a CPU-limited replica behind on its messages: all kept.
    expect(v.sweep(1900)).toEqual([]);
    // Its backlog read, in the order sent: a and b moved on, c's next state not read yet.
    v.applyState(state('a', 100), 2000);
    v.applyState(state('b', 100), 2000);
    expect(v.sweep(2000)).toEqual([]);
    // a and b go on; c sent nothing since 0: dropped once it is behind them.
    v.applyState(state('a', 400), 2100);
    v.applyState(state('b', 400), 2100);
    expect(v.sweep(2100)).toEqual(['c']);
    // Every agent quiet for 4 × 500 ms: gone too (the fleet, or this replica's link, is down).
    expect(v.sweep(4100)).toEqual([]);
    expect(v.sweep(4101)).toEqual(['a', 'b']);
  });

  it('takes an unreachable agent out of placement until its next snapshot', () => {
    const v = new FleetView({ staleAfterMs: 500 });
    v.applyState(state('a', 0), 0);
    v.applyState(state('b', 0), 0);
    expect(v.remove('a')).toBe(true);
    expect(v.remove('a')).toBe(false);
    expect(v.cluster(10).instances.map((i) => i.id)).toEqual(['b']);
    v.applyState(state('a', 100), 100); // alive after all
    expect(v.cluster(100).instances.map((i) => i.id)).toEqual(['a', 'b']);
  });
});
