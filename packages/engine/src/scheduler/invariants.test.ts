import { describe, expect, it } from 'vitest';
import { drive, randomArrivals, Recorder } from '../instance/harness.testutil.js';
import { SimInstance } from '../instance/sim-instance.js';
import { builtinProfiles } from '../latency/builtin.js';
import type { InstanceSnapshot } from '../types.js';
import type { EngineConfigInput } from './config.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

const CASES: Array<{ name: string; config: EngineConfigInput; rate: number }> = [
  { name: 'chunked defaults', config: {}, rate: 20 },
  {
    name: 'chunked, 8 seqs, 256 tokens',
    config: { maxNumSeqs: 8, maxNumBatchedTokens: 256 },
    rate: 30,
  },
  { name: 'chunked, tiny KV (preemption)', config: { numGpuBlocks: 400 }, rate: 40 },
  { name: 'chunked, block 32, tiny KV', config: { numGpuBlocks: 250, blockSize: 32 }, rate: 40 },
  { name: 'non-chunked', config: { enableChunkedPrefill: false, maxNumSeqs: 32 }, rate: 20 },
  {
    name: 'non-chunked, tiny KV',
    config: { enableChunkedPrefill: false, numGpuBlocks: 400 },
    rate: 40,
  },
];

describe.each(CASES)('invariants: $name', ({ name, config, rate }) => {
  const run = (seed: number) => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i', profile, config, observer: rec, recordChunks: true });
    const arrivals = randomArrivals(seed, 250, { ratePerS: rate, maxPrompt: 3000, maxOutput: 300 });
    drive(inst, arrivals);
    return { rec, inst, arrivals };
  };

  it.each([1, 2, 3])('seed %i: budgets, KV, FCFS, exact tokens, time order', (seed) => {
    const { rec, inst, arrivals } = run(seed);
    const cfg = inst.config;
    const bad: string[] = [];
    const check = (ok: boolean, what: string) => {
      if (!ok && bad.length < 10) bad.push(what);
    };
    let lastEnd = 0;
    for (const it of rec.iterations) {
      const at = `iteration ${it.index}`;
      // Token budget and maxNumSeqs.
      check(it.prefillTokens + it.decodeRequests <= cfg.maxNumBatchedTokens, `${at}: budget`);
      check(it.numSeqs <= cfg.maxNumSeqs, `${at}: maxNumSeqs`);
      // Chunks agree with the features; one entry per sequence.
      const chunks = it.chunks!;
      check(chunks.length === it.numSeqs, `${at}: chunks vs numSeqs`);
      check(new Set(chunks.map((c) => c.id)).size === chunks.length, `${at}: duplicate id`);
      check(chunks.reduce((s, c) => s + c.prefillTokens, 0) === it.prefillTokens, `${at}: P`);
      check(chunks.filter((c) => c.decode).length === it.decodeRequests, `${at}: D`);
      // KV never oversubscribed.
      check(it.kvUsedBlocks <= cfg.numGpuBlocks && it.kvUsedBlocks >= 0, `${at}: KV`);
      // Virtual time never goes backwards.
      check(it.startMs >= lastEnd && it.durationMs > 0, `${at}: time`);
      lastEnd = it.startMs + it.durationMs;
      // Non-chunked: prefill-only or decode-only iterations.
      if (!cfg.enableChunkedPrefill) {
        check(it.prefillTokens === 0 || it.decodeRequests === 0, `${at}: mixed in non-chunked`);
      }
    }
    expect(bad).toEqual([]);
    expect(rec.iterations.length).toBeGreaterThan(100);
    // FCFS: first admissions follow arrival order.
    const seen = new Set<string>();
    const firstAdmissions = rec.admitted.filter((id) => !seen.has(id) && seen.add(id));
    expect(firstAdmissions).toEqual(arrivals.map((a) => a.item.id));
    // Every request finishes with exactly its output tokens, in order, at non-decreasing times.
    for (const a of arrivals) {
      const id = a.item.id;
      const toks = rec.tokens.get(id) ?? [];
      check(toks.length === a.item.outputTokens, `${id}: token count`);
      check(
        toks.every((v, i) => v === i),
        `${id}: token indices`,
      );
      const times = rec.tokenTimes.get(id) ?? [];
      check(
        times.every((t, i) => i === 0 || t > times[i - 1]!),
        `${id}: token times`,
      );
      check((times[0] ?? -1) > a.atMs, `${id}: first token after arrival`);
      check(rec.finished.get(id) === times[times.length - 1], `${id}: finish time`);
      // Prompt tokens processed: exactly the prompt, plus recomputation after preemptions.
      const processed = rec.chunkTokens.get(id) ?? 0;
      if (!rec.preempted.includes(id)) check(processed === a.item.promptTokens, `${id}: prompt`);
      else check(processed > a.item.promptTokens, `${id}: recompute`);
    }
    expect(bad).toEqual([]);
    expect(rec.rejected).toEqual([]);
    if (name.includes('tiny KV')) expect(rec.preempted.length).toBeGreaterThan(0);
    expect(inst.hasWork()).toBe(false);
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
  });

  it('is deterministic for identical inputs', () => {
    expect(run(9).rec.log).toEqual(run(9).rec.log);
  });
});

