import { describe, expect, it } from 'vitest';
import { generate, syntheticPresets, workloadStats } from './index.js';
import type { GenerateOptions } from './index.js';

const base: GenerateOptions = {
  name: 'gen',
  seed: 42,
  ratePerS: 4,
  count: 20_000,
  arrivals: { kind: 'poisson' },
  prompt: { kind: 'lognormal', median: 1000, p90: 3000, max: 8000 },
  output: { kind: 'fixed', tokens: 64 },
};

describe('generate', () => {
  it('is identical for a seed and differs across seeds', () => {
    expect(generate(base)).toEqual(generate(base));
    expect(generate({ ...base, seed: 43 }).requests).not.toEqual(generate(base).requests);
  });

  it('hits the requested rate, Poisson CV and lognormal median / p90', () => {
    const s = workloadStats(generate(base));
    expect(s.rows).toBe(20_000);
    expect(s.meanRatePerS).toBeGreaterThan(4 * 0.97);
    expect(s.meanRatePerS).toBeLessThan(4 * 1.03);
    expect(s.interArrivalCv).toBeGreaterThan(0.97);
    expect(s.interArrivalCv).toBeLessThan(1.03);
    expect(s.promptTokens.p50 / 1000).toBeCloseTo(1, 1);
    expect(s.promptTokens.p90 / 3000).toBeCloseTo(1, 1);
    expect(s.promptTokens.max).toBeLessThanOrEqual(8000);
    expect(s.outputTokens.min).toBe(64);
    expect(s.outputTokens.max).toBe(64);
  });

  it('gives gamma arrivals the requested CV', () => {
    const s = workloadStats(generate({ ...base, arrivals: { kind: 'gamma', cv: 2 } }));
    expect(s.interArrivalCv).toBeGreaterThan(2 * 0.93);
    expect(s.interArrivalCv).toBeLessThan(2 * 1.07);
    expect(s.meanRatePerS).toBeGreaterThan(4 * 0.95);
    expect(s.meanRatePerS).toBeLessThan(4 * 1.05);
  });

  it('draws empirical lengths only from the given values and stops at durationMs', () => {
    const w = generate({
      ...base,
      count: undefined,
      durationMs: 60_000,
      output: { kind: 'empirical', values: [3, 5, 7] },
    });
    expect(w.requests.every((r) => [3, 5, 7].includes(r.outputTokens))).toBe(true);
    expect(new Set(w.requests.map((r) => r.outputTokens)).size).toBe(3);
    expect(w.requests.at(-1)!.arrivalMs).toBeLessThan(60_000);
    expect(w.requests.length).toBeGreaterThan(200);
    expect(w.requests.length).toBeLessThan(280);
    expect(w.requests[0]).toMatchObject({ id: '0', arrivalMs: 0, source: 'gen' });
    expect(w.notes[0]).toContain('Poisson arrivals at 4 req/s');
  });

  it('rejects bad options naming the field', () => {
    expect(() => generate({ ...base, ratePerS: 0 })).toThrow(/"ratePerS"/);
    expect(() => generate({ ...base, durationMs: 5 })).toThrow(
      /exactly one of count and durationMs/,
    );
    expect(() => generate({ ...base, prompt: { kind: 'lognormal', median: 9, p90: 3 } })).toThrow(
      /"prompt".*p90 must be ≥ median/,
    );
    expect(() => generate({ ...base, output: { kind: 'fixed', tokens: 0 } })).toThrow(
      /"output.tokens"/,
    );
  });

  it('presets approximate each trace: count, rate and length p50 / p90 within 10 %', () => {
    const want = {
      'azure-code': [2.57, 1469, 5194, 13, 55],
      'azure-conv': [5.53, 1020, 2735, 129, 424],
      'mooncake-conv': [3.4, 6909, 27367, 350, 597],
    } as const;
    for (const [name, [rate, p50, p90, o50, o90]] of Object.entries(want)) {
      const preset = syntheticPresets[name as keyof typeof want];
      const s = workloadStats(generate(preset));
      expect(s.rows).toBe(preset.count);
      const close = (got: number, expected: number) =>
        expect(Math.abs(got / expected - 1), `${name}: ${got} vs ${expected}`).toBeLessThan(0.1);
      close(s.meanRatePerS, rate);
      close(s.promptTokens.p50, p50);
      close(s.promptTokens.p90, p90);
      close(s.outputTokens.p50, o50);
      close(s.outputTokens.p90, o90);
    }
  });
});
