import type { ExecutionPlan, RequestCancel } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { Harness, dispatches, outcome, tokens } from './sim-harness.js';

const cancel = (requestId: string, upToAttempt: number): RequestCancel => ({
  v: 1,
  type: 'request_cancel',
  requestId,
  upToAttempt,
  reason: 'client_closed',
  atMs: 0,
});

describe('SimAgent cancels and attempts', () => {
  it('a cancel from the owning gateway frees the KV mid-stream and sends nothing more', () => {
    const h = new Harness();
    const a = h.agent('a');
    const [d] = dispatches({ kind: 'single', instanceId: 'a' }, 'c1', 2000, 200);
    a.dispatch(d!);
    h.run(1_300);
    const sent = tokens(h, 'c1').length;
    expect(sent).toBeGreaterThan(0);
    expect(a.instance.snapshot().kv.usedBlocks).toBeGreaterThan(0);
    expect(a.cancel(cancel('c1', 0), 'other-gw')).toBe(false); // not that gateway's request
    expect(a.cancel(cancel('c1', 0), 'gw')).toBe(true);
    h.run();
    expect(tokens(h, 'c1')).toHaveLength(sent);
    expect(outcome(h, 'c1')).toBeUndefined();
    expect(a.instance.snapshot().kv.usedBlocks).toBe(0);
    expect(a.activeRequests).toBe(0);
    expect(a.counts.cancelled).toBe(1);
    expect(a.dispatch(d!).status).toBe('rejected'); // a late copy of the cancelled attempt
  });

  it('a cancel that arrives before its dispatch refuses it; a later attempt runs', () => {
    const h = new Harness();
    const a = h.agent('a');
    a.cancel(cancel('c2', 0), 'gw');
    const [d0] = dispatches({ kind: 'single', instanceId: 'a' }, 'c2', 100, 5, 0);
    const [d1] = dispatches({ kind: 'single', instanceId: 'a' }, 'c2', 100, 5, 1);
    expect(a.dispatch(d0!)).toMatchObject({ status: 'rejected', error: { code: 'unavailable' } });
    expect(a.dispatch(d1!).status).toBe('accepted');
    h.run();
    expect(outcome(h, 'c2')).toMatchObject({ type: 'done', attempt: 1 });
  });

  it('a later attempt replaces the running one (from token 0); repeats and older ones are duplicates', () => {
    const h = new Harness();
    const a = h.agent('a');
    const plan: ExecutionPlan = { kind: 'single', instanceId: 'a' };
    const [d0] = dispatches(plan, 'c3', 500, 30, 0);
    const [d1] = dispatches(plan, 'c3', 500, 30, 1);
    a.dispatch(d0!);
    h.run(1_150);
    expect(a.dispatch(d1!).status).toBe('accepted');
    expect(a.dispatch(d1!).status).toBe('duplicate');
    expect(a.dispatch(d0!).status).toBe('duplicate');
    h.run();
    const all = h.streams.get('adagen.v1.stream.gw.c3') ?? [];
    const second = all.filter((m) => m.attempt === 1);
    expect(second.flatMap((m) => (m.type === 'token' ? [m.seq] : []))).toEqual([
      ...Array(30).keys(),
    ]);
    expect(second.at(-1)).toMatchObject({ type: 'done' });
    expect(all.filter((m) => m.attempt === 0 && m.type !== 'token')).toEqual([]);
    expect(a.instance.snapshot().kv.usedBlocks).toBe(0);
    // Finished: the same attempt is a duplicate, a later one runs again.
    expect(a.dispatch(d1!).status).toBe('duplicate');
    expect(a.dispatch(dispatches(plan, 'c3', 500, 3, 2)[0]!).status).toBe('accepted');
  });

  it('rolls back a P/D split: a cancel on both agents frees the prefill KV and the waiting decode', () => {
    const h = new Harness();
    const a = h.agent('a');
    const b = h.agent('b');
    const plan: ExecutionPlan = { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'b' };
    const [pa, pb] = dispatches(plan, 'c4', 3000, 10);
    a.dispatch(pa!);
    b.dispatch(pb!);
    h.run(1_050);
    expect(a.activeRequests + b.activeRequests).toBe(2);
    for (const x of [a, b]) x.cancel({ ...cancel('c4', 0), reason: 'rollback' }, 'gw');
    h.run();
    expect(a.activeRequests + b.activeRequests).toBe(0);
    expect(a.instance.snapshot().kv.usedBlocks + b.instance.snapshot().kv.usedBlocks).toBe(0);
    expect(outcome(h, 'c4')).toBeUndefined();
  });
});
