import { builtinProfiles, SimInstance } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import type { Classification, ClusterView, InstanceView, Placement } from '../types.js';
import { AdaGenBalancer } from './balancer.js';
import { AdaGenClassifier } from './classifier.js';
import { SharedContext } from './context.js';
import type { AdaGenContext } from './context.js';
import { AdaGenPlanner } from './planner.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const ids = ['i0', 'i1', 'i2', 'i3'];
const context = (ttftMs: number): AdaGenContext => ({
  seed: 1,
  slo: { ttft: { kind: 'absolute', ms: ttftMs }, tpot: { kind: 'absolute', ms: 100 } },
  instances: ids.map((id) => ({ id, profile: a100 })),
});

/** Instances with a few decodes each, `i0` also a queued long prompt. */
function view(): ClusterView {
  const instances: InstanceView[] = ids.map((id, k) => {
    const inst = new SimInstance({ id, profile: a100 });
    for (let i = 0; i < 4 + k; i++)
      inst.enqueue({ kind: 'full', id: `${id}-d${i}`, promptTokens: 300, outputTokens: 400 }, 0);
    if (id === 'i0')
      inst.enqueue({ kind: 'full', id: `${id}-long`, promptTokens: 8000, outputTokens: 10 }, 0);
    inst.runUntil(200);
    return { id, profile: a100.name, status: 'ready', snapshot: inst.snapshot(), pending: [] };
  });
  return { nowMs: 200, instances };
}

/** The balance step in one process (its own estimator), as the live balancer runs it. */
function balance(ctx: AdaGenContext, promptTokens: number): { c: Classification; p: Placement } {
  const shared = new SharedContext(ctx);
  const c = new AdaGenClassifier().classify({ id: 'new', arrivalMs: 200, promptTokens }, 200);
  const p = new AdaGenBalancer(shared).place(c, view());
  expect(shared.estimator.runs).toBeGreaterThan(0);
  return { c, p };
}

/** The distribute step in another process: a fresh estimator; the layouts it estimated. */
function plan(ctx: AdaGenContext, p: Placement): { layouts: number; kind: string } {
  const shared = new SharedContext(ctx);
  const d = new AdaGenPlanner(shared).plan(p, view());
  return { layouts: shared.estimator.estimates, kind: d.plan.kind };
}

describe('AdaGen planner reuses the balance step’s estimates', () => {
  it('computes no layout again for a single placement that meets its SLO', () => {
    const ctx = context(5000);
    const { p } = balance(ctx, 200);
    expect(p.estimates?.length).toBe(ids.length);
    const reused = plan(ctx, p);
    expect(reused).toEqual({ layouts: 0, kind: 'single' });
    // Without them (a placement from another policy) the planner simulates every candidate.
    const { estimates: _e, ...bare } = p;
    expect(plan(ctx, bare).layouts).toBe(p.estimates!.length);
  });

  it('simulates only the distributed options when the single placement misses', () => {
    const ctx = context(150);
    const { p } = balance(ctx, 6000);
    const reused = plan(ctx, p);
    const { estimates: _e, ...bare } = p;
    const recomputed = plan(ctx, bare);
    expect(reused.kind).toBe(recomputed.kind);
    // P/D and split options are new layouts; the candidates' single layouts are not redone.
    expect(reused.layouts).toBeGreaterThan(0);
    expect(reused.layouts).toBe(recomputed.layouts - p.estimates!.length);
  });
});
