import { builtinProfiles, LatencyModel } from '@adagen/engine';
import type { ClusterView, Policy } from '@adagen/scheduler';
import {
  composePolicy,
  DefaultClassifier,
  idleTtftMs,
  LeastKvBalancer,
  SinglePlanner,
} from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import type { SimConfigInput } from './config.js';
import { parseSimConfig, SimConfigError } from './config.js';
import { instanceSpecs } from './instances.js';
import { runSimulation } from './run.js';
import { Simulation } from './simulation.js';
import { planningPolicy, workloadOf } from './testing.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

function simulate(input: SimConfigInput): Simulation {
  const config = parseSimConfig(input);
  const sim = new Simulation(config, instanceSpecs(config));
  sim.run();
  return sim;
}

/** Every request got exactly its tokens, at non-decreasing times after its arrival. */
function expectExactAndMonotone(sim: Simulation): void {
  const m = sim.metrics;
  for (let i = 0; i < m.count; i++) {
    expect(m.tokens[i]).toBe(m.outputTokens[i]);
    expect(m.firstTokenMs[i]!).toBeGreaterThan(m.arrivalMs[i]!);
    expect(m.lastTokenMs[i]!).toBeGreaterThanOrEqual(m.firstTokenMs[i]!);
    expect(m.firstAdmitMs[i]!).toBeGreaterThanOrEqual(m.arrivalMs[i]!);
  }
  expect(m.finished).toBe(m.count);
  expect(m.gapsMs.sorted()[0] ?? 0).toBeGreaterThanOrEqual(0); // token times never go back
}

const mixed = workloadOf([
  [0, 1200, 40],
  [5, 300, 1],
  [10, 4000, 120],
  [12, 50, 300],
  [40, 2500, 2],
  [41, 700, 64],
  [300, 7000, 30],
  [305, 128, 200],
]);

describe('single plans', () => {
  it('runs every request to its exact token count; TTFT on an idle instance is delay + prefill', () => {
    const sim = simulate({
      instances: { count: 2, profile: a100 },
      policy: 'round-robin',
      workload: workloadOf([[0, 1000, 5]]),
      controlDelayMs: 2,
    });
    expectExactAndMonotone(sim);
    const model = new LatencyModel(a100);
    const chunking = sim.slots[0]!.chunking;
    expect(sim.metrics.ttftMs(0)).toBeCloseTo(2 + idleTtftMs(1000, model, chunking), 9);
  });

  it('is deterministic and counts plans', () => {
    const input = {
      instances: { count: 3, profile: a100 },
      policy: 'random',
      workload: mixed,
      seed: 4,
    };
    const a = runSimulation(input);
    expect(runSimulation(input)).toEqual(a);
    expect(a.metrics.plans).toEqual({ single: 8, 'pd-split': 0, 'split-prefill': 0 });
    expect(a.metrics.requests.finished).toBe(8);
    expectExactAndMonotone(simulate(input));
  });
});

describe('pd-split plans', () => {
  const policy = () =>
    planningPolicy('pd', (p) => ({
      kind: 'pd-split',
      prefillInstanceId: p.instanceId,
      decodeInstanceId: p.instanceId === 'i0' ? 'i1' : 'i0',
    }));
  it('prefills on one instance, decodes on the other after the KV transfer', () => {
    const sim = simulate({
      instances: { count: 2, profile: a100 },
      policy: policy,
      workload: mixed,
      kvLink: 'ethernet-10g',
    });
    expectExactAndMonotone(sim);
    expect(sim.metrics.plan.every((k) => k === 1)).toBe(true);
    const records = runSimulation(
      { instances: { count: 2, profile: a100 }, policy, workload: mixed },
      { perRequest: true },
    ).requests!;
    expect(records).toHaveLength(8);
    expect(records[0]).toMatchObject({ id: 'q0', plan: 'pd-split', instances: ['i0', 'i1'] });
    expect(records[1]).toMatchObject({ plan: 'pd-split', instances: ['i1', 'i0'], tpotMs: 0 });
    // Token 1 of q0 (1200-token KV over 1 GB/s ≈ 157 ms) comes after the transfer.
    const m = sim.metrics;
    expect(m.maxGapMs[0]!).toBeGreaterThan(((1200 * 131072) / 1e9) * 1000);
    // Both instances are free at the end: the prefill KV was released after hand-off.
    for (const s of sim.slots) {
      expect(s.instance.hasWork()).toBe(false);
      expect(s.instance.snapshot().kv.usedBlocks).toBe(0);
    }
  });
});

describe('split-prefill plans', () => {
  const policy = () =>
    planningPolicy('split', (p) => {
      const n = p.classification.request.promptTokens;
      const half = Math.max(1, Math.floor(n / 2));
      return n < 2
        ? { kind: 'single', instanceId: 'i0' }
        : {
            kind: 'split-prefill',
            segments: [
              { instanceId: 'i0', startToken: 0, endToken: half },
              { instanceId: 'i1', startToken: half, endToken: n },
            ],
            decodeInstanceId: 'i2',
          };
    });
  it('runs segments in parallel, emits the first token when the last finishes, decodes on the third', () => {
    const sim = simulate({
      instances: { count: 3, profile: a100 },
      policy: policy,
      workload: mixed,
    });
    expectExactAndMonotone(sim);
    expect(sim.metrics.plan.every((k) => k === 2)).toBe(true);
    for (const s of sim.slots) expect(s.instance.snapshot().kv.usedBlocks).toBe(0);
    // A lone 7000-token prompt split in two is faster to first token than prefilled whole.
    const whole = idleTtftMs(7000, new LatencyModel(a100), sim.slots[0]!.chunking);
    expect(sim.metrics.ttftMs(6)).toBeLessThan(whole);
  });
  it('rejects malformed segments naming the request', () => {
    const bad = () =>
      planningPolicy('bad', () => ({
        kind: 'split-prefill',
        segments: [{ instanceId: 'i0', startToken: 0, endToken: 10 }],
        decodeInstanceId: 'i1',
      }));
    expect(() =>
      simulate({ instances: { count: 2, profile: a100 }, policy: bad, workload: mixed }),
    ).toThrow(/split-prefill of q0: segments cover \[0, 10\) of 1200/);
  });
});

