import { SimInstance, builtinProfiles } from '@adagen/engine';
import { DEFAULT_ADMISSION } from '@adagen/scheduler';
import type { InstanceView } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { admission, backlogMs, boundTtftMs, drainMs } from './admission.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

function view(id: string, prompts: number[], status: 'ready' | 'draining' = 'ready'): InstanceView {
  const inst = new SimInstance({ id, profile: a100 });
  prompts.forEach((p, i) =>
    inst.enqueue({ kind: 'full', id: `${id}-${i}`, promptTokens: p, outputTokens: 10 }, 0),
  );
  return { id, profile: a100.name, status, snapshot: inst.snapshot(), pending: [] };
}

describe('admission backlog', () => {
  it('an instance drains its queued prefill at its token budget per iteration', () => {
    expect(drainMs(view('a', []))).toBe(0);
    const one = drainMs(view('a', [512]));
    expect(one).toBeGreaterThan(10);
    expect(drainMs(view('a', [512 * 10]))).toBeCloseTo(10 * one, 5);
  });

  it('the fleet backlog is the soonest a ready instance drains (draining ones do not count)', () => {
    const busy = view('a', [8000, 8000]);
    const lighter = view('b', [4000]);
    const idleButLeaving = view('c', [], 'draining');
    expect(backlogMs({ nowMs: 0, instances: [busy, lighter, idleButLeaving] })).toBe(
      drainMs(lighter),
    );
    expect(backlogMs({ nowMs: 0, instances: [] })).toBe(0);
  });
});

describe('admission', () => {
  const opts = { ...DEFAULT_ADMISSION, mode: 'slo' } as const;
  const cluster = (...vs: InstanceView[]) => ({ nowMs: 0, instances: vs });
  const req = (ttftTargetMs: number, extra: { hopeless?: boolean; priority?: number } = {}) => ({
    promptTokens: 500,
    ttftTargetMs,
    hopeless: extra.hopeless ?? false,
    ...(extra.priority === undefined ? {} : { priority: extra.priority }),
  });

  it('admits a burst an idle fleet works off; refuses only past the slack', () => {
    const busy = cluster(
      view(
        'a',
        Array.from({ length: 40 }, () => 2000),
      ),
      view(
        'b',
        Array.from({ length: 40 }, () => 2000),
      ),
    );
    const best = Math.min(...busy.instances.map((v) => boundTtftMs(v, 500)));
    expect(admission(opts, busy, req(best / 3)).admit).toBe(true);
    expect(admission(opts, busy, req(best / 5))).toMatchObject({ admit: false, reason: 'slo' });
    expect(admission({ ...opts, mode: 'none' }, busy, req(1)).admit).toBe(true);
  });

  it('strict also refuses what the policy predicts misses everywhere', () => {
    const idle = cluster(view('a', []));
    expect(admission(opts, idle, req(250, { hopeless: true })).admit).toBe(true);
    expect(
      admission({ ...opts, mode: 'strict' }, idle, req(250, { hopeless: true })),
    ).toMatchObject({ admit: false, reason: 'policy' });
  });

  it('refuses when every queue is full; priority lifts or tightens the SLO rule', () => {
    const full = cluster(
      view(
        'a',
        Array.from({ length: 3 }, () => 100),
      ),
      view(
        'b',
        Array.from({ length: 3 }, () => 100),
      ),
    );
    expect(admission({ ...opts, maxQueue: 2 }, full, req(1e9))).toMatchObject({
      admit: false,
      reason: 'queue',
    });
    const busy = cluster(
      view(
        'a',
        Array.from({ length: 40 }, () => 2000),
      ),
    );
    const best = boundTtftMs(busy.instances[0]!, 500);
    expect(admission(opts, busy, req(best / 5, { priority: 1 })).admit).toBe(true);
    expect(admission(opts, busy, req(best / 3, { priority: -1 })).admit).toBe(false);
  });
});
