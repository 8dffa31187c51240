import { describe, expect, it } from 'vitest';
import { RequestMetrics } from './metrics.js';
import { summarizeSorted } from '@adagen/stats';
import { summarizeRun } from './summary.js';

describe('request metrics and the run summary (hand-computed)', () => {
  // r0: arrives 0, tokens at 100, 130, 170, 200 → TTFT 100, gaps 30/40/30, TPOT 100/3, E2E 200.
  // r1: arrives 50, one token at 250 → TTFT 200, TPOT 0, E2E 200.
  // r2: arrives 100, tokens at 400, 500 of 3 → unfinished.
  const m = new RequestMetrics([
    { arrivalMs: 0, outputTokens: 4 },
    { arrivalMs: 50, outputTokens: 1 },
    { arrivalMs: 100, outputTokens: 3 },
  ]);
  m.setPlan(0, 'single', 0);
  m.setPlan(1, 'pd-split', 0, 1);
  m.setPlan(2, 'single', 1);
  m.setSlo(0, 150, 34); // met (TPOT 33.3 ≤ 34)
  m.setSlo(1, 150, 10); // TTFT 200 > 150: missed
  m.setSlo(2, 1000, 1000); // unfinished: missed
  m.admitted(0, 20);
  m.admitted(0, 90); // only the first admission counts
  m.admitted(1, 60);
  m.admitted(2, 300);
  m.preempted(2);
  const done: boolean[] = [];
  for (const [i, k, t] of [
    [0, 0, 100],
    [0, 1, 130],
    [0, 1, 130], // re-emission: ignored
    [0, 2, 170],
    [1, 0, 250],
    [2, 0, 400],
    [0, 3, 200],
    [2, 1, 500],
  ] as const) {
    done.push(m.token(i, k, t));
  }

  it('detects completion on the last expected token', () => {
    expect(done).toEqual([false, false, false, false, true, false, true, false]);
    expect(m.finished).toBe(2);
    expect(m.tpotMs(0)).toBeCloseTo(100 / 3, 12);
    expect(m.maxGapMs[0]).toBe(40);
  });

  it('summarises TTFT, TPOT, TBT, E2E, queueing, SLO and throughput', () => {
    const s = summarizeRun(m);
    expect(s.requests).toEqual({
      total: 3,
      accepted: 3,
      shed: 0,
      abandoned: 0,
      finished: 2,
      unfinished: 1,
      rejected: 0,
      preemptions: 1,
    });
    expect(s.ttftMs.count).toBe(3); // 100, 200, 300
    expect(s.ttftMs.p50).toBe(200);
    expect(s.tpotMs.count).toBe(1);
    expect(s.tpotMs.mean).toBeCloseTo(100 / 3, 12);
    expect(s.tbtMs.count).toBe(4); // 30, 40, 30, 100
    expect(s.tbtMs.max).toBe(100);
    expect(s.tbtMs.p50).toBe(35);
    expect(s.e2eMs.mean).toBe(200);
    expect(s.queueingMs.mean).toBeCloseTo((20 + 10 + 200) / 3, 12);
    expect(s.slo).toEqual({
      attainment: 1 / 3,
      ttftAttainment: 2 / 3,
      tpotAttainment: 2 / 3,
      met: 1,
    });
    expect(s.plans).toEqual({ single: 2, 'pd-split': 1, 'split-prefill': 0 });
    expect(s.simulatedSpanMs).toBe(500);
    expect(s.throughput.requestsPerS).toBeCloseTo(4, 12); // 2 in 0.5 s
    expect(s.throughput.outputTokensPerS).toBeCloseTo(14, 12); // 7 tokens in 0.5 s
    expect(s.throughput.goodputPerS).toBeCloseTo(2, 12); // 1 met in 0.5 s
  });

  it('interpolates percentiles between ranks', () => {
    const s = summarizeSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.p50).toBe(5.5);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(summarizeSorted([]).count).toBe(0);
  });
});
