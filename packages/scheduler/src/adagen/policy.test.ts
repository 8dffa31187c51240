import { builtinProfiles, LatencyModel, SimInstance } from '@adagen/engine';
import type { LatencyProfile } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import { LeastKvBalancer } from '../baselines/load.js';
import { decide } from '../policy.js';
import type { ClusterView, InstanceView, RequestInfo } from '../types.js';
import type { AdaGenContext } from './context.js';
import { createAdaGenPolicy } from './policy.js';
import { adagenVariantNames, policyFor, policyNames } from './registry.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const longCtx: LatencyProfile = { ...a100, model: { ...a100.model, maxModelLen: 131072 } };

function context(
  ids: string[],
  slo: AdaGenContext['slo'],
  profile: LatencyProfile = a100,
): AdaGenContext {
  return { seed: 1, slo, instances: ids.map((id) => ({ id, profile })) };
}

function viewOf(inst: SimInstance): InstanceView {
  return {
    id: inst.id,
    profile: inst.profile.name,
    status: 'ready',
    snapshot: inst.snapshot(),
    pending: [],
  };
}

function decoding(id: string, n: number, profile: LatencyProfile = a100): SimInstance {
  const inst = new SimInstance({ id, profile });
  for (let i = 0; i < n; i++) {
    inst.enqueue(
      {
        kind: 'full',
        id: `${id}-d${i}`,
        promptTokens: 200,
        outputTokens: 500,
        meta: { predictedOutputTokens: 500 },
      },
      0,
    );
  }
  inst.runUntil(400);
  return inst;
}

const request = (promptTokens: number, id = 'new'): RequestInfo => ({
  id,
  arrivalMs: 400,
  promptTokens,
  maxTokens: 64,
});

describe('AdaGen policy', () => {
  it('keeps a short request away from a queued long prefill that memory balancing prefers', () => {
    // i0: no KV in use but a long prompt waiting (its blocks are not allocated yet);
    // i1: a few decodes holding KV.
    const queued = new SimInstance({ id: 'i0', profile: a100 });
    queued.enqueue({ kind: 'full', id: 'big', promptTokens: 8000, outputTokens: 10 }, 400);
    const busy = decoding('i1', 8);
    const view: ClusterView = { nowMs: 400, instances: [viewOf(queued), viewOf(busy)] };
    const memory = new LeastKvBalancer();
    const policy = createAdaGenPolicy(
      context(['i0', 'i1'], {
        ttft: { kind: 'scale', factor: 3, floorMs: 100 },
        tpot: { kind: 'scale', factor: 5, floorMs: 50 },
      }),
    );
    const c = policy.classifier.classify(request(300), 400);
    expect(memory.place(c, view).instanceId).toBe('i0');
    const d = decide(policy, request(300), view);
    expect(d.plan).toEqual({ kind: 'single', instanceId: 'i1' });
    expect(d.prediction!.ttftMs).toBeLessThan(300);
  });

  it('puts a long prompt where it slows the fewest running decodes below their SLO', () => {
    const many = decoding('i0', 48);
    const few = decoding('i1', 4);
    const view: ClusterView = { nowMs: 400, instances: [viewOf(many), viewOf(few)] };
    const model = new LatencyModel(a100);
    // TPOT target just above what 48 decodes get alone, so a prefill stream would break it.
    const alone = model.iterationMsOf(0, 0, 48, 48 * 260, 48);
    const policy = createAdaGenPolicy(
      context(['i0', 'i1'], {
        ttft: { kind: 'absolute', ms: 60_000 },
        tpot: { kind: 'absolute', ms: alone * 1.3 },
      }),
      // Pools off: this is about the layout cost alone (with pools the long prompt keeps to i0).
      { steps: { distribute: false }, balancer: { pools: false } },
    );
    const d = decide(policy, request(6000), view);
    expect(d.plan).toEqual({ kind: 'single', instanceId: 'i1' });
  });

  it('splits a long prefill across idle instances when one alone misses the TTFT target', () => {
    const ids = ['i0', 'i1', 'i2', 'i3'];
    const view: ClusterView = {
      nowMs: 0,
      instances: ids.map((id) => viewOf(new SimInstance({ id, profile: longCtx }))),
    };
    const model = new LatencyModel(longCtx);
    const prompt = 60_000;
    const aloneMs = model.prefillAloneMs(0, prompt, 512);
    const policy = createAdaGenPolicy(
      context(
        ids,
        {
          ttft: { kind: 'absolute', ms: aloneMs * 0.6 },
          tpot: { kind: 'absolute', ms: 200 },
        },
        longCtx,
      ),
    );
    const d = decide(
      policy,
      { id: 'huge', arrivalMs: 0, promptTokens: prompt, maxTokens: 32 },
      view,
    );
    expect(d.plan.kind).toBe('split-prefill');
    if (d.plan.kind !== 'split-prefill') return;
    expect(d.plan.segments.length).toBeGreaterThanOrEqual(2);
    expect(d.plan.segments[0]!.startToken).toBe(0);
    expect(d.plan.segments.at(-1)!.endToken).toBe(prompt);
    expect(d.prediction!.ttftMs).toBeLessThan(aloneMs * 0.6);
  });

  it('stays single-instance when the single placement meets every SLO', () => {
    const ids = ['i0', 'i1'];
    const view: ClusterView = {
      nowMs: 0,
      instances: ids.map((id) => viewOf(new SimInstance({ id, profile: a100 }))),
    };
    const policy = createAdaGenPolicy(
      context(ids, {
        ttft: { kind: 'scale', factor: 5, floorMs: 250 },
        tpot: { kind: 'scale', factor: 5, floorMs: 50 },
      }),
    );
    expect(decide(policy, { id: 'x', arrivalMs: 0, promptTokens: 7000 }, view).plan.kind).toBe(
      'single',
    );
  });

  it('resolves every policy name and rejects unknown ones', () => {
    const ctx = context(['i0'], {
      ttft: { kind: 'scale', factor: 5, floorMs: 250 },
      tpot: { kind: 'scale', factor: 5, floorMs: 50 },
    });
    for (const name of [...policyNames, ...adagenVariantNames]) {
      expect(policyFor(name, ctx).name).toBe(name);
    }
    expect(() => policyFor('nope', ctx)).toThrow(/unknown policy "nope"/);
  });
});

describe('AdaGen planner on its own', () => {
  it('estimates the layouts itself when the balance step ran elsewhere', () => {
    const ids = ['i0', 'i1', 'i2', 'i3'];
    const view: ClusterView = {
      nowMs: 0,
      instances: ids.map((id) => viewOf(new SimInstance({ id, profile: longCtx }))),
    };
    const prompt = 60_000;
    const aloneMs = new LatencyModel(longCtx).prefillAloneMs(0, prompt, 512);
    const ctx = context(
      ids,
      { ttft: { kind: 'absolute', ms: aloneMs * 0.6 }, tpot: { kind: 'absolute', ms: 200 } },
      longCtx,
    );
    // Two processes: one policy balances, a separate one plans.
    const balancing = createAdaGenPolicy(ctx);
    const planning = createAdaGenPolicy(ctx);
    const req = { id: 'huge', arrivalMs: 0, promptTokens: prompt, maxTokens: 32 };
    const placement = balancing.balancer.place(balancing.classifier.classify(req, 0), view);
    expect(planning.planner.plan(placement, view).plan.kind).toBe('split-prefill');
  });
});
