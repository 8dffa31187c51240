import type { ExecutionPlan } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { Harness, dispatches, outcome, tokens } from './sim-harness.js';

describe('SimAgent', () => {
  it('runs a single plan: every token in order, one done outcome, one completion record', () => {
    const h = new Harness();
    const a = h.agent('a');
    const [d] = dispatches({ kind: 'single', instanceId: 'a' }, 'r1', 300, 20);
    expect(a.dispatch(d!).status).toBe('accepted');
    expect(a.dispatch(d!).status).toBe('duplicate');
    h.run();
    expect(tokens(h, 'r1')).toEqual([...Array(20).keys()]);
    expect(outcome(h, 'r1')).toMatchObject({ type: 'done', usage: { completionTokens: 20 } });
    expect(h.completions).toHaveLength(1);
    expect(h.completions[0]!.ttftMs).toBeGreaterThan(10);
    expect(a.activeRequests).toBe(0);
    expect(a.dispatch(d!).status).toBe('duplicate'); // finished ids are remembered
  });

  it('runs a P/D split: token 0 from the prefill agent, the rest from the decode agent', () => {
    const h = new Harness();
    const a = h.agent('a');
    const b = h.agent('b');
    const plan: ExecutionPlan = { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'b' };
    const [pa, pb] = dispatches(plan, 'r2', 2000, 10);
    expect(b.dispatch(pb!).status).toBe('accepted');
    expect(a.dispatch(pa!).status).toBe('accepted');
    h.run();
    const msgs = h.streams.get('adagen.v1.stream.gw.r2') ?? [];
    const byAgent = msgs.flatMap((m) => (m.type === 'token' ? [`${m.instanceId}:${m.seq}`] : []));
    expect(byAgent[0]).toBe('a:0');
    expect(byAgent.slice(1)).toEqual([...Array(9).keys()].map((i) => `b:${i + 1}`));
    expect(outcome(h, 'r2')).toMatchObject({ type: 'done', instanceId: 'b' });
    expect(a.instance.snapshot().kv.usedBlocks).toBe(0);
    expect(a.activeRequests + b.activeRequests).toBe(0);
  });

  it('drops KV hand-offs from agents outside the plan or addressed elsewhere; the real one runs', () => {
    const h = new Harness();
    const a = h.agent('a');
    const b = h.agent('b');
    const plan: ExecutionPlan = { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'b' };
    const [pa, pb] = dispatches(plan, 'r9', 2000, 10);
    expect(b.dispatch(pb!).status).toBe('accepted');
    const forged = (fromInstanceId: string, toInstanceId: string) =>
      ({
        v: 1,
        type: 'kv_aborted',
        requestId: 'r9',
        attempt: 0,
        fromInstanceId,
        toInstanceId,
        code: 'internal',
        message: 'forged',
        atMs: h.nowMs,
      }) as const;
    b.kvNotice(forged('intruder', 'b')); // not in the plan: would fail the request
    b.kvNotice(forged('a', 'c')); // addressed to another agent
    expect(b.counts.foreignKv).toBe(2);
    expect(outcome(h, 'r9')).toBeUndefined();
    expect(a.dispatch(pa!).status).toBe('accepted');
    h.run();
    expect(tokens(h, 'r9')).toEqual([...Array(10).keys()]);
    expect(outcome(h, 'r9')).toMatchObject({ type: 'done', instanceId: 'b' });
  });

  it('runs a split prefill with the decode on a segment instance, and KV notices arriving early', () => {
    const h = new Harness();
    const ids = ['a', 'b', 'c'];
    const agents = ids.map((id) => h.agent(id));
    const plan: ExecutionPlan = {
      kind: 'split-prefill',
      segments: [
        { instanceId: 'a', startToken: 0, endToken: 2500 },
        { instanceId: 'b', startToken: 2500, endToken: 4000 },
      ],
      decodeInstanceId: 'b',
    };
    const ds = dispatches(plan, 'r3', 4000, 5);
    // The decode part reaches b last.
    for (const d of [ds[0]!, ds[1]!, ds[2]!])
      expect(h.agents.get(d.instanceId)!.dispatch(d).status).toBe('accepted');
    h.run();
    expect(tokens(h, 'r3')).toEqual([0, 1, 2, 3, 4]);
    expect(outcome(h, 'r3')).toMatchObject({ type: 'done', instanceId: 'b' });
    for (const a of agents) expect(a.instance.snapshot().kv.usedBlocks).toBe(0);
    expect(h.completions[0]).toMatchObject({ planKind: 'split-prefill', instanceIds: ['a', 'b'] });
  });

  it('answers a prompt longer than the model with an error outcome, and keeps serving', () => {
    const h = new Harness();
    const a = h.agent('a');
    const [big] = dispatches({ kind: 'single', instanceId: 'a' }, 'big', 9000, 5);
    const [ok] = dispatches({ kind: 'single', instanceId: 'a' }, 'ok', 100, 5);
    a.dispatch(big!);
    a.dispatch(ok!);
    h.run();
    expect(outcome(h, 'big')).toMatchObject({ type: 'error', code: 'bad_request' });
    expect(outcome(h, 'ok')).toMatchObject({ type: 'done' });
  });

  it('snapshots carry the fleet time and the requests on the instance', () => {
    const h = new Harness();
    const a = h.agent('a');
    const [d] = dispatches({ kind: 'single', instanceId: 'a' }, 'r4', 100, 50);
    a.dispatch(d!);
    h.run(1_100);
    const s = a.snapshot();
    expect(s.atMs).toBe(h.nowMs);
    expect(s.running.map((r) => r.id)).toEqual(['r4']);
  });
});
