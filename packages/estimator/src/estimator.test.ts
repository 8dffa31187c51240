import { builtinProfiles, LatencyModel, SimInstance } from '@adagen/engine';
import type { InstanceObserver, WorkItem } from '@adagen/engine';
import { createRng } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { LayoutEstimator } from './estimator.js';
import type { InstanceInput } from './types.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const loose = { ttftMs: 1e9, tpotMs: 1e9 };

function estimator(slo = loose, opts: { decodeWindowTokens?: number } = {}): LayoutEstimator {
  return new LayoutEstimator({ profile: () => profile, sloFor: () => slo, ...opts });
}

/** A busy instance: `n` requests with known lengths, run to `untilMs`. */
function busyInstance(n: number, seed: number, untilMs: number, observer?: InstanceObserver) {
  const rng = createRng(seed);
  const inst = new SimInstance({ id: 'i0', profile, config: { maxNumSeqs: 128 }, observer });
  const items: WorkItem[] = [];
  for (let i = 0; i < n; i++) {
    const outputTokens = 20 + rng.int(300);
    const item: WorkItem = {
      kind: 'full',
      id: `r${i}`,
      promptTokens: 50 + rng.int(3000),
      outputTokens,
      meta: { predictedOutputTokens: outputTokens },
    };
    items.push(item);
    inst.enqueue(item, i * 40);
  }
  inst.runUntil(untilMs);
  return inst;
}

function viewOf(inst: SimInstance): InstanceInput {
  return { id: inst.id, profile: profile.name, snapshot: inst.snapshot(), pending: [] };
}