describe('preemption', () => {
  it('tiny KV forces preemption; preempted requests recover and finish', () => {
    const rec = new Recorder();
    const inst = new SimInstance({
      id: 'i',
      profile,
      config: { numGpuBlocks: 200 },
      observer: rec,
    });
    const arrivals = randomArrivals(4, 120, { ratePerS: 50, maxPrompt: 1500, maxOutput: 400 });
    drive(inst, arrivals);
    expect(rec.preempted.length).toBeGreaterThan(5);
    for (const id of new Set(rec.preempted)) {
      const a = arrivals.find((x) => x.item.id === id)!;
      expect(rec.tokens.get(id)).toHaveLength(a.item.outputTokens);
      expect(rec.finished.has(id)).toBe(true);
    }
    expect(rec.iterations.some((i) => i.preempted > 0)).toBe(true);
  });

  it('preempts the most recently admitted and requeues victims at the head in admission order', () => {
    const rec = new Recorder();
    // 4 blocks of 16 tokens, watermark 0: a, b, c, d take one block each at admission.
    const inst = new SimInstance({
      id: 'i',
      profile,
      config: { numGpuBlocks: 4, watermark: 0, blockSize: 16 },
      observer: rec,
    });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 16, outputTokens: 20 }, 0);
    inst.enqueue({ kind: 'full', id: 'b', promptTokens: 16, outputTokens: 20 }, 0);
    inst.enqueue({ kind: 'full', id: 'c', promptTokens: 8, outputTokens: 20 }, 0);
    inst.enqueue({ kind: 'full', id: 'd', promptTokens: 8, outputTokens: 20 }, 0);
    inst.startIteration(0);
    inst.finishIteration();
    // a's and b's first decodes each need a 2nd block: d (latest) goes, then c.
    inst.startIteration(0);
    expect(rec.preempted).toEqual(['d', 'c']);
    const snap = inst.snapshot();
    expect(snap.waiting.map((p) => [p.id, p.generatedTokens, p.preemptions])).toEqual([
      ['c', 1, 1],
      ['d', 1, 1],
    ]);
    expect(snap.running.map((p) => p.id)).toEqual(['a', 'b']);
    expect(snap.kv.usedBlocks).toBe(4);
    inst.finishIteration();
    inst.runToCompletion();
    expect(rec.preempted).not.toContain('a');
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(rec.tokens.get(id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
  });

  it('victims are chosen by arrival (FCFS priority), so a re-admitted old request is kept', () => {
    // x (arrived first) was preempted before and waits to recompute; y (arrived later) runs.
    const snap: InstanceSnapshot = {
      instanceId: 'i',
      atMs: 100,
      profile: profile.name,
      config: {
        maxNumBatchedTokens: 512,
        maxNumSeqs: 256,
        enableChunkedPrefill: true,
        blockSize: 16,
        watermark: 0,
      },
      kv: { totalBlocks: 6, usedBlocks: 2 },
      running: [
        {
          id: 'y',
          kind: 'full',
          promptTokens: 32,
          phase: 'decoding',
          prefilledTokens: 32,
          generatedTokens: 1,
          arrivalMs: 5,
        },
      ],
      waiting: [
        {
          id: 'x',
          kind: 'full',
          promptTokens: 32,
          phase: 'waiting',
          prefilledTokens: 0,
          generatedTokens: 10,
          arrivalMs: 0,
          preemptions: 1,
        },
      ],
      recentIterations: [],
    };
    const rec = new Recorder();
    const inst = SimInstance.fromSnapshot(snap, profile, {
      outputTokensFor: () => 60,
      observer: rec,
    });
    expect(inst.snapshot().kv.usedBlocks).toBe(2);
    inst.startIteration(100);
    // x is re-admitted ahead of y in the running order (earlier arrival).
    expect(inst.snapshot().running.map((p) => p.id)).toEqual(['x', 'y']);
    inst.finishIteration();
    inst.runToCompletion();
    expect(rec.preempted.length).toBeGreaterThan(0);
    expect(rec.preempted[0]).toBe('y');
    expect(rec.preempted).not.toContain('x');
    expect(rec.tokens.get('x')).toEqual(Array.from({ length: 50 }, (_, i) => i + 10));
    expect(rec.tokens.get('y')).toEqual(Array.from({ length: 59 }, (_, i) => i + 1));
  });

  it('like vLLM V0, a step that preempts still admits waiting requests (victims requeue after)', () => {
    const rec = new Recorder();
    const inst = new SimInstance({
      id: 'i',
      profile,
      config: { numGpuBlocks: 3, watermark: 0, blockSize: 16 },
      observer: rec,
    });
    inst.enqueue({ kind: 'full', id: 'a', promptTokens: 16, outputTokens: 30 }, 0);
    inst.enqueue({ kind: 'full', id: 'b', promptTokens: 8, outputTokens: 40 }, 0);
    inst.enqueue({ kind: 'full', id: 'c', promptTokens: 8, outputTokens: 40 }, 0);
    inst.runToCompletion();
    // c goes first (a grows); later b must grow, preempts itself, and c (waiting) is admitted
    // in that same step, ahead of b.
    expect(rec.preempted.slice(0, 2)).toEqual(['c', 'b']);
    expect(rec.admitted.slice(0, 4)).toEqual(['a', 'b', 'c', 'c']);
    for (const [id, n] of [
      ['a', 30],
      ['b', 40],
      ['c', 40],
    ] as const) {
      expect(rec.tokens.get(id)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('rejects an item that can never fit, and continues', () => {
    const rec = new Recorder();
    const inst = new SimInstance({ id: 'i', profile, config: { numGpuBlocks: 10 }, observer: rec });
    inst.enqueue({ kind: 'full', id: 'big', promptTokens: 1000, outputTokens: 5 }, 0);
    inst.enqueue({ kind: 'full', id: 'long', promptTokens: 9000, outputTokens: 5 }, 0);
    inst.enqueue({ kind: 'full', id: 'ok', promptTokens: 50, outputTokens: 5 }, 0);
    inst.runToCompletion();
    expect(rec.log.filter((l) => l.startsWith('rej'))).toEqual([
      'rej big 0 kv-capacity',
      'rej long 0 prompt-too-long',
    ]);
    expect(rec.tokens.get('ok')).toHaveLength(5);
  });
});
