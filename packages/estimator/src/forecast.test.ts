import { builtinProfiles, SimInstance } from '@adagen/engine';
import type { IterationReport } from '@adagen/engine';
import { describe, expect, it } from 'vitest';
import { LayoutEstimator } from './estimator.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

describe('LayoutEstimator.forecast', () => {
  it('predicts the iterations and first tokens the instance then runs (lengths known)', () => {
    const seen: IterationReport[] = [];
    const firsts = new Map<string, number>();
    const inst = new SimInstance({
      id: 'i0',
      profile,
      observer: {
        onIteration: (r) => seen.push(r),
        onToken: (id, index, atMs) => {
          if (index === 0) firsts.set(id, atMs);
        },
      },
    });
    for (let i = 0; i < 12; i++) {
      const outputTokens = 30 + 7 * i;
      inst.enqueue(
        {
          kind: 'full',
          id: `r${i}`,
          promptTokens: 400 + 300 * i,
          outputTokens,
          meta: { predictedOutputTokens: outputTokens },
        },
        i * 5,
      );
    }
    inst.runUntil(60);
    const est = new LayoutEstimator({
      profile: () => profile,
      sloFor: () => ({ ttftMs: 500, tpotMs: 50 }),
    });
    const nowMs = inst.clockMs;
    const before = seen.length;
    const f = est.forecast(
      { id: 'i0', profile: profile.name, snapshot: inst.snapshot(), pending: [] },
      nowMs,
      { iterations: 20 },
    );
    inst.runUntil(nowMs + 60_000);
    const actual = seen.slice(before, before + 20);
    expect(f.iterations).toHaveLength(20);
    f.iterations.forEach((it, i) => {
      expect(it.prefillTokens).toBe(actual[i]!.prefillTokens);
      expect(it.decodeTokens).toBe(actual[i]!.decodeRequests);
      expect(it.durationMs).toBeCloseTo(actual[i]!.durationMs, 6);
    });
    // Mixed layouts: chunked prefill beside decodes.
    expect(f.iterations.some((it) => it.prefillTokens > 0 && it.decodeTokens > 0)).toBe(true);
    const waiting = f.requests.filter((r) => r.predicted);
    expect(waiting.length).toBeGreaterThan(0);
    for (const r of waiting) {
      if (Number.isFinite(r.firstTokenAtMs))
        expect(r.firstTokenAtMs).toBeCloseTo(firsts.get(r.id)!, 6);
      expect(r.slo).toEqual({ ttftMs: 500, tpotMs: 50 });
      expect(r.ttftMs).toBe(r.firstTokenAtMs - r.originMs);
    }
    // Already-started requests report the first token they had.
    const started = f.requests.filter((r) => !r.predicted);
    for (const r of started) expect(r.firstTokenAtMs).toBe(firsts.get(r.id));
  });
});
