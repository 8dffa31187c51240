import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { LatencyModel } from '../latency/model.js';
import { Recorder } from './harness.testutil.js';
import { SimInstance } from './sim-instance.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const model = new LatencyModel(profile);

describe('non-chunked mode', () => {
  it('defaults the budget to max(2048, maxModelLen) and runs whole prompts before decodes', () => {
    const rec = new Recorder();
    const inst = new SimInstance({
      id: 'i',
      profile,
      config: { enableChunkedPrefill: false },
      observer: rec,
      recordChunks: true,
    });
    expect(inst.config.maxNumBatchedTokens).toBe(8192);
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 3000, outputTokens: 5 }, 0);
    inst.enqueue({ kind: 'full', id: 'b', promptTokens: 4000, outputTokens: 5 }, 0);
    inst.enqueue({ kind: 'full', id: 'c', promptTokens: 2000, outputTokens: 5 }, 0);
    inst.runUntil(1); // first iteration started
    inst.finishIteration();
    // a and b fit 8192 together; c (FCFS) waits for the next prefill batch.
    expect(rec.iterations[0]!.chunks).toEqual([
      { id: 'a', prefillTokens: 3000, decode: false },
      { id: 'b', prefillTokens: 4000, decode: false },
    ]);
    inst.enqueue({ kind: 'full', id: 'd', promptTokens: 100, outputTokens: 2 }, inst.clockMs);
    inst.runToCompletion();
    // The next iteration is a prefill of c and d (prioritised over a's and b's decodes).
    expect(rec.iterations[1]!.chunks!.map((c) => [c.id, c.prefillTokens])).toEqual([
      ['c', 2000],
      ['d', 100],
    ]);
    expect(rec.iterations[2]!.prefillTokens).toBe(0);
    expect(rec.iterations[2]!.decodeRequests).toBe(4);
    for (const it of rec.iterations)
      expect(it.prefillTokens === 0 || it.decodeRequests === 0).toBe(true);
  });
});

describe('P/D items', () => {
  it('a prefill item emits its first token, holds its KV until release', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'p', profile, observer: rec });
    inst.enqueue({ kind: 'prefill', id: 'x', promptTokens: 600 }, 0);
    inst.runToCompletion();
    expect(rec.tokens.get('x')).toEqual([0]);
    expect(rec.prefillDone.get('x')).toBe(600);
    expect(rec.finished.has('x')).toBe(false);
    expect(inst.hasWork()).toBe(false);
    const snap = inst.snapshot();
    expect(snap.kv.usedBlocks).toBe(Math.ceil(600 / 16));
    expect(snap.running).toMatchObject([
      { id: 'x', phase: 'held', prefilledTokens: 600, generatedTokens: 1 },
    ]);
    expect(() => inst.cancel('nope')).not.toThrow();
    expect(inst.release('x')).toBe(true);
    expect(inst.release('x')).toBe(false);
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
  });

  it('a decode item starts decoding at once with blocks for its context', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'd', profile, observer: rec, recordChunks: true });
    inst.enqueue(
      { kind: 'decode', id: 'y', promptTokens: 600, outputTokens: 4, generatedTokens: 1 },
      10,
    );
    inst.runUntil(10.5);
    const snap = inst.snapshot();
    expect(snap.kv.usedBlocks).toBe(Math.ceil(601 / 16));
    inst.runToCompletion();
    expect(rec.tokens.get('y')).toEqual([1, 2, 3]);
    expect(rec.iterations[0]).toMatchObject({
      prefillTokens: 0,
      decodeRequests: 1,
      decodeContextTokens: 601,
      startMs: 10,
    });
    expect(rec.iterations[0]!.durationMs).toBeCloseTo(model.iterationMsOf(0, 0, 1, 601, 1), 9);
    expect(rec.finished.has('y')).toBe(true);
  });

  it('segments prefill their range with attention to earlier tokens; the last emits token 0', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 's', profile, observer: rec, recordChunks: true });
    inst.enqueue(
      { kind: 'segment', id: 's1', promptTokens: 1000, startToken: 600, endToken: 1000 },
      0,
    );
    inst.enqueue(
      { kind: 'segment', id: 's0', promptTokens: 1000, startToken: 0, endToken: 100 },
      0,
    );
    inst.runToCompletion();
    const it0 = rec.iterations[0]!;
    expect(it0.prefillTokens).toBe(500);
    expect(it0.prefillAttnWork).toBe(400 * (600 + 200) + 100 * 50);
    expect(rec.tokens.get('s1')).toEqual([0]);
    expect(rec.tokens.get('s0')).toBeUndefined();
    expect(rec.prefillDone.get('s1')).toBe(400);
    expect(rec.prefillDone.get('s0')).toBe(100);
    expect(inst.snapshot().kv.usedBlocks).toBe(Math.ceil(400 / 16) + Math.ceil(100 / 16));
    expect(inst.snapshot().running.map((p) => [p.id, p.startToken, p.endToken])).toEqual([
      ['s1', 600, 1000],
      ['s0', 0, 100],
    ]);
  });
});

describe('cancel', () => {
  it('frees blocks at once and silences the request, even mid-iteration', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i', profile, observer: rec });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 100, outputTokens: 50 }, 0);
    inst.enqueue({ kind: 'full', id: 'b', promptTokens: 100, outputTokens: 50 }, 0);
    inst.enqueue({ kind: 'full', id: 'w', promptTokens: 100, outputTokens: 50 }, 1e6);
    inst.runUntil(100);
    expect(inst.busyUntilMs()).toBeDefined();
    const before = inst.snapshot().kv.usedBlocks;
    expect(inst.cancel('a')).toBe(true);
    expect(inst.cancel('w')).toBe(true);
    expect(inst.snapshot().kv.usedBlocks).toBe(before / 2); // a and b are twins; w held none
    const aTokens = rec.tokens.get('a')!.length;
    inst.runToCompletion();
    expect(rec.tokens.get('a')!.length).toBe(aTokens);
    expect(rec.finished.has('a')).toBe(false);
    expect(rec.tokens.get('b')).toHaveLength(50);
    expect(rec.tokens.has('w')).toBe(false);
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
    expect(inst.cancel('a')).toBe(false);
  });
});
