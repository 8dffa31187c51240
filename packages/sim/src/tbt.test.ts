import { describe, expect, it } from 'vitest';
import { RequestMetrics } from './metrics.js';
import { summarizeRun } from './summary.js';
import { perRequestGapQuantile } from './tbt.js';

describe('per-request TBT p99', () => {
  it('groups pooled gaps by request and scores each against its own target', () => {
    const m = new RequestMetrics([
      { arrivalMs: 0, outputTokens: 4 },
      { arrivalMs: 0, outputTokens: 3 },
      { arrivalMs: 0, outputTokens: 1 },
    ]);
    // Interleaved tokens: r0 gaps 10, 10, 200; r1 gaps 20, 20; r2 has no gap.
    const tokens: Array<[number, number, number]> = [
      [0, 0, 100],
      [1, 0, 105],
      [0, 1, 110],
      [1, 1, 125],
      [0, 2, 120],
      [1, 2, 145],
      [2, 0, 150],
      [0, 3, 320],
    ];
    for (const [r, i, t] of tokens) m.token(r, i, t);
    const p99 = perRequestGapQuantile(m, 0.99);
    expect(p99[0]).toBeCloseTo(10 + 0.98 * 190, 6); // between the 2nd and 3rd of [10, 10, 200]
    expect(p99[1]).toBe(20);
    expect(p99[2]).toBeNaN();
    for (let i = 0; i < 3; i++) m.setSlo(i, 1000, 1000, 100);
    const s = summarizeRun(m).slo;
    // r0's TPOT is fine (mean 73 ms) but one stall breaks its TBT p99; r1 and r2 meet it.
    expect(s.tpotAttainment).toBe(1);
    expect(s.tbtAttainment).toBeCloseTo(2 / 3, 9);
    expect(s.attainment).toBeCloseTo(2 / 3, 9);
    m.setSlo(0, 1000, 1000); // no TBT target anywhere → not scored
    m.setSlo(1, 1000, 1000);
    m.setSlo(2, 1000, 1000);
    expect(summarizeRun(m).slo.tbtAttainment).toBeUndefined();
  });
});
