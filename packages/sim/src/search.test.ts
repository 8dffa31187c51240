import { describe, expect, it } from 'vitest';
import { searchGoodput, searchInstances } from './search.js';

// A runner with a known answer: attainment is 1 up to 7.3 req/s, then falls linearly.
const byRate = (ratePerS: number) => ({
  slo: { attainment: ratePerS <= 7.3 ? 1 : Math.max(0, 1 - (ratePerS - 7.3)) },
});

describe('searchGoodput', () => {
  it('brackets and bisects to the known knee (attainment 0.9 at 7.4 req/s)', async () => {
    const r = await searchGoodput((rate) => rate, byRate, {
      loRatePerS: 1,
      hiRatePerS: 2,
      toleranceRel: 0.001,
    });
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
    const r = await searchGoodput((rate) => rate, byRate, { loRatePerS: 9, hiRatePerS: 20 });
    expect(r.goodputRatePerS).toBeUndefined();
    expect(r.probes).toHaveLength(1);
  });
  it('honours the target and validates its bounds', async () => {
    const r = await searchGoodput((rate) => rate, byRate, {
      loRatePerS: 1,
      hiRatePerS: 10,
      target: 0.5,
      toleranceRel: 0.001,
    });
    expect(r.goodputRatePerS!).toBeCloseTo(7.8, 2);
    await expect(searchGoodput((x) => x, byRate, { loRatePerS: 0, hiRatePerS: 1 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('searchInstances', () => {
  const byInstances = (n: number) => ({ slo: { attainment: n >= 5 ? 0.95 : 0.2 } });
  it('finds the fewest instances meeting the target', async () => {
    const r = await searchInstances((n) => n, byInstances, { maxInstances: 16 });
    expect(r.instances).toBe(5);
    expect(r.probes[0]!.instances).toBe(16);
    expect(r.probes.length).toBeLessThanOrEqual(6);
  });
  it('returns undefined when the maximum is not enough, and min when it suffices', async () => {
    expect((await searchInstances((n) => n, byInstances, { maxInstances: 4 })).instances).toBe(
      undefined,
    );
    const r = await searchInstances((n) => n, byInstances, { minInstances: 6, maxInstances: 9 });
    expect(r.instances).toBe(6);
  });
});
