import { requireProfile } from '@adagen/fleet';
import { describe, expect, it } from 'vitest';
import { Shadow } from './http-shadow.js';

const profile = requireProfile('a100');
const engine = { maxNumSeqs: 2, maxNumBatchedTokens: 512, numGpuBlocks: 1000 };
const req = (promptTokens: number, arrivalMs = 0) => ({
  kind: 'full' as const,
  promptTokens,
  maxTokens: 100,
  predictedOutputTokens: 50,
  arrivalMs,
});

function shadow() {
  return new Shadow({ instanceId: 'i0', profile, engine });
}

describe('the shadow of an engine seen over HTTP', () => {
  it('the engine package’s scheduler admits what was sent, up to max_num_seqs; the rest waits', () => {
    const s = shadow();
    s.add('a', req(100, 0));
    s.add('b', req(100, 1));
    s.add('c', req(100, 2));
    const snap = s.snapshot(10);
    expect(snap.running.map((p) => [p.id, p.phase])).toEqual([
      ['a', 'prefilling'],
      ['b', 'prefilling'],
    ]);
    expect(snap.waiting.map((p) => p.id)).toEqual(['c']);
    // The batch being formed is the profile's prediction from now.
    expect(snap.busySinceMs).toBe(10);
    expect(snap.busyUntilMs).toBeGreaterThan(10);
    expect(snap.kv.totalBlocks).toBe(1000);
  });

  it('a request with tokens decodes with its count; its KV follows; a finished one is gone', () => {
    const s = shadow();
    s.add('a', req(33));
    s.tokens('a', 5);
    s.tokens('a', 6);
    s.tokens('a', 7);
    const snap = s.snapshot(8);
    expect(snap.running).toHaveLength(1);
    expect(snap.running[0]).toMatchObject({
      id: 'a',
      phase: 'decoding',
      generatedTokens: 3,
      firstTokenAtMs: 5,
    });
    // 33 prompt + 3 generated − the newest = 35 tokens of KV in blocks of 16.
    expect(snap.kv.usedBlocks).toBe(3);
    s.remove('a');
    expect(s.snapshot(9).running).toHaveLength(0);
    expect(s.snapshot(9).kv.usedBlocks).toBe(0);
  });

  it('token gaps: the batch decoding then, and prefills finished during the gap', () => {
    const s = shadow();
    s.add('a', req(100));
    s.add('b', req(40));
    expect(s.tokens('a', 10)).toBeUndefined(); // a first token is not an iteration
    expect(s.tokens('b', 15)).toBeUndefined();
    const gap = s.tokens('a', 22);
    expect(gap).toMatchObject({
      gapMs: 12,
      iterations: 1,
      // a and b decode; b's prefill (40 tokens) finished inside the gap.
      decodeRequests: 1,
      prefillTokens: 40,
      numSeqs: 2,
    });
    expect(gap?.decodeContextTokens).toBe(100 + 1);
    const next = s.tokens('a', 30, 2);
    expect(next).toMatchObject({ gapMs: 8, iterations: 2, decodeRequests: 2, prefillTokens: 0 });
    expect(s.snapshot(31).recentIterations.at(-1)).toMatchObject({
      startMs: 22,
      durationMs: 4,
      decodeRequests: 2,
    });
    expect(s.tokens('a', 30)).toBeUndefined(); // no time passed
  });

  it('traffic it did not send, from the engine’s metrics, occupies slots and KV', () => {
    const s = shadow();
    s.add('ours', req(64));
    s.tokens('ours', 1);
    s.observeLoad({ dialect: 'vllm', running: 3, waiting: 1, kvUsage: 0.5 });
    expect(s.foreign()).toEqual({ running: 2, waiting: 1 });
    const snap = s.snapshot(5);
    const ids = [...snap.running, ...snap.waiting].map((p) => p.id).sort();
    expect(ids).toEqual(['foreign-0', 'foreign-1', 'foreign-2', 'ours']);
    // The engine runs three (ours and two foreign); the foreign waiting one finds no slot
    // (max_num_seqs 2 in this shadow).
    expect(snap.running.map((p) => p.id)).toEqual(['ours', 'foreign-0', 'foreign-1']);
    expect(snap.waiting.map((p) => p.id)).toEqual(['foreign-2']);
    // About half the cache in use, as the engine said.
    expect(snap.kv.usedBlocks).toBeGreaterThan(400);
    expect(snap.kv.usedBlocks).toBeLessThanOrEqual(510);
    // The engine saying nothing: only ours.
    s.observeLoad(undefined);
    expect(s.snapshot(6).running.map((p) => p.id)).toEqual(['ours']);
  });

  it('its own requests are never counted as foreign', () => {
    const s = shadow();
    s.add('x', req(10));
    s.add('y', req(10));
    s.tokens('x', 1);
    s.observeLoad({ dialect: 'sglang', running: 1, waiting: 1 });
    expect(s.foreign()).toEqual({ running: 0, waiting: 0 });
  });
});
