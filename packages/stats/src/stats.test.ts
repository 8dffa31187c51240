import { describe, expect, it } from 'vitest';
import {
  createRng,
  ecdf,
  gamma,
  interArrivalMs,
  lognormal,
  lognormalFromMedianP90,
  nearestRankSorted,
  quantileSorted,
  summarize,
} from './index.js';

describe('createRng', () => {
  it('repeats for the same seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('stays in [0,1) with a mean near 1/2', () => {
    const rng = createRng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('forks independent, reproducible streams', () => {
    const f1 = createRng(1).fork('arrivals');
    const f2 = createRng(1).fork('arrivals');
    const g = createRng(1).fork('lengths');
    expect(f1.next()).toBe(f2.next());
    expect(g.next()).not.toBe(createRng(1).fork('arrivals').next());
  });

  it('rejects a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
  });
});

describe('distributions', () => {
  it('gamma has mean k·θ', () => {
    const rng = createRng(3);
    let sum = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) sum += gamma(rng, 0.25, 4);
    expect(sum / n).toBeGreaterThan(0.9);
    expect(sum / n).toBeLessThan(1.1);
  });

  it('inter-arrival gaps have the requested mean and CV', () => {
    for (const cv of [1, 2, 0.5]) {
      const rng = createRng(11);
      const n = 100_000;
      const xs = Array.from({ length: n }, () => interArrivalMs(rng, 4, cv));
      const mean = xs.reduce((s, x) => s + x, 0) / n;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
      expect(mean).toBeGreaterThan(240);
      expect(mean).toBeLessThan(260);
      expect(sd / mean).toBeGreaterThan(cv * 0.93);
      expect(sd / mean).toBeLessThan(cv * 1.07);
    }
  });

  it('lognormal from median and p90 reproduces them', () => {
    const { mu, sigma } = lognormalFromMedianP90(100, 400);
    const rng = createRng(5);
    const xs = Float64Array.from({ length: 100_000 }, () => lognormal(rng, mu, sigma)).sort();
    expect(quantileSorted(xs, 0.5)).toBeGreaterThan(97);
    expect(quantileSorted(xs, 0.5)).toBeLessThan(103);
    expect(quantileSorted(xs, 0.9)).toBeGreaterThan(385);
    expect(quantileSorted(xs, 0.9)).toBeLessThan(415);
  });

  it('rejects bad parameters', () => {
    expect(() => interArrivalMs(createRng(1), 0, 1)).toThrow(/rate/);
    expect(() => lognormalFromMedianP90(10, 5)).toThrow(/median/);
  });
});

describe('summaries', () => {
  it('interpolates quantiles and uses nearest rank when asked', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileSorted(xs, 0.5)).toBe(5.5);
    expect(quantileSorted(xs, 0.9)).toBeCloseTo(9.1);
    expect(nearestRankSorted(xs, 0.5)).toBe(5);
    expect(nearestRankSorted(xs, 0.9)).toBe(9);
    expect(nearestRankSorted(xs, 0.99)).toBe(10);
  });

  it('summarizes without mutating the input', () => {
    const xs = [3, 1, 2];
    const s = summarize(xs);
    expect(xs).toEqual([3, 1, 2]);
    expect(s).toMatchObject({ count: 3, mean: 2, min: 1, p50: 2, max: 3 });
    expect(Number.isNaN(summarize([]).p50)).toBe(true);
  });

  it('builds an ECDF ending at 1', () => {
    const pts = ecdf([5, 1, 4, 2, 3], 10);
    expect(pts[0]).toEqual([1, 0.2]);
    expect(pts[pts.length - 1]).toEqual([5, 1]);
  });
});
