import { builtinProfiles } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import { policyFor, policyNames } from '../adagen/registry.js';
import { decide } from '../policy.js';
import { defaultSloSpec } from '../slo.js';
import { classified, clusterView } from '../testing/views.js';
import type { AdaGenContext } from '../adagen/context.js';
import type { ClusterView } from '../types.js';
import { DynamoKvNoPrefixBalancer } from './dynamo-noprefix.js';
import { OnlineLatencyRegression } from './latency-regression.js';
import { llmdFeatures, LlmdSloBalancer } from './llmd-slo.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const busy = (n: number) => Array.from({ length: n }, () => ({}));

/** A context whose instances carry the views' profile name ('test'). */
function context(n: number, ttftMs = 1000, tpotMs = 100): AdaGenContext {
  return {
    seed: 1,
    slo: { ttft: { kind: 'absolute', ms: ttftMs }, tpot: { kind: 'absolute', ms: tpotMs } },
    instances: Array.from({ length: n }, (_, i) => ({
      id: `i${i}`,
      profile: { ...a100, name: 'test' },
    })),
  };
}

describe('dynamo-kv-noprefix', () => {
  it('adds prefill blocks (queued + this prompt) to active blocks (used + waiting + pending)', () => {
    const view = clusterView([
      // prefill (1600 queued + 160) / 16 = 110; active 10 + 100 + 10 = 120 → 230.
      { usedBlocks: 10, waiting: [{ promptTokens: 1600, prefilledTokens: 0 }] },
      // prefill 160 / 16 = 10; active 200 + 10 = 210 → 220.
      { usedBlocks: 200 },
    ]);
    expect(new DynamoKvNoPrefixBalancer().place(classified(160), view).instanceId).toBe('i1');
    // Weight 0 is pure load balancing on active blocks: 120 < 210.
    const load = new DynamoKvNoPrefixBalancer({ overlapScoreWeight: 0 });
    expect(load.place(classified(160), view).instanceId).toBe('i0');
    expect(() => new DynamoKvNoPrefixBalancer({ overlapScoreWeight: -1 })).toThrow(/≥ 0/);
  });
});

describe('online latency regression', () => {
  it('predicts nothing before its first fit, then recovers a linear law and its p90', () => {
    const m = new OnlineLatencyRegression(2, { retrainEvery: 50 });
    let k = 0;
    const noise = () => ((k++ * 37) % 11) - 5; // deterministic, uniform on [-5, 5]
    for (let i = 0; i < 49; i++) m.add([i % 7, i % 5], 10 + 3 * (i % 7) + 20 * (i % 5) + noise());
    expect(m.predict([1, 1])).toBeUndefined();
    for (let i = 49; i < 500; i++) m.add([i % 7, i % 5], 10 + 3 * (i % 7) + 20 * (i % 5) + noise());
    const p90 = m.predict([2, 3])!;
    // Mean 76, p90 of the residuals about +4.
    expect(p90).toBeGreaterThan(76);
    expect(p90).toBeLessThan(82);
    expect(() => m.add([1], 3)).toThrow(/expected 2 features/);
  });
});

describe('llmd-slo', () => {
  const train = (b: LlmdSloBalancer, view: ClusterView, ttftOf: (waiting: number) => number) => {
    for (let i = 0; i < 200; i++) {
      const c = classified(100, `t${i}`);
      const p = b.place(c, view);
      const v = view.instances.find((x) => x.id === p.instanceId)!;
      const waiting = llmdFeatures(v, 100)[2]!;
      b.observe({
        requestId: `t${i}`,
        promptTokens: 100,
        outputTokens: 10,
        finishedAtMs: i,
        ttftMs: ttftOf(waiting) + (i % 3),
        tpotMs: 20 + (i % 3),
      });
    }
  };

  it('routes by queue until trained, then by predicted headroom learned from completions only', () => {
    const b = new LlmdSloBalancer(context(3), { regression: { retrainEvery: 20 } });
    const view = clusterView([{ waiting: busy(4) }, { waiting: busy(1) }, { waiting: busy(8) }]);
    expect(b.place(classified(), view).instanceId).toBe('i1'); // untrained: fewest requests
    expect(b.ttft.ready).toBe(false);
    // Cold start places everything on i1, so vary the views to cover several queue lengths.
    const views = [0, 2, 4, 8].map((w) => clusterView([{ waiting: busy(w) }]));
    for (const v of views) train(b, v, (waiting) => 50 + 100 * waiting);
    expect(b.ttft.ready && b.tpot.ready).toBe(true);
    const p = b.place(classified(100, 'x'), view);
    expect(p.instanceId).toBe('i1');
    expect(p.hopeless).toBeUndefined();
    expect(p.prediction!.ttftMs).toBeGreaterThan(100);
    expect(p.prediction!.ttftMs).toBeLessThan(250);
    expect(p.considered).toHaveLength(3);
    // A completion the policy never routed teaches nothing.
    const before = b.ttft.samples;
    b.observe({ requestId: 'nope', promptTokens: 1, outputTokens: 2, finishedAtMs: 0, ttftMs: 1 });
    expect(b.ttft.samples).toBe(before);
  });

  it('counts its own pending placements, so a light-load model does not herd onto one instance', () => {
    const b = new LlmdSloBalancer(context(2), { regression: { retrainEvery: 20 } });
    // Light load: nothing ever waits (its weight stays 0); TTFT grows with the running batch.
    for (const r of [0, 1, 2, 4]) {
      const view = clusterView([{ running: busy(r) }]);
      for (let i = 0; i < 60; i++) {
        const c = classified(100, `r${r}-${i}`);
        b.place(c, view);
        b.observe({
          requestId: c.request.id,
          promptTokens: 100,
          outputTokens: 10,
          finishedAtMs: i,
          ttftMs: 100 + 40 * r + (i % 3),
          tpotMs: 20 + 2 * r + (i % 3),
        });
      }
    }
    const p = b.place(classified(100, 'z'), clusterView([{ pending: busy(3) }, {}]));
    expect(p.instanceId).toBe('i1');
  });

  it('marks the placement hopeless when no instance is predicted to meet the targets', () => {
    const b = new LlmdSloBalancer(context(2, 300), { regression: { retrainEvery: 20 } });
    for (const w of [0, 3, 6]) train(b, clusterView([{ waiting: busy(w) }]), (x) => 400 + 100 * x);
    const p = b.place(
      classified(100, 'y'),
      clusterView([{ waiting: busy(5) }, { waiting: busy(2) }]),
    );
    expect(p.hopeless).toBe(true);
    expect(p.instanceId).toBe('i1'); // the least deficit
  });
});

describe('predictive baselines in the registry', () => {
  it('builds llmd-slo and predictive-greedy by name (adagen-greedy is an alias), single plans', () => {
    expect(policyNames).toEqual(
      expect.arrayContaining(['llmd-slo', 'predictive-greedy', 'dynamo-kv-noprefix']),
    );
    const ctx: AdaGenContext = {
      seed: 1,
      slo: defaultSloSpec,
      instances: ['i0', 'i1'].map((id) => ({ id, profile: { ...a100, name: 'test' } })),
    };
    const view = clusterView([{ running: busy(3) }, {}]);
    for (const name of ['llmd-slo', 'predictive-greedy', 'adagen-greedy']) {
      const policy = policyFor(name, ctx);
      expect(policy.name).toBe(name);
      const d = decide(policy, { id: 'r', arrivalMs: 0, promptTokens: 200 }, view);
      expect(d.plan.kind).toBe('single');
      expect(d.placement.instanceId).toBe('i1');
    }
  });
});
