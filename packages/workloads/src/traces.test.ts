// The readers on the real shared traces, checked against the summary table of
// ../shared/traces/README.md (nearest-rank percentiles; span = last − first arrival).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinTraces, loadTrace, resolveTrace, workloadStats } from './index.js';
import type { BuiltinTraceName, Workload } from './index.js';

const dir = process.env.ADAGEN_SHARED_DIR ?? '';

interface Expected {
  rows: number;
  spanS: number;
  meanRatePerS: number;
  peak1MinRatePerS: number;
  cv: number;
  prompt: [number, number, number, number, number];
  output: [number, number, number, number, number];
}

// p50 / p90 / p99 / max / mean, from the README table.
const README: Record<BuiltinTraceName, Expected> = {
  'azure-code': {
    rows: 8819,
    spanS: 3435.9,
    meanRatePerS: 2.57,
    peak1MinRatePerS: 10.53,
    cv: 13.15,
    prompt: [1469, 5194, 7436, 7437, 2047.8],
    output: [13, 55, 252, 1899, 27.9],
  },
  'azure-conv': {
    rows: 19366,
    spanS: 3501.7,
    meanRatePerS: 5.53,
    peak1MinRatePerS: 8.45,
    cv: 1.09,
    prompt: [1020, 2735, 4142, 14050, 1154.7],
    output: [129, 424, 601, 1000, 211.1],
  },
  'mooncake-conv': {
    rows: 12031,
    spanS: 3537.0,
    meanRatePerS: 3.4,
    peak1MinRatePerS: 4.12,
    cv: 3.03,
    prompt: [6909, 27367, 85401, 126195, 12035.1],
    output: [350, 597, 1120, 2000, 342.6],
  },
  // Rows, span, rate, p50 / p90 and means from the README; p99, max, peak and CV computed from
  // the file with the README's definitions.
  'mooncake-synthetic': {
    rows: 3993,
    spanS: 1022.0,
    meanRatePerS: 3.91,
    peak1MinRatePerS: 4.55,
    cv: 1.01,
    prompt: [11587, 38615, 66458, 191378, 15325.5],
    output: [69, 389, 769, 893, 149.1],
  },
};

async function load(name: BuiltinTraceName, spread = false): Promise<Workload> {
  const path = await resolveTrace(name, { searchDirs: [dir] });
  return loadTrace(path, undefined, { spreadWithinTicks: spread, seed: 1 });
}

describe.skipIf(!dir)('shared traces match the README summary', () => {
  for (const name of Object.keys(README) as BuiltinTraceName[]) {
    it(name, async () => {
      const want = README[name];
      // Mooncake without spreading: the README's figures are over the raw 3 s ticks.
      const s = workloadStats(await load(name));
      expect(s.rows).toBe(want.rows);
      expect(s.spanS).toBeCloseTo(want.spanS, 1);
      expect(s.meanRatePerS).toBeCloseTo(want.meanRatePerS, 2);
      expect(s.peak1MinRatePerS).toBeCloseTo(want.peak1MinRatePerS, 2);
      expect(s.interArrivalCv).toBeCloseTo(want.cv, 2);
      const { promptTokens: p, outputTokens: o } = s;
      expect([p.p50, p.p90, p.p99, p.max]).toEqual(want.prompt.slice(0, 4));
      expect([o.p50, o.p90, o.p99, o.max]).toEqual(want.output.slice(0, 4));
      expect(p.mean).toBeCloseTo(want.prompt[4], 1);
      expect(o.mean).toBeCloseTo(want.output[4], 1);
    });
  }

  it('reads Azure timestamps exactly, rebased to the first arrival', async () => {
    const w = await load('azure-conv');
    // Rows 1 and 2: 18:15:46.6805900 and 18:15:50.9951690 → 4314.579 ms.
    expect(w.requests[0]!.arrivalMs).toBe(0);
    expect(w.requests[1]!.arrivalMs).toBeCloseTo(4314.579, 6);
    expect(w.requests[0]!.source).toBe('azure-conv');
    expect(w.notes[0]).toContain('2023-11-16T18:15:46.680590000Z');
  });

  it('keeps Mooncake hash_ids, one per 512-token block', async () => {
    for (const name of ['mooncake-conv', 'mooncake-synthetic'] as const) {
      const w = await load(name);
      for (const r of w.requests) {
        expect(r.hashIds?.length).toBe(Math.ceil(r.promptTokens / 512));
      }
    }
  });

  it('does not spread the synthetic trace’s Poisson arrivals by default', async () => {
    const path = await resolveTrace('mooncake-synthetic', { searchDirs: [dir] });
    const w = await loadTrace(path, undefined, { seed: 1 });
    expect(w.requests.slice(0, 4).map((r) => r.arrivalMs)).toEqual([0, 0, 40, 277]);
    expect(w.notes.join('\n')).not.toMatch(/spread arrivals/);
  });

  it('spreads Mooncake arrivals within ticks: same span, Poisson-like CV', async () => {
    const raw = await load('mooncake-conv');
    const spread = await load('mooncake-conv', true);
    const s = workloadStats(spread);
    expect(s.rows).toBe(12031);
    expect(s.spanS).toBeGreaterThan(3536);
    expect(s.spanS).toBeLessThan(3540);
    expect(s.interArrivalCv).toBeGreaterThan(0.9);
    expect(s.interArrivalCv).toBeLessThan(1.2);
    const rawById = new Map(raw.requests.map((r) => [r.id, r.arrivalMs]));
    for (const r of spread.requests) {
      const tick = rawById.get(r.id)!;
      expect(r.arrivalMs).toBeGreaterThanOrEqual(tick);
      expect(r.arrivalMs).toBeLessThan(tick + 3003);
    }
    expect(spread.notes.join('\n')).toMatch(/spread arrivals uniformly.*seed 1/);
  });

  it('resolves built-in names under a shared dir (with or without traces/)', async () => {
    const path = await resolveTrace('azure-code', { searchDirs: [join(dir, 'traces')] });
    expect(path).toBe(join(dir, 'traces', builtinTraces['azure-code'].file));
    expect(await resolveTrace('azure-code', { searchDirs: [dir] })).toBe(path);
  });
});
