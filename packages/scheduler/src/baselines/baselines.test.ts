import { createRng } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { classified, clusterView } from '../testing/views.js';
import {
  LeastKvBalancer,
  LeastRequestsBalancer,
  LlumnixBalancer,
  LMetricBalancer,
} from './load.js';
import { baselinePolicyNames, createPolicy } from './registry.js';
import { PowerOfTwoBalancer, RandomBalancer, RoundRobinBalancer } from './simple.js';
import { NoReadyInstanceError } from './signals.js';
import { decide } from '../policy.js';

const busy = (n: number) => Array.from({ length: n }, () => ({}));

describe('round-robin', () => {
  it('cycles through ready instances and skips draining ones without losing a turn', () => {
    const b = new RoundRobinBalancer();
    const view = clusterView([{}, { status: 'draining' }, {}, {}]);
    const picks = Array.from({ length: 6 }, () => b.place(classified(), view).instanceId);
    expect(picks).toEqual(['i0', 'i2', 'i3', 'i0', 'i2', 'i3']);
  });
});

describe('random', () => {
  it('is reproducible for a seed and never picks a draining instance', () => {
    const view = clusterView([{}, { status: 'draining' }, {}, {}]);
    const run = (seed: number) => {
      const b = new RandomBalancer(createRng(seed));
      return Array.from({ length: 200 }, () => b.place(classified(), view).instanceId);
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(a).not.toContain('i1');
    expect(new Set(a)).toEqual(new Set(['i0', 'i2', 'i3']));
  });
});

describe('least outstanding requests', () => {
  it('counts running + waiting + pending', () => {
    const view = clusterView([
      { running: busy(2), waiting: busy(1) }, // 3
      { running: busy(1), pending: busy(1) }, // 2
      { running: busy(1), waiting: busy(1), pending: busy(1) }, // 3
    ]);
    expect(new LeastRequestsBalancer().place(classified(), view).instanceId).toBe('i1');
  });
  it('breaks ties by lower index and skips draining', () => {
    const view = clusterView([{ status: 'draining' }, { running: busy(1) }, { running: busy(1) }]);
    expect(new LeastRequestsBalancer().place(classified(), view).instanceId).toBe('i1');
  });
});

describe('least KV usage', () => {
  it('adds the pending placements’ prompt blocks to the snapshot usage', () => {
    const view = clusterView([
      { usedBlocks: 100 },
      // 50 used + a pending 1000-token prompt = 63 blocks → 113 > 100.
      { usedBlocks: 50, pending: [{ promptTokens: 1000 }] },
      { usedBlocks: 120, totalBlocks: 2000 }, // 6 %
    ]);
    expect(new LeastKvBalancer().place(classified(), view).instanceId).toBe('i2');
    const two = clusterView([
      { usedBlocks: 100 },
      { usedBlocks: 50, pending: [{ promptTokens: 1000 }] },
    ]);
    expect(new LeastKvBalancer().place(classified(), two).instanceId).toBe('i0');
  });
});

describe('llumnix virtual usage', () => {
  it('counts the blocks waiting requests will need, which least-kv ignores', () => {
    const view = clusterView([
      {
        usedBlocks: 100,
        waiting: [{ promptTokens: 3200, prefilledTokens: 0, generatedTokens: 0 }],
      },
      { usedBlocks: 150 },
    ]);
    // i0: (100 + 200) / 1000; i1: 150 / 1000.
    expect(new LlumnixBalancer().place(classified(), view).instanceId).toBe('i1');
    expect(new LeastKvBalancer().place(classified(), view).instanceId).toBe('i0');
  });
});

describe('lmetric', () => {
  it('multiplies new prefill tokens by batch size', () => {
    const view = clusterView([
      // 1900 uncomputed + 100 new = 2000 tokens × (1 running + 1) = 4000.
      {
        running: [
          { promptTokens: 2000, prefilledTokens: 100, generatedTokens: 0, phase: 'prefilling' },
        ],
      },
      // 100 new × (5 running + 1) = 600; a held prefill neither computes nor counts.
      { running: [...busy(5), { kind: 'prefill', phase: 'held' }] },
      // (300 pending + 100) × (1 pending + 1) = 800.
      { pending: [{ promptTokens: 300 }] },
    ]);
    expect(new LMetricBalancer().place(classified(100), view).instanceId).toBe('i1');
  });
  it('ties go to fewer queued prefill tokens, then the lower index', () => {
    const view = clusterView([
      // (100 waiting + 100) × (0 + 1) = 200.
      { waiting: [{ promptTokens: 100, prefilledTokens: 0, generatedTokens: 0 }] },
      // 100 × (1 + 1) = 200, no queued prefill.
      { running: busy(1) },
      { running: busy(1) },
    ]);
    expect(new LMetricBalancer().place(classified(100), view).instanceId).toBe('i1');
  });
});

describe('power of two choices', () => {
  it('takes the less loaded of two distinct samples', () => {
    const view = clusterView([{ running: busy(9) }, {}]);
    const b = new PowerOfTwoBalancer(createRng(1));
    // With two ready instances both are always sampled, so the idle one always wins.
    for (let i = 0; i < 20; i++) expect(b.place(classified(), view).instanceId).toBe('i1');
  });
  it('never picks the worst of three when the others are lighter', () => {
    const view = clusterView([{ running: busy(1) }, { running: busy(9) }, { running: busy(2) }]);
    const b = new PowerOfTwoBalancer(createRng(3));
    const picks = Array.from({ length: 100 }, () => b.place(classified(), view).instanceId);
    expect(picks).not.toContain('i1');
    expect(picks).toContain('i2'); // sampled {i1, i2}
  });
});

describe('registry', () => {
  it('builds every named baseline, and each decides a single plan on a ready instance', () => {
    const view = clusterView([{ status: 'draining' }, {}, { running: busy(1) }]);
    for (const name of baselinePolicyNames) {
      const policy = createPolicy(name, { seed: 1 });
      expect(policy.name).toBe(name);
      const d = decide(policy, { id: 'x', arrivalMs: 0, promptTokens: 50, maxTokens: 10 }, view);
      expect(d.plan.kind).toBe('single');
      expect(d.placement.instanceId).not.toBe('i0');
      expect(d.placement.classification.predictedOutputTokens).toBe(10);
    }
  });
  it('rejects an unknown name and a cluster with nothing ready', () => {
    expect(() => createPolicy('fastest')).toThrow(/unknown policy "fastest".*round-robin/);
    const view = clusterView([{ status: 'draining' }]);
    expect(() =>
      decide(createPolicy('least-kv'), { id: 'x', arrivalMs: 0, promptTokens: 1 }, view),
    ).toThrow(NoReadyInstanceError);
  });
});
