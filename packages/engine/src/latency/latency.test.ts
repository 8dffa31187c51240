import { describe, expect, it } from 'vitest';
import { createRng } from '@adagen/stats';
import { builtinProfiles, ProfileRegistry } from './builtin.js';
import {
  GPUS,
  STATED_ERRORS,
  readCalibration,
  readGrid,
  referenceFeatures,
  sharedDir,
} from './calibration.testutil.js';
import { fitErrors, fitPiecewise, predictPiecewise } from './fit.js';
import type { IterationSample } from './fit.js';
import { LatencyModel } from './model.js';
import { loadProfile, ProfileError } from './profile.js';

/** Rounding tolerance on the README's two-significant-digit error figures. */
const ROUNDING = 0.0005;

describe.each(GPUS)('calibration %s', (gpu) => {
  const profile = builtinProfiles[`llama-3-8b_${gpu}_tp1`]!;
  const model = new LatencyModel(profile);

  it.skipIf(!sharedDir)(
    'shipped coefficients equal the shared calibration (needs ADAGEN_SHARED_DIR)',
    () => {
      const cal = readCalibration(gpu);
      for (const k of ['b0', 'b1', 'b2', 'b3', 'c2', 'c4'] as const) {
        expect(profile.latency[k], k).toBe(cal.piecewise[k]);
      }
      expect(profile.derived).toBe(!cal.measured);
      expect(profile.provenance.source).toContain(`llama-3-8b_${gpu}.json`);
    },
  );

  it.skipIf(!sharedDir)('reproduces every reference point within the stated p95 error', () => {
    const cal = readCalibration(gpu);
    const keys = Object.keys(cal.reference_points_ms);
    expect(keys.length).toBeGreaterThanOrEqual(9);
    for (const key of keys) {
      const want = cal.reference_points_ms[key]!;
      const got = model.iterationMs({ ...referenceFeatures(key), numSeqs: 1 });
      expect(Math.abs(got - want) / want, key).toBeLessThanOrEqual(
        STATED_ERRORS[gpu].p95 + ROUNDING,
      );
    }
  });

  it.skipIf(!sharedDir)('reproduces the grid within the stated median and p95 errors', () => {
    const grid = readGrid(gpu);
    expect(grid).toHaveLength(4000);
    const errs = fitErrors(profile.latency, grid);
    expect(errs.all.median).toBeLessThanOrEqual(STATED_ERRORS[gpu].median + ROUNDING);
    expect(errs.all.p95).toBeLessThanOrEqual(STATED_ERRORS[gpu].p95 + ROUNDING);
    // The model class and predictPiecewise agree.
    const s = grid[3]!;
    expect(model.iterationMs({ ...s.features, numSeqs: 1 })).toBeCloseTo(
      predictPiecewise(profile.latency, s.features),
      9,
    );
  });

  it.skipIf(!sharedDir)('the fitter refits the grid no worse than the shipped coefficients', () => {
    const grid = readGrid(gpu);
    const shipped = fitErrors(profile.latency, grid);
    const fit = fitPiecewise(grid);
    expect(fit.errors.all.median).toBeLessThanOrEqual(shipped.all.median + 1e-4);
    expect(fit.errors.all.p95).toBeLessThanOrEqual(shipped.all.p95 + 1e-4);
    expect(fit.errors.decodeOnly?.count).toBeGreaterThan(0);
    expect(fit.errors.prefillOnly?.count).toBeGreaterThan(0);
    expect(fit.errors.mixed?.count).toBeGreaterThan(0);
  });
});

