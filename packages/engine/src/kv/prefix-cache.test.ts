import { createRng } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../latency/builtin.js';
import { Recorder } from '../instance/harness.testutil.js';
import { SimInstance } from '../instance/sim-instance.js';
import type { InstanceObserver, WorkItem } from '../types.js';
import { promptBlockHashes } from './prefix-hash.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;

/** Token ids of a prompt: a shared `prefix` seed for the first `shared` tokens, then own ones. */
function prompt(shared: number, total: number, prefixSeed: number, ownSeed: number): number[] {
  return Array.from({ length: total }, (_, i) =>
    i < shared ? (prefixSeed * 1_000_003 + i) % 128_000 : (ownSeed * 7_919 + i * 13) % 128_000,
  );
}

function full(id: string, tokens: number[], out = 4, bs = 16): WorkItem {
  return {
    kind: 'full',
    id,
    promptTokens: tokens.length,
    outputTokens: out,
    prefix: { blockHashes: promptBlockHashes(tokens, bs) },
  };
}

class CachedRecorder extends Recorder implements InstanceObserver {
  readonly cached = new Map<string, number>();
  override onAdmitted(id: string, atMs: number, cachedTokens = 0): void {
    super.onAdmitted(id, atMs);
    if (!this.cached.has(id)) this.cached.set(id, cachedTokens);
  }
}

function instance(config: Record<string, unknown> = {}) {
  const rec = new CachedRecorder();
  const inst = new SimInstance({
    id: 'i',
    profile,
    config: { enablePrefixCaching: true, ...config },
    observer: rec,
    recordChunks: true,
  });
  return { inst, rec };
}