describe('LayoutEstimator', () => {
  it('predicts exactly what the instance does when lengths are known and nothing else arrives', () => {
    const firsts = new Map<string, number>();
    const obs: InstanceObserver = {
      onToken: (id, index, atMs) => {
        if (index === 0) firsts.set(id, atMs);
      },
    };
    const inst = busyInstance(40, 1, 900, obs);
    const est = estimator(loose, { decodeWindowTokens: 1_000 });
    const now = inst.clockMs;
    const add = {
      id: 'new',
      role: 'full' as const,
      promptTokens: 1500,
      outputTokens: 40,
      arrivalMs: now,
    };
    const e = est.estimate(viewOf(inst), add, now);
    inst.enqueue({ kind: 'full', id: 'new', promptTokens: 1500, outputTokens: 40 }, now);
    let lastToken = 0;
    const tail: InstanceObserver = { onToken: (id, _i, at) => id === 'new' && (lastToken = at) };
    const twin = inst.clone({
      onToken: (id, i, at) => (obs.onToken!(id, i, at), tail.onToken!(id, i, at)),
    });
    twin.runToCompletion();
    expect(e.horizonReached).toBe(false);
    expect(e.ttftMs).toBeCloseTo(firsts.get('new')! - now, 6);
    expect(e.tpotMs).toBeCloseTo((lastToken - firsts.get('new')!) / 39, 6);
  });

  it('moves a stale snapshot forward to the present, with pending placements', () => {
    const inst = busyInstance(30, 2, 600);
    const snap = inst.snapshot();
    const placedAt = inst.clockMs + 5;
    inst.enqueue(
      {
        kind: 'full',
        id: 'p1',
        promptTokens: 800,
        outputTokens: 64,
        meta: { predictedOutputTokens: 64 },
      },
      placedAt,
    );
    const now = placedAt + 300;
    inst.runUntil(now);
    const est = estimator();
    const input: InstanceInput = {
      id: 'i0',
      profile: profile.name,
      snapshot: snap,
      pending: [
        {
          requestId: 'p1',
          atMs: placedAt,
          role: 'full',
          promptTokens: 800,
          predictedOutputTokens: 64,
        },
      ],
    };
    const entry = est.entry(input, now);
    const a = entry.inst.snapshot();
    const b = inst.snapshot();
    const strip = (s: typeof a) => ({
      kv: s.kv,
      running: s.running.map((r) => [r.id, r.phase, r.prefilledTokens, r.generatedTokens]),
      waiting: s.waiting.map((r) => r.id),
      busyUntilMs: s.busyUntilMs,
    });
    expect(strip(a)).toEqual(strip(b));
  });

  it('rebuilds an instance’s cached state for a new snapshot only, not for new placements', () => {
    const inst = busyInstance(10, 3, 300);
    const est = estimator();
    const snap = inst.snapshot();
    const placed = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        requestId: `p${i}`,
        atMs: inst.clockMs + i,
        role: 'full' as const,
        promptTokens: 100,
        predictedOutputTokens: 20,
      }));
    const now = inst.clockMs + 10;
    est.entry({ id: 'i0', profile: profile.name, snapshot: snap, pending: [] }, now);
    est.entry({ id: 'i0', profile: profile.name, snapshot: snap, pending: placed(1) }, now + 1);
    est.entry({ id: 'i0', profile: profile.name, snapshot: snap, pending: placed(2) }, now + 2);
    expect(est.rebuilds).toBe(1);
    inst.runUntil(now + 50);
    est.entry(viewOf(inst), now + 50);
    expect(est.rebuilds).toBe(2);
  });

  it('counts the iterations it simulates: cached state moved on, estimate, baseline', () => {
    const inst = busyInstance(10, 4, 300);
    const est = estimator();
    const input = viewOf(inst);
    const t = inst.clockMs;
    est.entry(input, t);
    const atSnapshot = est.iterations;
    est.entry(input, t + 100);
    // 10 requests on an 8B model: iterations of tens of ms, so 100 ms moves on by some.
    expect(est.iterations).toBeGreaterThan(atSnapshot);
    const add = (id: string) => ({
      id,
      role: 'full' as const,
      promptTokens: 200,
      outputTokens: 30,
      arrivalMs: t + 100,
    });
    const before = est.iterations;
    const first = est.estimate(input, add('a'), t + 100);
    const withBaseline = est.iterations - before;
    expect(first.iterations).toBeGreaterThan(0);
    expect(withBaseline).toBeGreaterThan(first.iterations); // the baseline ran too
    // The same addition again: the baseline is cached, so only the estimate's own run counts.
    const again = est.iterations;
    const second = est.estimate(input, add('b'), t + 100);
    expect(est.iterations - again).toBe(second.iterations);
  });

  it('sees a long prompt hurt the decodes already running, and an idle instance not', () => {
    // 32 requests decoding together (prefilled at once), no other work.
    const inst = new SimInstance({ id: 'i0', profile });
    for (let i = 0; i < 32; i++) {
      inst.enqueue(
        {
          kind: 'full',
          id: `d${i}`,
          promptTokens: 16,
          outputTokens: 400,
          meta: { predictedOutputTokens: 400 },
        },
        0,
      );
    }
    inst.runUntil(500);
    const now = inst.clockMs;
    const tiny = {
      id: 'tiny',
      role: 'full' as const,
      promptTokens: 1,
      outputTokens: 1,
      arrivalMs: now,
    };
    const long = {
      id: 'long',
      role: 'full' as const,
      promptTokens: 7000,
      outputTokens: 50,
      arrivalMs: now,
    };
    // The smallest TPOT SLO the running requests meet without a long prompt arriving.
    let lo = 0;
    let hi = 1000;
    for (let i = 0; i < 40; i++) {
      const mid = (lo + hi) / 2;
      const e = estimator({ ttftMs: 1e9, tpotMs: mid }).estimate(viewOf(inst), tiny, now);
      if (e.alreadyViolated + e.newlyViolated === 0) hi = mid;
      else lo = mid;
    }
    const est = estimator({ ttftMs: 1e9, tpotMs: hi * 1.01 });
    expect(est.estimate(viewOf(inst), tiny, now).newlyViolated).toBe(0);
    const hurt = est.estimate(viewOf(inst), long, now);
    expect(hurt.newlyViolated).toBe(32);
    expect(hurt.addedDelayMs).toBeGreaterThan(0);
    const idle = new SimInstance({ id: 'idle', profile });
    const alone = est.estimate(viewOf(idle), { ...long, arrivalMs: 0 }, 0);
    expect(alone.newlyViolated).toBe(0);
    expect(alone.alreadyViolated).toBe(0);
    expect(alone.ttftMs).toBeCloseTo(new LatencyModel(profile).prefillAloneMs(0, 7000, 512), 6);
    expect(alone.ttftMs).toBeLessThan(hurt.ttftMs);
  });

  it('predicts prefill-only and decode-only work', () => {
    const inst = busyInstance(10, 4, 500);
    const est = estimator();
    const pre = est.estimate(
      viewOf(inst),
      { id: 'p', role: 'prefill', promptTokens: 3000, outputTokens: 1, arrivalMs: inst.clockMs },
      inst.clockMs,
    );
    expect(Number.isFinite(pre.prefillDoneAtMs)).toBe(true);
    expect(pre.firstTokenAtMs).toBe(pre.prefillDoneAtMs);
    const dec = est.estimate(
      viewOf(inst),
      {
        id: 'd',
        role: 'decode',
        promptTokens: 3000,
        outputTokens: 100,
        generatedTokens: 1,
        arrivalMs: inst.clockMs,
      },
      inst.clockMs,
    );
    expect(dec.tpotMs).toBeGreaterThan(5);
    expect(dec.tpotMs).toBeLessThan(200);
  });

  it('reuses the baseline run across estimates on one instance at one time', () => {
    const inst = busyInstance(20, 5, 700);
    const est = estimator();
    const view = viewOf(inst);
    const add = (id: string) => ({
      id,
      role: 'full' as const,
      promptTokens: 100,
      outputTokens: 5,
      arrivalMs: inst.clockMs,
    });
    est.estimate(view, add('a'), inst.clockMs);
    const after1 = est.runs;
    est.estimate(view, add('b'), inst.clockMs);
    expect(est.runs - after1).toBe(1); // only the with-addition run
  });
});

describe('pending distributed work', () => {
  it('hands a decode over only after the same request’s segment on that instance is done', () => {
    const inst = new SimInstance({ id: 'i0', profile });
    const est = estimator();
    const input: InstanceInput = {
      id: 'i0',
      profile: profile.name,
      snapshot: inst.snapshot(),
      pending: [
        {
          requestId: 'x',
          atMs: 0,
          role: 'segment',
          promptTokens: 4000,
          startToken: 0,
          endToken: 3000,
          predictedOutputTokens: 50,
        },
        { requestId: 'x', atMs: 0, role: 'decode', promptTokens: 4000, predictedOutputTokens: 50 },
      ],
    };
    const e = est.estimate(
      input,
      { id: 'y', role: 'full', promptTokens: 100, outputTokens: 20, arrivalMs: 1 },
      1,
    );
    expect(Number.isFinite(e.ttftMs)).toBe(true);
    // The segment (6 chunks of 512) goes first (FCFS), so y's first token comes after it.
    expect(e.firstTokenAtMs).toBeGreaterThan(
      new LatencyModel(profile).prefillAloneMs(0, 3000, 512),
    );
    expect(e.alreadyViolated + e.newlyViolated).toBe(0);
  });
});
