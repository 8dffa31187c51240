import { describe, expect, it } from 'vitest';
import {
  capLengths,
  firstN,
  generate,
  mix,
  scaleTime,
  scaleToRate,
  window,
  withPoissonArrivals,
  workloadStats,
} from './index.js';
import type { Workload } from './index.js';

const w = (name: string, arrivals: number[]): Workload => ({
  name,
  requests: arrivals.map((arrivalMs, i) => ({
    id: String(i),
    arrivalMs,
    promptTokens: 100 * (i + 1),
    outputTokens: 10 * (i + 1),
    source: name,
  })),
  notes: [`made ${name}`],
});

const gen = generate({
  name: 'g',
  seed: 3,
  ratePerS: 2,
  count: 500,
  arrivals: { kind: 'gamma', cv: 3 },
  prompt: { kind: 'fixed', tokens: 10 },
  output: { kind: 'fixed', tokens: 10 },
});

describe('transforms', () => {
  it('scaleToRate hits the target mean rate and keeps the input unchanged', () => {
    const before = structuredClone(gen);
    const scaled = scaleToRate(gen, 7.5);
    expect(workloadStats(scaled).meanRatePerS).toBeCloseTo(7.5, 9);
    expect(workloadStats(scaled).interArrivalCv).toBeCloseTo(workloadStats(gen).interArrivalCv, 9);
    expect(gen).toEqual(before);
    expect(scaled.notes.at(-1)).toMatch(/to 7.5 req\/s mean rate/);
    expect(() => scaleToRate(w('one', [5]), 1)).toThrow(/spans 0 ms/);
  });

  it('scaleTime multiplies arrivals', () => {
    expect(scaleTime(w('a', [0, 10, 30]), 0.5).requests.map((r) => r.arrivalMs)).toEqual([
      0, 5, 15,
    ]);
    expect(() => scaleTime(gen, 0)).toThrow(/positive/);
  });

  it('window keeps [start, end) and rebases to start; firstN takes a prefix', () => {
    const out = window(w('a', [0, 100, 200, 300, 400]), { startMs: 100, endMs: 300 });
    expect(out.requests.map((r) => [r.id, r.arrivalMs])).toEqual([
      ['1', 0],
      ['2', 100],
    ]);
    expect(out.notes.at(-1)).toContain('window [100, 300) ms');
    expect(firstN(gen, 3).requests).toEqual(gen.requests.slice(0, 3));
    expect(() => window(gen, { startMs: 5, endMs: 5 })).toThrow(RangeError);
  });

  it('capLengths caps instead of dropping and counts the cuts', () => {
    const out = capLengths(w('a', [0, 1, 2]), { maxPromptTokens: 150, maxOutputTokens: 25 });
    expect(out.requests.map((r) => [r.promptTokens, r.outputTokens])).toEqual([
      [100, 10],
      [150, 20],
      [150, 25],
    ]);
    expect(out.notes.at(-1)).toBe(
      'lengths capped, not dropped: 2 prompts to 150 tokens, 1 outputs to 25 tokens',
    );
  });

  it('mix interleaves by time, keeps every request once and ids unique', () => {
    const a = w('a', [0, 20, 40]);
    const b = w('b', [10, 20, 50]);
    const a2 = w('a', [5]);
    const out = mix([a, b, a2], { name: 'ab' });
    expect(out.requests.map((r) => r.id)).toEqual([
      'a-0',
      'a_2-0',
      'b-0',
      'a-1',
      'b-1',
      'a-2',
      'b-2',
    ]);
    const arrivals = out.requests.map((r) => r.arrivalMs);
    expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y));
    expect(new Set(out.requests.map((r) => r.id)).size).toBe(7);
    expect(out.name).toBe('ab');
    expect(out.notes).toContain('[b] made b');
    expect(out.requests.filter((r) => r.source === 'b').map((r) => r.promptTokens)).toEqual([
      100, 200, 300,
    ]);
  });

  it('withPoissonArrivals keeps lengths and replaces times, deterministically', () => {
    const out = withPoissonArrivals(gen, 4, 9);
    expect(out).toEqual(withPoissonArrivals(gen, 4, 9));
    expect(out.requests.map((r) => r.promptTokens)).toEqual(
      gen.requests.map((r) => r.promptTokens),
    );
    const s = workloadStats(out);
    expect(s.meanRatePerS).toBeGreaterThan(3.5);
    expect(s.meanRatePerS).toBeLessThan(4.5);
    expect(s.interArrivalCv).toBeLessThan(1.2);
  });
});