describe('prefix cache (vLLM automatic prefix caching)', () => {
  it('reuses the longest cached prefix: only the uncached tail is prefilled, attending to all', () => {
    const { inst, rec } = instance();
    const a = prompt(1000, 1200, 1, 1);
    const b = prompt(1000, 1500, 1, 2); // shares the first 1000 tokens = 62 full blocks
    inst.enqueue(full('a', a), 0);
    inst.runToCompletion();
    const t = inst.clockMs;
    inst.enqueue(full('b', b), t);
    inst.runToCompletion();
    expect(rec.cached.get('a')).toBe(0);
    expect(rec.cached.get('b')).toBe(62 * 16);
    expect(rec.chunkTokens.get('a')).toBe(1200);
    expect(rec.chunkTokens.get('b')).toBe(1500 - 992);
    // Attention sees the whole context: b's first chunk attends to the 992 cached tokens.
    const first = rec.iterations.find((it) => it.chunks?.some((c) => c.id === 'b'))!;
    const p = first.prefillTokens;
    expect(first.prefillAttnWork).toBeCloseTo(p * (992 + p / 2), 6);
    const snap = inst.snapshot();
    expect(snap.prefixCache).toEqual({
      cachedBlocks: 75 + (93 - 62), // a's 75 full blocks, then b's 31 new ones
      queriedTokens: 2700,
      hitTokens: 992,
    });
    // Freed blocks stay cached: nothing is in use, everything is still there.
    expect(snap.kv.usedBlocks).toBe(0);
  });

  it('never reuses the whole prompt: the last token is computed', () => {
    const { inst, rec } = instance();
    const a = prompt(64, 64, 3, 3); // exactly 4 blocks
    inst.enqueue(full('a', a), 0);
    inst.runToCompletion();
    inst.enqueue(full('a2', a), inst.clockMs);
    inst.runToCompletion();
    expect(rec.cached.get('a2')).toBe(48);
    expect(rec.chunkTokens.get('a2')).toBe(16);
  });

  it('shared blocks are counted once while several requests use them', () => {
    const { inst } = instance({ watermark: 0 });
    const a = prompt(320, 336, 5, 1); // 21 blocks, 20 shared
    const b = prompt(320, 336, 5, 2);
    inst.enqueue(full('a', a, 50), 0);
    inst.startIteration(0); // a's whole prompt (336 ≤ 512 tokens)
    inst.finishIteration();
    inst.enqueue(full('b', b, 50), inst.clockMs);
    inst.startIteration(inst.clockMs); // a decodes, b is admitted
    const snap = inst.snapshot();
    // a: its 21 prompt blocks cached + 1 own block for its next token; b references a's 20
    // shared blocks and owns 1 (its last prompt block differs).
    expect(snap.kv.usedBlocks).toBe(21 + 1 + 1);
    expect(snap.running.find((r) => r.id === 'b')!.cachedTokens).toBe(320);
    inst.finishIteration();
    inst.runToCompletion();
    expect(inst.snapshot().kv.usedBlocks).toBe(0);
  });

  it('evicts least recently freed blocks first, a request’s tail before its prefix', () => {
    // 40 blocks: a (20 blocks) finishes and stays cached; c (30 blocks, unrelated) needs room.
    const { inst, rec } = instance({ numGpuBlocks: 40, watermark: 0 });
    const a = prompt(320, 320, 7, 7);
    const c = prompt(0, 480, 0, 9);
    inst.enqueue(full('a', a, 1), 0);
    inst.runToCompletion();
    expect(inst.snapshot().prefixCache!.cachedBlocks).toBe(20);
    inst.enqueue(full('c', c, 1), inst.clockMs);
    inst.runToCompletion();
    // c took 20 never-used blocks and 10 of a's: a's last 10 went, its first 10 remain.
    inst.enqueue(full('a2', a, 1), inst.clockMs);
    inst.runToCompletion();
    expect(rec.cached.get('a2')).toBe(10 * 16);
  });

  it('with caching off, hashes change nothing', () => {
    const run = (withHashes: boolean, on: boolean) => {
      const rec = new Recorder();
      const inst = new SimInstance({
        id: 'i',
        profile,
        config: { enablePrefixCaching: on },
        observer: rec,
      });
      for (let i = 0; i < 20; i++) {
        const item = full(`r${i}`, prompt(400, 600, 1, i), 20);
        if (!withHashes && item.kind === 'full') delete item.prefix;
        inst.enqueue(item, i * 30);
      }
      inst.runToCompletion();
      return rec.log;
    };
    expect(run(true, false)).toEqual(run(false, false));
    expect(run(false, true)).toEqual(run(false, false));
    expect(run(true, true)).not.toEqual(run(false, false));
  });

  it('random conversations under KV pressure: counts balance, every request finishes', () => {
    const rng = createRng(11);
    const { inst, rec } = instance({ numGpuBlocks: 400 });
    const items: WorkItem[] = [];
    for (let i = 0; i < 150; i++) {
      const conv = rng.int(6);
      const shared = 16 * rng.int(60);
      items.push(
        full(`r${i}`, prompt(shared, shared + 1 + rng.int(700), conv, i), 1 + rng.int(80)),
      );
    }
    let t = 0;
    for (const item of items) {
      t += rng.next() * 40;
      inst.runUntil(t);
      inst.enqueue(item, t);
      const s = inst.snapshot();
      expect(s.kv.usedBlocks).toBeLessThanOrEqual(400);
      expect(s.prefixCache!.cachedBlocks).toBeLessThanOrEqual(400);
    }
    inst.runToCompletion();
    expect(rec.preempted.length).toBeGreaterThan(0);
    let hits = 0;
    for (const item of items) {
      if (item.kind !== 'full') continue;
      expect(rec.tokens.get(item.id)).toHaveLength(item.outputTokens);
      // Without preemption, exactly the uncached part of the prompt was computed.
      if (!rec.preempted.includes(item.id)) {
        expect(rec.chunkTokens.get(item.id)).toBe(item.promptTokens - rec.cached.get(item.id)!);
      }
      hits += rec.cached.get(item.id)!;
    }
    expect(hits).toBeGreaterThan(0);
    const snap = inst.snapshot();
    expect(snap.kv.usedBlocks).toBe(0);
    expect(snap.prefixCache!.hitTokens).toBeGreaterThanOrEqual(hits);
  });

  it('reports stored and removed blocks as events, and a waiting request’s cached prefix', () => {
    const { inst } = instance({ numGpuBlocks: 40, watermark: 0 });
    const a = prompt(320, 320, 7, 7);
    inst.enqueue(full('a', a, 1), 0);
    inst.runToCompletion();
    const first = inst.drainPrefixEvents();
    // Free blocks are listed least recently freed first: a's tail first.
    expect(first).toEqual([{ type: 'stored', blockHashes: promptBlockHashes(a, 16).reverse() }]);
    expect(inst.hasCachedBlock(first[0]!.blockHashes[0]!)).toBe(true);
    inst.enqueue(full('c', prompt(0, 480, 0, 9), 1), inst.clockMs);
    inst.runToCompletion();
    const ev = inst.drainPrefixEvents();
    expect(ev.map((e) => e.type)).toContain('removed');
    const removed = ev.filter((e) => e.type === 'removed').flatMap((e) => e.blockHashes);
    expect(removed).toEqual(promptBlockHashes(a, 16).slice(10).reverse());
    expect(inst.drainPrefixEvents()).toEqual([]);
    // A waiting request sees what admission would reuse.
    inst.enqueue(full('a2', a, 1), inst.clockMs + 5);
    expect(inst.snapshot().waiting[0]!.cachedTokens).toBe(160);
  });

  it('a snapshot rebuild assumes a waiting request’s cached prefix (what-if runs)', () => {
    const { inst } = instance();
    const a = prompt(800, 800, 2, 2);
    inst.enqueue(full('a', a, 1), 0);
    inst.runToCompletion();
    inst.enqueue(full('b', prompt(800, 900, 2, 3), 1), inst.clockMs + 5);
    const snap = inst.snapshot();
    expect(snap.waiting[0]!.cachedTokens).toBe(800);
    const rec = new Recorder();
    const what = SimInstance.fromSnapshot(snap, profile, {
      outputTokensFor: () => 1,
      observer: rec,
      recordChunks: true,
    });
    what.runToCompletion();
    expect(rec.chunkTokens.get('b')).toBe(100);
  });

  it('names bad prefix fields', () => {
    const { inst } = instance();
    const bad = (prefix: unknown) => () =>
      inst.enqueue(
        { kind: 'full', id: 'x', promptTokens: 40, outputTokens: 1, prefix } as WorkItem,
        0,
      );
    expect(bad({ blockHashes: [1, -3] })).toThrow(
      /prefix\.blockHashes\[1\] must be a non-negative/,
    );
    expect(bad({ blockHashes: 'no' })).toThrow(/prefix\.blockHashes must be an array/);
    expect(bad({ assumedCachedTokens: 1.5 })).toThrow(/prefix\.assumedCachedTokens/);
  });
});
