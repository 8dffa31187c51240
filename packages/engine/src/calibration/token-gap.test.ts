// The HTTP form: only inter-token gaps are seen. Each gap between tokens i−1 and i (i ≥ 1) of a
// streamed request is the iteration that produced token i; its composition comes from the
// agent's model of the engine (here: the iteration that produced that token, as the shadow
// instance would). Every decoding request sees the same iteration, so each gap gets weight
// 1 / (streams that advanced in it) — one observation's worth per iteration.
import { describe, expect, it } from 'vitest';
import { drive, randomArrivals } from '../instance/harness.testutil.js';
import { SimInstance } from '../instance/sim-instance.js';
import { LatencyModel } from '../latency/model.js';
import type { IterationReport } from '../types.js';
import { OnlineCalibrator } from './calibrator.js';
import type { TokenGapObservation } from './observation.js';
import { A100, H100 } from './scenario.testutil.js';

describe('token-gap observations (HTTP engines)', () => {
  it('recover the engine profile as iterations do', () => {
    const byEnd = new Map<number, IterationReport>();
    const lastTokenAt = new Map<string, number>();
    const gaps: TokenGapObservation[] = [];
    const inst = new SimInstance({
      id: 'engine',
      profile: H100,
      jitter: { sigma: 0.05, seed: 9 },
      observer: {
        onIteration: (r) => void byEnd.set(r.startMs + r.durationMs, r),
        onToken: (id, index, atMs) => {
          const prev = lastTokenAt.get(id);
          lastTokenAt.set(id, atMs);
          if (index === 0 || prev === undefined) return; // the first token's wait is not an iteration
          const it = byEnd.get(atMs)!;
          gaps.push({ ...it, gapMs: atMs - prev, weight: 1 / it.decodeRequests });
        },
      },
    });
    drive(inst, randomArrivals(7, 120, { ratePerS: 20 }));
    expect(gaps.length).toBeGreaterThan(2000);
    // Gaps fed request by request, not in time order: no recent-speed factor (it follows time).
    const cal = new OnlineCalibrator(A100, { windowSize: 2000, levelSmoothing: 0 });
    for (const g of gaps.slice(0, 2000)) cal.observeTokenGap(g);
    const truth = new LatencyModel(H100);
    const model = new LatencyModel(cal.profile());
    const errors = [...byEnd.values()]
      .map((f) => Math.abs(model.iterationMs(f) - truth.iterationMs(f)) / truth.iterationMs(f))
      .sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.03);
  });
});
