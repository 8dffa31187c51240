import { SimInstance, builtinProfiles } from '@adagen/engine';
import type { InstanceView } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import { backlogMs, drainMs } from './admission.js';

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
