import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { LatencyModel } from '../latency/model.js';
import { EngineConfigError } from '../scheduler/config.js';
import { drive, randomArrivals, Recorder } from './harness.testutil.js';
import { SimInstance } from './sim-instance.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const model = new LatencyModel(profile);

describe('SimInstance basics', () => {
  it('runs one request: prefill iteration emits token 0, then one token per decode', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i0', profile, observer: rec });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 1000, outputTokens: 3 }, 5);
    expect(inst.hasWork()).toBe(true);
    expect(inst.startIteration(0)).toBeUndefined(); // not arrived yet
    const end0 = inst.startIteration(5)!;
    // 1000 tokens > 512 budget: two chunks.
    expect(end0).toBeCloseTo(5 + model.iterationMsOf(512, 512 * 256, 0, 0, 1), 9);
    expect(() => inst.startIteration(0)).toThrow(/already in progress/);
    expect(inst.busyUntilMs()).toBe(end0);
    const r0 = inst.finishIteration();
    expect(r0).toMatchObject({ prefillTokens: 512, decodeRequests: 0, numSeqs: 1, admitted: 1 });
    expect(rec.tokens.get('a')).toBeUndefined();
    inst.runToCompletion();
    expect(rec.tokens.get('a')).toEqual([0, 1, 2]);
    expect(rec.iterations.map((i) => [i.prefillTokens, i.decodeRequests])).toEqual([
      [512, 0],
      [488, 0],
      [0, 1],
      [0, 1],
    ]);
    expect(rec.iterations[1]!.prefillAttnWork).toBe(488 * (512 + 244));
    expect(rec.iterations[2]!.decodeContextTokens).toBe(1001);
    expect(rec.finished.get('a')).toBe(inst.clockMs);
    expect(inst.hasWork()).toBe(false);
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
  });

  it('outputTokens = 1 finishes at the prefill iteration', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i0', profile, observer: rec });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 100, outputTokens: 1 }, 0);
    inst.runToCompletion();
    expect(rec.iterations).toHaveLength(1);
    expect(rec.tokens.get('a')).toEqual([0]);
    expect(rec.finished.has('a')).toBe(true);
  });

  it('does not start before the first arrival and idles between arrivals', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i0', profile, observer: rec });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 10, outputTokens: 1 }, 100);
    expect(inst.runUntil(50)).toBe(0);
    inst.runToCompletion();
    expect(rec.iterations[0]!.startMs).toBe(100);
    inst.enqueue({ kind: 'full', id: 'b', promptTokens: 10, outputTokens: 1 }, 1000);
    inst.runToCompletion();
    expect(rec.iterations[1]!.startMs).toBe(1000);
  });

  it('validates knobs and items, naming the bad one', () => {
    expect(() => new SimInstance({ id: 'x', profile, config: { maxNumSeqs: 0 } })).toThrow(
      /maxNumSeqs/,
    );
    expect(() => new SimInstance({ id: 'x', profile, config: { maxNumSeqs: 0 } })).toThrow(
      EngineConfigError,
    );
    expect(
      () => new SimInstance({ id: 'x', profile, config: { maxNumBatchedToken: 5 } as never }),
    ).toThrow(/maxNumBatchedToken/);
    expect(
      () => new SimInstance({ id: 'x', profile, config: { maxNumBatchedTokens: 100 } }),
    ).toThrow(/maxNumBatchedTokens \(100\) must be >= maxNumSeqs/);
    expect(
      () =>
        new SimInstance({
          id: 'x',
          profile,
          config: { enableChunkedPrefill: false, maxNumBatchedTokens: 4096 },
        }),
    ).toThrow(/maxModelLen/);
    const inst = new SimInstance({ id: 'x', profile });
    expect(() =>
      inst.enqueue({ kind: 'full', id: 'a', promptTokens: 0, outputTokens: 1 }, 0),
    ).toThrow(/"a": promptTokens/);
    expect(() =>
      inst.enqueue(
        { kind: 'decode', id: 'd', promptTokens: 5, outputTokens: 3, generatedTokens: 3 },
        0,
      ),
    ).toThrow(/outputTokens must be an integer > generatedTokens/);
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 1, outputTokens: 1 }, 0);
    expect(() =>
      inst.enqueue({ kind: 'full', id: 'a', promptTokens: 1, outputTokens: 1 }, 0),
    ).toThrow(/already/);
  });

  it('resolves the KV cache from the profile, or the override', () => {
    expect(new SimInstance({ id: 'x', profile }).config.numGpuBlocks).toBe(28693);
    const small = new SimInstance({ id: 'x', profile, config: { numGpuBlocks: 100 } });
    expect(small.config.numGpuBlocks).toBe(100);
    expect(small.config.watermarkBlocks).toBe(1);
  });

  it('never lets time stand still, even with a profile predicting negative times', () => {
    const bad = { ...profile, latency: { ...profile.latency, b0: -100 } };
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i0', profile: bad, observer: rec });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 10, outputTokens: 3 }, 0);
    inst.runToCompletion();
    expect(rec.iterations.map((i) => i.durationMs)).toEqual([1e-3, 1e-3, 1e-3]);
    expect(inst.clockMs).toBeCloseTo(3e-3, 12);
  });

  it('many random requests all finish with exactly their output tokens', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i0', profile, observer: rec, recordChunks: true });
    const arrivals = randomArrivals(1, 300);
    drive(inst, arrivals);
    for (const a of arrivals) {
      const toks = rec.tokens.get(a.item.id)!;
      expect(toks).toEqual(Array.from({ length: a.item.outputTokens }, (_, i) => i));
      expect(rec.chunkTokens.get(a.item.id)).toBe(a.item.promptTokens);
    }
    expect(rec.finished.size).toBe(300);
    expect(inst.hasWork()).toBe(false);
  });
});
