import { describe, expect, it } from 'vitest';
import type { ReportRun } from './eval-tables.js';
import { evaluationTables, gridGoodput } from './eval-tables.js';

const run = (policy: string, ratePerS: number, attainment: number): ReportRun => ({
  trace: 't',
  policy,
  ratePerS,
  instances: 8,
  profile: 'a100',
  seed: 0,
  workload: { requests: 100 },
  settings: { admission: { mode: 'slo' }, estimatorProfile: null, calibrate: false },
  metrics: {
    requests: { shed: 1, abandoned: 2 },
    ttftMs: { mean: 100, p99: 2000, max: 40_000 },
    slo: { attainment, ttftAttainment: attainment, tpotAttainment: 1 },
    throughput: { requestsPerS: ratePerS },
    plans: { single: 100, 'pd-split': 0, 'split-prefill': 3 },
    simulatedSpanMs: 50_000,
  },
});

describe('goodput on the grid', () => {
  it('interpolates the first crossing, and says when the grid does not bracket it', () => {
    const pts = (a: number[]) => a.map((attainment, i) => ({ ratePerS: 10 * (i + 1), attainment }));
    expect(gridGoodput(pts([1, 0.95, 0.85, 0.92]), 0.9).value).toBeCloseTo(25, 9);
    expect(gridGoodput(pts([0.95, 0.91]), 0.9)).toEqual({ value: 20, text: '≥ 20', open: true });
    expect(gridGoodput(pts([0.8, 0.7]), 0.9)).toEqual({ value: 0, text: '< 10', open: false });
  });

  it('reports AdaGen’s multiples, the worst cell and every cell’s tails', () => {
    const text = evaluationTables(
      [
        run('adagen', 10, 0.99),
        run('adagen', 20, 0.8),
        run('lmetric', 10, 0.95),
        run('lmetric', 20, 0.85),
      ],
      0.9,
    );
    // adagen crosses at 10 + 0.09/0.19 × 10 = 14.74; lmetric at 15: AdaGen 0.98×.
    expect(text).toContain('| adagen  |');
    expect(text).toMatch(/lmetric +\| +15\.00 \| +0\.98×/);
    expect(text).toContain('5.0 points (lmetric at 20 req/s)');
    expect(text).toMatch(/\| +2\.0 s \| +40 s \|/);
    expect(text).toMatch(/\| +1 \| +2 \| +3 \|/); // shed, abandoned, distributed
  });
});
