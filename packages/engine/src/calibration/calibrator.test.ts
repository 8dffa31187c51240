import { describe, expect, it } from 'vitest';
import { LatencyModel } from '../latency/model.js';
import { loadProfile } from '../latency/profile.js';
import type { BatchFeatures } from '../types.js';
import { OnlineCalibrator } from './calibrator.js';
import { CalibrationError } from './options.js';
import { A100, H100, compositionGrid, scaledProfile } from './scenario.testutil.js';

const decode = (d: number, ctx: number): BatchFeatures => ({
  prefillTokens: 0,
  prefillAttnWork: 0,
  decodeRequests: d,
  decodeContextTokens: d * ctx,
  numSeqs: d,
});
const prefill = (p: number, k: number): BatchFeatures => ({
  prefillTokens: p,
  prefillAttnWork: p * (k + p / 2),
  decodeRequests: 0,
  decodeContextTokens: 0,
  numSeqs: 1,
});
const rel = (a: number, b: number) => Math.abs(a - b) / b;

describe('OnlineCalibrator', () => {
  it('returns the start profile until it observes, then a new valid profile per observation', () => {
    const cal = new OnlineCalibrator(A100);
    expect(cal.profile()).toBe(A100);
    expect(cal.stats()).toMatchObject({ version: 0, observations: 0, windowObservations: 0 });
    cal.observe({ ...decode(32, 1000), durationMs: 20 });
    const p = cal.profile();
    expect(p).not.toBe(A100);
    expect(cal.profile()).toBe(p);
    expect(p.name).toBe('llama-3-8b_a100-80gb_tp1.calibrated');
    expect(p.fitError).toBeUndefined();
    // A profile file written from it loads back unchanged.
    expect(loadProfile(JSON.stringify(p))).toEqual(p);
    expect(cal.stats().version).toBe(1);
    expect(new OnlineCalibrator(A100, { name: 'mine' }).start).toBe(A100);
  });

  it('learns from decode-only batches without wrecking the terms they do not exercise', () => {
    const truth = new LatencyModel(H100);
    const cal = new OnlineCalibrator(A100);
    for (let i = 0; i < 300; i++) {
      const f = decode(1 + ((i * 37) % 200), 200 + ((i * 131) % 3000));
      cal.observe({ ...f, durationMs: truth.iterationMs(f) });
    }
    const got = cal.profile();
    const model = new LatencyModel(got);
    for (let d = 1; d <= 200; d += 13) {
      expect(
        rel(model.iterationMs(decode(d, 1500)), truth.iterationMs(decode(d, 1500))),
      ).toBeLessThan(0.01);
    }
    // Prefill attention and the >1,024-token slope were never seen: they keep the start
    // profile's value times the fitted overall factor.
    const s = cal.stats().scale;
    expect(s).toBeGreaterThan(0.4);
    expect(s).toBeLessThan(0.8);
    expect(rel(got.latency.c2, s * A100.latency.c2)).toBeLessThan(1e-9);
    const slope3 = (l: typeof got.latency) => (l.m0 ?? 0) + l.b1 + l.b2 + l.b3;
    expect(rel(slope3(got.latency), s * slope3(A100.latency))).toBeLessThan(1e-9);
    // And a long prefill is predicted from that, not from garbage.
    expect(
      rel(model.iterationMs(prefill(2048, 0)), truth.iterationMs(prefill(2048, 0))),
    ).toBeLessThan(0.5);
  });

  it('keeps coefficients physical when the data say otherwise', () => {
    const cal = new OnlineCalibrator(A100);
    // An engine that gets FASTER with more tokens, and a noisy negative context effect.
    for (let i = 0; i < 400; i++) {
      const p = 16 + ((i * 97) % 2000);
      const f = prefill(p, (i * 53) % 4000);
      cal.observe({ ...f, durationMs: Math.max(5, 200 - 0.08 * p - 1e-5 * f.prefillAttnWork) });
    }
    const l = cal.profile().latency;
    // Every segment's slope (m0 from the first token, then + b1, + b2, + b3 at the knots).
    const m0 = l.m0 ?? 0;
    const slopes = [m0, m0 + l.b1, m0 + l.b1 + l.b2, m0 + l.b1 + l.b2 + l.b3];
    for (const v of [l.b0, l.c2, l.c4, ...slopes]) {
      expect(v).toBeGreaterThanOrEqual(-1e-15); // slopes re-added in floating point
    }
    // The data's slopes are negative: the bounds hold the attention term and the last segment at 0.
    expect(l.c2).toBe(0);
    expect(Math.abs(slopes[3]!)).toBeLessThan(1e-15);
    const model = new LatencyModel(cal.profile());
    for (const f of compositionGrid()) expect(model.iterationMs(f)).toBeGreaterThan(0);
  });

  it('forgets: after a change of engine speed, the window follows the new one', () => {
    // The window alone (no recent-speed factor, which would follow the change even sooner).
    const cal = new OnlineCalibrator(A100, { windowSize: 200, levelSmoothing: 0 });
    const grid = compositionGrid().filter((f) => f.prefillTokens <= 512);
    const feed = (m: LatencyModel, n: number) => {
      for (let i = 0; i < n; i++) {
        const f = grid[(i * 7) % grid.length]!;
        cal.observe({ ...f, durationMs: m.iterationMs(f) });
      }
    };
    feed(new LatencyModel(A100), 300);
    expect(cal.stats().scale).toBeCloseTo(1, 3);
    const slow = new LatencyModel(scaledProfile(A100, 1.5, 'slow'));
    feed(slow, 200);
    const model = new LatencyModel(cal.profile());
    for (const f of grid) expect(rel(model.iterationMs(f), slow.iterationMs(f))).toBeLessThan(0.01);
    expect(cal.stats()).toMatchObject({ observations: 500, windowObservations: 200 });
    expect(cal.stats().fitError.median).toBeLessThan(0.01);
    expect(cal.stats().startError.median).toBeGreaterThan(0.3);
  });

  it('learns a CPU engine: a per-token slope below the first knot and a per-sequence time', () => {
    // Every token costs from the first (no flat region below 64 tokens) and each sequence adds
    // sampling time: the GPU profiles cannot say this, the calibrated one must.
    const truth = (f: BatchFeatures) =>
      0.5 +
      0.12 * (f.prefillTokens + f.decodeRequests) +
      0.3 * f.numSeqs +
      2e-3 * f.decodeContextTokens;
    const cal = new OnlineCalibrator(A100);
    const batches: BatchFeatures[] = [];
    for (let i = 0; i < 600; i++) {
      const d = 1 + (i % 4);
      batches.push(
        i % 10 === 0
          ? {
              ...prefill(16 + ((i * 37) % 480), 0),
              decodeRequests: d,
              numSeqs: d + 1,
              decodeContextTokens: d * 300,
            }
          : decode(d, 100 + ((i * 13) % 900)),
      );
    }
    for (const f of batches) cal.observe({ ...f, durationMs: truth(f) });
    const p = cal.profile();
    expect(p.latency.m0).toBeGreaterThan(0.05);
    expect(p.cpuOverhead.perSeqMs).toBeGreaterThan(0.05);
    const model = new LatencyModel(p);
    const errors = batches.map((f) => rel(model.iterationMs(f), truth(f))).sort((a, b) => a - b);
    expect(errors[errors.length >> 1]).toBeLessThan(0.03);
    // The uncalibrated A100 profile is far off (so the check above is not vacuous).
    const a100 = new LatencyModel(A100);
    expect(rel(a100.iterationMs(decode(1, 200)), truth(decode(1, 200)))).toBeGreaterThan(1);
  });

  it('recent-speed factor (opt-in): a slowed engine is predicted at its current speed within a few iterations', () => {
    const truth = new LatencyModel(H100);
    const grid = compositionGrid().filter((f) => f.prefillTokens <= 512);
    const make = (levelSmoothing: number) => new OnlineCalibrator(A100, { levelSmoothing });
    const [withFactor, without] = [make(0.15), make(0)];
    const feed = (slowdown: number, n: number, from: number) => {
      for (let i = from; i < from + n; i++) {
        const f = grid[(i * 7) % grid.length]!;
        for (const cal of [withFactor, without])
          cal.observe({ ...f, durationMs: truth.iterationMs(f) * slowdown });
      }
    };
    feed(1, 1000, 0);
    expect(withFactor.stats().level).toBe(1); // noiseless and steady: no factor
    feed(2, 30, 1000); // a burst of contention: everything twice as slow
    const err = (cal: OnlineCalibrator) => {
      const m = new LatencyModel(cal.profile());
      const e = grid
        .map((f) => rel(m.iterationMs(f), 2 * truth.iterationMs(f)))
        .sort((a, b) => a - b);
      return e[e.length >> 1]!;
    };
    expect(withFactor.stats().level).toBeGreaterThan(1.5);
    expect(err(withFactor)).toBeLessThan(0.2);
    expect(err(without)).toBeGreaterThan(0.3);
  });

  it('takes a token gap spanning k iterations as an iteration of gap / k', () => {
    const a = new OnlineCalibrator(H100);
    const b = new OnlineCalibrator(H100);
    const f = decode(48, 900);
    a.observeTokenGap({ ...f, gapMs: 30, iterations: 2 });
    b.observe({ ...f, durationMs: 15 });
    expect(a.profile()).toEqual(b.profile());
    expect(() => a.observeTokenGap({ ...f, gapMs: 30, iterations: 0 })).toThrow(/iterations/);
  });

  it('rejects bad observations and options, naming the field', () => {
    const cal = new OnlineCalibrator(A100);
    const bad = (o: Record<string, number>, field: string) => {
      try {
        cal.observe({ ...decode(4, 100), durationMs: 10, ...o });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CalibrationError);
        expect((e as CalibrationError).field).toBe(field);
      }
    };
    bad({ durationMs: 0 }, 'durationMs');
    bad({ durationMs: Number.NaN }, 'durationMs');
    bad({ decodeContextTokens: -1 }, 'decodeContextTokens');
    bad({ prefillAttnWork: Infinity }, 'prefillAttnWork');
    bad({ weight: 0 }, 'weight');
    expect(cal.stats().observations).toBe(0);
    expect(() => new OnlineCalibrator(A100, { windowSize: 0 })).toThrow(/windowSize/);
    expect(() => new OnlineCalibrator(A100, { bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => new OnlineCalibrator(A100, { name: 'a b' })).toThrow(/name/);
  });
});
