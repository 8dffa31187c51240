import { builtinProfiles } from '@adagen/engine';
import { policyFor } from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import type { SimConfigInput } from './config.js';
import { deadlineMsOf, DEFAULT_DEADLINE, parseSimConfig, SimConfigError } from './config.js';
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

/** 40 long prompts at once (far more than one instance prefills in 2 s), then a late one. */
const burst = workloadOf([
  ...Array.from({ length: 40 }, (_, i) => [i, 8000, 50] as const),
  [6000, 200, 10],
]);

function expectEverythingFreed(sim: Simulation): void {
  for (const s of sim.slots) {
    expect(s.instance.hasWork()).toBe(false);
    expect(s.instance.snapshot().kv.usedBlocks).toBe(0);
  }
}

describe('client deadlines', () => {
  it('defaults to max(10 × TTFT target, 30 s)', () => {
    expect(
      parseSimConfig({
        instances: { count: 1, profile: a100 },
        policy: 'round-robin',
        workload: burst,
      }).deadline,
    ).toEqual(DEFAULT_DEADLINE);
    expect(deadlineMsOf(DEFAULT_DEADLINE, 250)).toBe(30_000);
    expect(deadlineMsOf(DEFAULT_DEADLINE, 5000)).toBe(50_000);
    expect(deadlineMsOf({ kind: 'fixed', ms: 1234 }, 5000)).toBe(1234);
    expect(deadlineMsOf('off', 5000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('abandons what has no first token by its deadline, frees it, and serves the rest sooner', () => {
    const base = {
      instances: { count: 1, profile: a100 },
      policy: 'round-robin',
      workload: burst,
    } as const;
    const off = simulate({ ...base, deadline: 'off' });
    const on = simulate({ ...base, deadline: { kind: 'fixed', ms: 2000 } });
    expect(off.metrics.abandonedCount).toBe(0);
    expect(off.metrics.finished).toBe(41);
    const m = on.metrics;
    expect(m.abandonedCount).toBeGreaterThan(20);
    expect(m.finished + m.abandonedCount).toBe(41);
    for (let i = 0; i < m.count; i++) {
      if (m.abandoned[i] === 1) expect(m.tokens[i]).toBe(0);
      // every first token came before the client gave up
      else expect(m.ttftMs(i)).toBeLessThanOrEqual(2000);
    }
    expectEverythingFreed(on);
    // The late request no longer waits behind the abandoned backlog.
    expect(m.ttftMs(40)).toBeLessThan(off.metrics.ttftMs(40) / 5);
    const summary = runSimulation({ ...base, deadline: { kind: 'fixed', ms: 2000 } }).metrics;
    expect(summary.requests).toMatchObject({
      total: 41,
      accepted: 41,
      shed: 0,
      abandoned: m.abandonedCount,
      finished: m.finished,
    });
    expect(summary.ttftMs.max).toBeLessThanOrEqual(2000);
    expect(summary.slo.attainment).toBeLessThanOrEqual(m.finished / 41);
  });

  it('cancels every part of a distributed plan (pd-split and split-prefill)', () => {
    const pd = planningPolicy('pd', (p) => ({
      kind: 'pd-split',
      prefillInstanceId: p.instanceId,
      decodeInstanceId: p.instanceId === 'i0' ? 'i1' : 'i0',
    }));
    const split = planningPolicy('split', (p) => {
      const n = p.classification.request.promptTokens;
      return {
        kind: 'split-prefill',
        segments: [
          { instanceId: 'i0', startToken: 0, endToken: n >> 1 },
          { instanceId: 'i1', startToken: n >> 1, endToken: n },
        ],
        decodeInstanceId: 'i2',
      };
    });
    for (const policy of [pd, split]) {
      const sim = simulate({
        instances: { count: 3, profile: a100 },
        policy: () => policy,
        workload: burst,
        deadline: { kind: 'fixed', ms: 1000 },
      });
      const m = sim.metrics;
      expect(m.abandonedCount).toBeGreaterThan(0);
      expect(m.finished + m.abandonedCount).toBe(41);
      expectEverythingFreed(sim);
    }
  });

  it('a deadline shorter than the control delay abandons before delivery without crashing', () => {
    const sim = simulate({
      instances: { count: 1, profile: a100 },
      policy: 'round-robin',
      workload: workloadOf([[0, 100, 5]]),
      controlDelayMs: 5,
      deadline: { kind: 'fixed', ms: 1 },
    });
    expect(sim.metrics.abandonedCount).toBe(1);
    expectEverythingFreed(sim);
  });

  it('rejects a bad deadline naming the field', () => {
    expect(() =>
      parseSimConfig({
        instances: { count: 1, profile: a100 },
        policy: 'round-robin',
        workload: burst,
        deadline: { kind: 'fixed', ms: -1 },
      }),
    ).toThrow(SimConfigError);
    try {
      parseSimConfig({
        instances: { count: 1, profile: a100 },
        policy: 'round-robin',
        workload: burst,
        // @ts-expect-error an unknown mode
        admission: { mode: 'bogus' },
      });
    } catch (e) {
      expect((e as SimConfigError).field).toBe('admission.mode');
    }
  });
});

describe('admission in the simulator', () => {
  const base = {
    instances: { count: 2, profile: a100 },
    policy: 'least-kv',
    workload: burst,
    deadline: 'off',
  } as const;

  it('none (the default) places everything', () => {
    const r = runSimulation(base).metrics.requests;
    expect(r).toMatchObject({ total: 41, accepted: 41, shed: 0 });
  });

  it('saturation sheds once every instance queues 5, for any policy', () => {
    for (const policy of ['least-kv', 'round-robin', 'power-of-two']) {
      const sim = simulate({
        ...base,
        policy: (ctx) => policyFor(policy, ctx),
        admission: { mode: 'saturation' },
      });
      const m = sim.metrics;
      expect(m.shedCount).toBeGreaterThan(10);
      for (let i = 0; i < m.count; i++) {
        if (m.shed[i] === 1) {
          expect(m.tokens[i]).toBe(0);
          expect(m.placedOn[i]).toBe(-1);
        }
      }
      expect(m.finished).toBe(41 - m.shedCount);
      expectEverythingFreed(sim);
    }
  });

  it('slo sheds what is predicted far over its TTFT target; attainment is over offered', () => {
    const res = runSimulation({
      ...base,
      admission: { mode: 'slo' },
      slo: { ttft: { kind: 'absolute', ms: 1000 }, tpot: { kind: 'absolute', ms: 1000 } },
    }).metrics;
    expect(res.requests.shed).toBeGreaterThan(0);
    expect(res.requests.accepted).toBe(41 - res.requests.shed);
    expect(res.slo.attainment).toBeCloseTo(res.slo.met / 41, 12);
    // the first requests on idle instances are never refused
    const records = runSimulation(
      {
        ...base,
        admission: { mode: 'slo' },
        slo: { ttft: { kind: 'absolute', ms: 1000 }, tpot: { kind: 'absolute', ms: 1000 } },
      },
      { perRequest: true },
    ).requests!;
    expect(records[0]!.shed).toBe(false);
    expect(records[1]!.shed).toBe(false);
    expect(records.filter((r) => r.shed)).toHaveLength(res.requests.shed);
  });

  it('strict adds what the policy itself predicts misses everywhere (AdaGen only predicts that)', () => {
    const shed = (policy: string, mode: 'slo' | 'strict') =>
      runSimulation({
        ...base,
        policy: (ctx) => policyFor(policy, ctx),
        admission: { mode },
      }).metrics.requests.shed;
    expect(shed('least-kv', 'strict')).toBe(shed('least-kv', 'slo'));
    expect(shed('adagen', 'strict')).toBeGreaterThan(shed('adagen', 'slo'));
  });
});