describe('stale views', () => {
  it('show a snapshot at most Δ old plus the placements made since it', () => {
    const seen: Array<{ nowMs: number; atMs: number[]; pending: number }> = [];
    const spy = (): Policy => {
      const inner = composePolicy(
        'spy',
        new DefaultClassifier(),
        new LeastKvBalancer(),
        new SinglePlanner(),
      );
      return {
        ...inner,
        balancer: {
          name: 'spy',
          place: (c, view: ClusterView) => {
            seen.push({
              nowMs: view.nowMs,
              atMs: view.instances.map((v) => v.snapshot.atMs),
              pending: view.instances.reduce((k, v) => k + v.pending.length, 0),
            });
            return inner.balancer.place(c, view);
          },
        },
      };
    };
    const burst = workloadOf(Array.from({ length: 30 }, (_, i) => [i * 7, 500, 50] as const));
    simulate({
      instances: { count: 4, profile: a100 },
      policy: spy,
      workload: burst,
      snapshotIntervalMs: 100,
    });
    expect(seen).toHaveLength(30);
    for (const s of seen) {
      for (const at of s.atMs) {
        expect(at).toBeLessThanOrEqual(s.nowMs);
        if (s.nowMs >= 100) expect(s.nowMs - at).toBeLessThan(100);
      }
    }
    // Before the first publications (other than i0's at 0) every placement is still pending;
    // i1 publishes at 25 ms, which clears the ones delivered there before it.
    expect(seen[3]!.pending).toBe(3);
    expect(Math.max(...seen.map((s) => s.pending))).toBeLessThan(30);
  });
});

describe('horizon and jitter', () => {
  const base = {
    instances: { count: 2, profile: a100 },
    policy: 'least-requests',
    workload: mixed,
  };
  it('stops at the horizon and counts the unfinished as SLO misses', () => {
    const full = runSimulation(base);
    const cut = runSimulation({ ...base, horizonMs: 300 });
    expect(full.metrics.requests.unfinished).toBe(0);
    expect(cut.metrics.requests.unfinished).toBeGreaterThan(0);
    expect(cut.metrics.slo.met).toBeLessThanOrEqual(8 - cut.metrics.requests.unfinished);
    expect(cut.settings.horizonMs).toBe(300);
  });
  it('jitter perturbs iteration times, reproducibly for a seed', () => {
    const a = runSimulation({ ...base, jitterSigma: 0.2, seed: 1 });
    expect(runSimulation({ ...base, jitterSigma: 0.2, seed: 1 })).toEqual(a);
    expect(runSimulation({ ...base, jitterSigma: 0.2, seed: 2 }).metrics.ttftMs).not.toEqual(
      a.metrics.ttftMs,
    );
    expect(runSimulation(base).metrics.ttftMs).not.toEqual(a.metrics.ttftMs);
  });
});

describe('rejections', () => {
  it('a request longer than maxModelLen is dropped, counted, and does not stall the run', () => {
    const w = workloadOf([
      [0, 9000, 10],
      [1, 100, 10],
    ]);
    const r = runSimulation({
      instances: { count: 1, profile: a100 },
      policy: 'round-robin',
      workload: w,
    });
    expect(r.metrics.requests).toMatchObject({ finished: 1, unfinished: 1, rejected: 1 });
    expect(r.metrics.slo.attainment).toBeLessThanOrEqual(0.5);
    const ok = runSimulation({
      instances: { count: 1, profile: a100, engine: { maxModelLen: 16384 } },
      policy: 'round-robin',
      workload: w,
    });
    expect(ok.metrics.requests.finished).toBe(2);
  });
});

describe('config', () => {
  it('names the bad field', () => {
    const base = {
      instances: { count: 2, profile: 'a100' },
      policy: 'round-robin',
      workload: mixed,
    };
    expect(() => parseSimConfig({ ...base, snapshotIntervalMs: -1 })).toThrow(/snapshotIntervalMs/);
    expect(() => parseSimConfig({ ...base, instances: { count: 0, profile: 'a100' } })).toThrow(
      /instances/,
    );
    expect(() => runSimulation({ ...base, instances: { count: 2, profile: 'tpu' } })).toThrow(
      SimConfigError,
    );
    expect(() => runSimulation({ ...base, policy: 'nope' })).toThrow(/unknown policy "nope"/);
    expect(() => parseSimConfig({ ...base, bogus: 1 } as SimConfigInput)).toThrow(/bogus/);
  });
  it('resolves short profile aliases', () => {
    const r = runSimulation({
      instances: { count: 1, profile: 'h100' },
      policy: 'least-kv',
      workload: mixed,
    });
    expect(r.instances[0]!.profile).toBe('llama-3-8b_h100-80gb_tp1');
  });
});