describe('fitPiecewise', () => {
  it('recovers known coefficients from synthetic samples', () => {
    const truth = {
      knots: [64, 256, 1024] as [number, number, number],
      b0: 8,
      b1: 0.05,
      b2: 0.03,
      b3: -0.01,
      c2: 4e-6,
      c4: 9e-5,
    };
    const rng = createRng(7);
    const samples: IterationSample[] = [];
    for (let i = 0; i < 500; i++) {
      const p = rng.int(3) === 0 ? 0 : 1 + rng.int(4096);
      const k = rng.int(4096);
      const d = rng.int(2) === 0 ? 0 : 1 + rng.int(256);
      const features = {
        prefillTokens: p,
        prefillAttnWork: p * (k + p / 2),
        decodeRequests: p === 0 && d === 0 ? 1 : d,
        decodeContextTokens: (p === 0 && d === 0 ? 1 : d) * (1 + rng.int(4096)),
      };
      samples.push({ features, ms: predictPiecewise(truth, features) });
    }
    const fit = fitPiecewise(samples);
    for (const k of ['b0', 'b1', 'b2', 'b3', 'c2', 'c4'] as const) {
      expect(fit.coefficients[k] / truth[k], k).toBeCloseTo(1, 6);
    }
    expect(fit.errors.all.max).toBeLessThan(1e-9);
  });

  it('gives 0 to a coefficient the samples cannot identify (no decodes seen)', () => {
    const truth = {
      knots: [64, 256, 1024] as [number, number, number],
      b0: 8,
      b1: 0.05,
      b2: 0.03,
      b3: -0.01,
      c2: 4e-6,
      c4: 9e-5,
    };
    const samples: IterationSample[] = [];
    for (let p = 1; p <= 4096; p += 37) {
      const features = {
        prefillTokens: p,
        prefillAttnWork: p * (p / 2 + (p % 300)),
        decodeRequests: 0,
        decodeContextTokens: 0,
      };
      samples.push({ features, ms: predictPiecewise(truth, features) });
    }
    const fit = fitPiecewise(samples);
    expect(fit.coefficients.c4).toBe(0);
    expect(fit.coefficients.b0).toBeCloseTo(8, 6);
    expect(fit.errors.decodeOnly).toBeUndefined();
    expect(fit.errors.prefillOnly!.max).toBeLessThan(1e-9);
  });

  it('rejects too few samples and non-positive durations', () => {
    const f = { prefillTokens: 1, prefillAttnWork: 1, decodeRequests: 0, decodeContextTokens: 0 };
    expect(() => fitPiecewise([{ features: f, ms: 1 }])).toThrow(/at least 6/);
    expect(() => fitPiecewise(Array.from({ length: 6 }, () => ({ features: f, ms: 0 })))).toThrow(
      /sample 0: ms must be > 0/,
    );
  });
});

describe('profiles', () => {
  it('ships both GPUs, H100 labelled derived', () => {
    expect(builtinProfiles['llama-3-8b_a100-80gb_tp1']!.derived).toBe(false);
    expect(builtinProfiles['llama-3-8b_h100-80gb_tp1']!.derived).toBe(true);
    expect(builtinProfiles['llama-3-8b_h100-80gb_tp1']!.provenance.method).toMatch(/DERIVED/);
  });

  it('names the bad field', () => {
    const bad = structuredClone(builtinProfiles['llama-3-8b_a100-80gb_tp1']!) as Record<
      string,
      unknown
    >;
    (bad.latency as Record<string, unknown>).c2 = 'fast';
    expect(() => loadProfile(bad)).toThrow(ProfileError);
    try {
      loadProfile(bad);
    } catch (e) {
      expect((e as ProfileError).field).toBe('latency.c2');
      expect((e as ProfileError).message).toMatch(/field latency\.c2/);
    }
    expect(() => loadProfile('{')).toThrow(/not valid JSON/);
  });

  it('fills the CPU-overhead default (off) and applies it when set', () => {
    const base = structuredClone(builtinProfiles['llama-3-8b_a100-80gb_tp1']!) as Record<
      string,
      unknown
    >;
    delete base.cpuOverhead;
    const p = loadProfile(base);
    expect(p.cpuOverhead).toEqual({ fixedMs: 0, perSeqMs: 0 });
    const withCpu = loadProfile({ ...base, cpuOverhead: { fixedMs: 2.3, perSeqMs: 0.05 } });
    const f = {
      prefillTokens: 0,
      prefillAttnWork: 0,
      decodeRequests: 10,
      decodeContextTokens: 1000,
      numSeqs: 10,
    };
    expect(
      new LatencyModel(withCpu).iterationMs(f) - new LatencyModel(p).iterationMs(f),
    ).toBeCloseTo(2.8, 9);
  });

  it('registry adds user profiles and lists names', () => {
    const reg = new ProfileRegistry();
    const mine = { ...builtinProfiles['llama-3-8b_a100-80gb_tp1']!, name: 'my-model_l4_tp1' };
    reg.add(mine);
    expect(reg.names()).toEqual([
      'llama-3-8b_a100-80gb_tp1',
      'llama-3-8b_h100-80gb_tp1',
      'my-model_l4_tp1',
    ]);
    expect(reg.get('my-model_l4_tp1').name).toBe('my-model_l4_tp1');
    expect(() => reg.get('nope')).toThrow(/unknown latency profile "nope"; known:/);
  });

  it('prefillAloneMs sums the chunks and equals one pass when unchunked', () => {
    const m = new LatencyModel(builtinProfiles['llama-3-8b_a100-80gb_tp1']!);
    const one = m.iterationMsOf(2048, 2048 * 1024, 0, 0, 1);
    expect(m.prefillAloneMs(0, 2048)).toBeCloseTo(one, 9);
    expect(m.prefillAloneMs(0, 2048, 512)).toBeGreaterThan(one);
  });
});
