import { describe, expect, it } from 'vitest';
import { searchGoodput, searchInstances } from './search.js';

// A runner with a known answer: attainment is 1 up to 7.3 req/s, then falls linearly.
const byRate = (ratePerS: number) => ({
  slo: { attainment: ratePerS <= 7.3 ? 1 : Math.max(0, 1 - (ratePerS - 7.3)) },
});

describe('searchGoodput', () => {
  it('brackets and bisects to the known knee (attainment 0.9 at 7.4 req/s)', async () => {
    const r = await searchGoodput(
      (rate) => rate,
      {
        loRatePerS: 1,
        hiRatePerS: 2,
        toleranceRel: 0.001,
      },
      byRate,
    );
    expect(r.goodputRatePerS).toBeDefined();
    expect(r.goodputRatePerS!).toBeLessThanOrEqual(7.4);
    expect(r.goodputRatePerS!).toBeGreaterThan(7.4 * 0.999 - 1e-9);
    expect(r.failingRatePerS!).toBeGreaterThan(7.4);
    // Expanded 2 → 4 → 8 (fails), then bisected.
    expect(r.probes.slice(0, 4).map((p) => [p.ratePerS, p.pass])).toEqual([
      [1, true],
      [2, true],
      [4, true],
      [8, false],
    ]);
  });
  it('reports undefined when the lowest rate already misses', async () => {
    const r = await searchGoodput((rate) => rate, { loRatePerS: 9, hiRatePerS: 20 }, byRate);
    expect(r.goodputRatePerS).toBeUndefined();
    expect(r.probes).toHaveLength(1);
  });
  it('honours the target and validates its bounds', async () => {
    const r = await searchGoodput(
      (rate) => rate,
      {
        loRatePerS: 1,
        hiRatePerS: 10,
        target: 0.5,
        toleranceRel: 0.001,
      },
      byRate,
    );
    expect(r.goodputRatePerS!).toBeCloseTo(7.8, 2);
    await expect(searchGoodput((x) => x, { loRatePerS: 0, hiRatePerS: 1 }, byRate)).rejects.toThrow(
      RangeError,
    );
  });
});

describe('searchInstances', () => {
  const byInstances = (n: number) => ({ slo: { attainment: n >= 5 ? 0.95 : 0.2 } });
  it('finds the fewest instances meeting the target', async () => {
    const r = await searchInstances((n) => n, { maxInstances: 16 }, byInstances);
    expect(r.instances).toBe(5);
    expect(r.probes[0]!.instances).toBe(16);
    expect(r.probes.length).toBeLessThanOrEqual(6);
  });
  it('returns undefined when the maximum is not enough, and min when it suffices', async () => {
    expect((await searchInstances((n) => n, { maxInstances: 4 }, byInstances)).instances).toBe(
      undefined,
    );
    const r = await searchInstances((n) => n, { minInstances: 6, maxInstances: 9 }, byInstances);
    expect(r.instances).toBe(6);
  });
});

describe('searches on the real simulator (default runner)', () => {
  // 300 identical requests (512-token prompts, 32 output tokens) evenly spaced, on one A100.
  const workloadAt = (ratePerS: number) => ({
    name: 'even',
    notes: [],
    requests: Array.from({ length: 300 }, (_, i) => ({
      id: `e${i}`,
      arrivalMs: (i * 1000) / ratePerS,
      promptTokens: 512,
      outputTokens: 32,
      source: 'test',
    })),
  });
  it('goodput: the returned rate passes, the failing one misses, within tolerance', async () => {
    const r = await searchGoodput(
      (ratePerS) => ({
        instances: { count: 1, profile: 'a100' },
        policy: 'round-robin',
        workload: workloadAt(ratePerS),
      }),
      { loRatePerS: 1, hiRatePerS: 4, toleranceRel: 0.02 },
    );
    expect(r.goodputRatePerS).toBeDefined();
    expect(r.failingRatePerS).toBeDefined();
    expect(r.failingRatePerS! - r.goodputRatePerS!).toBeLessThanOrEqual(0.02 * r.failingRatePerS!);
    const pass = r.probes.find((p) => p.ratePerS === r.goodputRatePerS)!;
    const fail = r.probes.find((p) => p.ratePerS === r.failingRatePerS)!;
    expect(pass.attainment).toBeGreaterThanOrEqual(0.9);
    expect(fail.attainment).toBeLessThan(0.9);
    // Attainment falls as the rate rises across the probes (the monotonicity bisection assumes).
    const sorted = [...r.probes].sort((a, b) => a.ratePerS - b.ratePerS);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.attainment).toBeLessThanOrEqual(sorted[i - 1]!.attainment + 1e-9);
    }
  });
  it('instances needed: more instances never hurt, and the answer is the first that passes', async () => {
    const r = await searchInstances(
      (count) => ({
        instances: { count, profile: 'a100' },
        policy: 'least-requests',
        workload: workloadAt(40),
      }),
      { maxInstances: 16 },
    );
    expect(r.instances).toBeDefined();
    const byN = new Map(r.probes.map((p) => [p.instances, p.attainment]));
    expect(byN.get(r.instances!)!).toBeGreaterThanOrEqual(0.9);
    if (byN.has(r.instances! - 1)) expect(byN.get(r.instances! - 1)!).toBeLessThan(0.9);
  });
});
