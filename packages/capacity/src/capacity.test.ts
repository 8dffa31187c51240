import { builtinProfiles } from '@adagen/engine';
import { defaultSloSpec, policyFor } from '@adagen/scheduler';
import type { PolicyFactory } from '@adagen/sim';
import { searchInstances, runSimulation } from '@adagen/sim';
import { createRng } from '@adagen/stats';
import type { TraceRequest, Workload } from '@adagen/workloads';
import { describe, expect, it } from 'vitest';
import { Hysteresis } from './autoscale.js';
import { tokenCost } from './cost.js';
import { ObservedTraffic } from './observed.js';
import { planCapacity } from './plan.js';
import { stratifiedSample, windowWorkload, windowsOf } from './windows.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** Poisson arrivals at `ratePerS` with a burst at 3× in the middle third. */
function workload(n: number, ratePerS: number, seed = 1): Workload {
  const rng = createRng(seed);
  const requests: TraceRequest[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    const burst = i > n / 3 && i < (2 * n) / 3 ? 3 : 1;
    t += (-Math.log(1 - rng.next()) / (ratePerS * burst)) * 1000;
    requests.push({
      id: `r${i}`,
      arrivalMs: t,
      promptTokens: 200 + rng.int(1800),
      outputTokens: 20 + rng.int(200),
      source: 'test',
    });
  }
  return { name: 'test', requests, notes: [] };
}

describe('windows', () => {
  it('cut a workload into windows, with a warm-up that is run but not counted', () => {
    const w = workload(600, 10);
    const ws = windowsOf(w, 5000);
    expect(ws.reduce((s, x) => s + x.to - x.from, 0)).toBe(600);
    const cut = windowWorkload(w, ws[3]!, 5000);
    expect(cut.counted.to - cut.counted.from).toBe(ws[3]!.to - ws[3]!.from);
    expect(cut.counted.from).toBeGreaterThan(0);
    expect(cut.workload.requests[0]!.arrivalMs).toBe(0);
    // Stratified sample: weights sum to 1, the busiest stratum is represented.
    const sample = stratifiedSample(ws, (x) => x.to - x.from, 4);
    expect(sample).toHaveLength(4);
    expect(sample.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(1, 9);
    const busiest = Math.max(...ws.map((x) => x.to - x.from));
    expect(sample.at(-1)!.window.to - sample.at(-1)!.window.from).toBeGreaterThanOrEqual(
      busiest * 0.6,
    );
  });
});

const adagen: PolicyFactory = (ctx) => policyFor('adagen', ctx);

describe('planCapacity', () => {
  it('with a cheap policy simulated exactly, agrees with the simulator’s own search', async () => {
    const w = workload(900, 6);
    const plan = await planCapacity({
      workload: w,
      profile,
      policy: 'least-requests',
      exact: true,
      slo: defaultSloSpec,
      maxInstances: 8,
    });
    const direct = await searchInstances(
      (n) => ({ instances: { count: n, profile }, policy: 'least-requests', workload: w }),
      { maxInstances: 8, target: 0.9 },
    );
    expect(plan.instances).toBe(direct.instances);
    expect(plan.instances).toBeGreaterThan(1);
    const at = plan.curve.find((p) => p.instances === plan.instances)!;
    expect(at.attainment).toBeGreaterThanOrEqual(0.9);
    const below = plan.curve.find((p) => p.instances === plan.instances! - 1)!;
    expect(below.attainment).toBeLessThan(0.9);
  }, 60_000);

  it('estimated from windows, lands within one instance of the full search', async () => {
    const w = workload(500, 7, 2);
    const plan = await planCapacity({
      workload: w,
      profile,
      policy: adagen,
      screen: 'round-robin',
      slo: defaultSloSpec,
      maxInstances: 8,
      windows: 3,
      windowRequests: 120,
    });
    const direct = await searchInstances(
      (n) => ({ instances: { count: n, profile }, policy: adagen, workload: w }),
      { maxInstances: 8, target: 0.9 },
      (c) => runSimulation(c),
    );
    expect(plan.instances).toBeDefined();
    expect(Math.abs(plan.instances! - direct.instances!)).toBeLessThanOrEqual(1);
    // Only windows were simulated with the planned policy.
    expect(plan.policyRequests).toBeLessThan(plan.curve.length * w.requests.length);
  }, 120_000);
});

describe('tokenCost', () => {
  it('prices the fleet per million tokens served', () => {
    const w: Workload = {
      name: 'w',
      notes: [],
      requests: [
        { id: 'a', arrivalMs: 0, promptTokens: 100, outputTokens: 1000, source: 't' },
        { id: 'b', arrivalMs: 1000, promptTokens: 100, outputTokens: 1000, source: 't' },
      ],
    };
    const c = tokenCost(w, 3, 2);
    expect(c.outputTokensPerS).toBe(2000);
    expect(c.dollarsPerHour).toBe(6);
    expect(c.perMillionOutputTokens).toBeCloseTo(6 / 7.2, 9);
  });
});

describe('ObservedTraffic', () => {
  it('keeps a window of arrivals with real output lengths where known', () => {
    const o = new ObservedTraffic(60_000);
    for (let i = 0; i < 10; i++) o.arrive(`r${i}`, 1000 * i, 100 + i, 50);
    o.arrive('r0', 5, 1, 1); // a retry's second decision: ignored
    for (let i = 0; i < 5; i++) o.complete(`r${i}`, 7 + i);
    const w = o.window(9000, 6000, createRng(1));
    expect(w.requests.map((r) => r.promptTokens)).toEqual([104, 105, 106, 107, 108, 109]);
    expect(w.requests[0]!.outputTokens).toBe(11);
    // Unfinished ones: drawn from the window's finished lengths (only r4 = 11 here).
    expect(w.requests.slice(1).every((r) => r.outputTokens === 11)).toBe(true);
    expect(w.requests[0]!.arrivalMs).toBe(1000);
  });
});

describe('Hysteresis', () => {
  it('scales up at once, down only after two lower windows, within bounds', () => {
    const h = new Hysteresis({ min: 1, max: 8 }, 2);
    expect(h.next(5)).toBe(5);
    expect(h.next(3)).toBe(5); // cooldown and one window below
    expect(h.next(3)).toBe(3);
    expect(h.next(2)).toBe(3);
    expect(h.next(3)).toBe(3); // back up to current: the count of windows below resets
    expect(h.next(2)).toBe(3);
    expect(h.next(1)).toBe(2); // the higher of the last two
    expect(h.next(20)).toBe(8);
    expect(h.next(0)).toBe(8);
    expect(h.next(0)).toBe(1);
  });
});
