import { builtinProfiles, SimInstance } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import type { ClusterView, InstanceView } from '../types.js';
import { createAdaGenPolicy } from './policy.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

function instance(id: string, queuedPrompts: number): InstanceView {
  const inst = new SimInstance({ id, profile: a100 });
  for (let i = 0; i < queuedPrompts; i++)
    inst.enqueue({ kind: 'full', id: `${id}-q${i}`, promptTokens: 6000, outputTokens: 20 }, 0);
  return { id, profile: a100.name, status: 'ready', snapshot: inst.snapshot(), pending: [] };
}

describe('AdaGen balancer: the hopeless signal (admission control in the live fleet)', () => {
  const policy = () =>
    createAdaGenPolicy(
      {
        seed: 1,
        slo: { ttft: { kind: 'absolute', ms: 300 }, tpot: { kind: 'absolute', ms: 100 } },
        instances: ['i0', 'i1'].map((id) => ({ id, profile: a100 })),
      },
      { balancer: { pools: false } },
    );
  const place = (view: ClusterView) => {
    const p = policy();
    const c = p.classifier.classify({ id: 'new', arrivalMs: 0, promptTokens: 200 }, 0);
    return p.balancer.place(c, view);
  };

  it('marks a request predicted to miss its SLO on every instance, and still places it', () => {
    const p = place({ nowMs: 0, instances: [instance('i0', 8), instance('i1', 8)] });
    expect(p.hopeless).toBe(true);
    expect(['i0', 'i1']).toContain(p.instanceId);
  });

  it('does not mark it when one instance can meet the SLO', () => {
    const p = place({ nowMs: 0, instances: [instance('i0', 8), instance('i1', 0)] });
    expect(p.hopeless).toBeUndefined();
    expect(p.instanceId).toBe('i1');
  });
});
