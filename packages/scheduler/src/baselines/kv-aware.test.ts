import { PrefixIndex, promptBlockHashes } from '@adagen/engine';
import { createRng } from '@adagen/stats';
import { describe, expect, it } from 'vitest';
import { DefaultClassifier } from '../classifier.js';
import { clusterView } from '../testing/views.js';
import type { FakeInstance } from '../testing/views.js';
import type { Classification, ClusterView, RequestInfo } from '../types.js';
import { activeDecodeBlocks, DynamoKvBalancer } from './dynamo-kv.js';
import { LlmdPrefixBalancer } from './llmd-prefix.js';
import { ApproximateTree, SglangCacheBalancer } from './sglang-cache.js';

const tokens = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => (seed * 31 + i) % 1000);
const hashesOf = (n: number, seed: number) => promptBlockHashes(tokens(n, seed), 16);

function request(promptTokens: number, seed: number, id = 'new'): Classification {
  const info: RequestInfo = {
    id,
    arrivalMs: 0,
    promptTokens,
    prefix: { blockSize: 16, blockHashes: hashesOf(promptTokens, seed) },
  };
  return new DefaultClassifier().classify(info, 0);
}

/** A view whose instance `k` has the first `cached[k]` tokens of prompt `seed` cached. */
function viewWith(instances: FakeInstance[], cached: number[], seed: number): ClusterView {
  const view = clusterView(instances);
  view.instances.forEach((v, k) => {
    const index = new PrefixIndex(16);
    const blocks = hashesOf(cached[k] ?? 0, seed);
    index.apply([{ type: 'stored', blockHashes: blocks }]);
    (v as { prefixCache?: PrefixIndex }).prefixCache = index;
  });
  return view;
}

describe('dynamo-kv (cost = weight × prefill blocks + decode blocks)', () => {
  it('takes the cached worker when decode loads are equal', () => {
    const view = viewWith([{}, {}, {}], [0, 3200, 1600], 1);
    const b = new DynamoKvBalancer(createRng(1));
    expect(b.place(request(4000, 1), view).instanceId).toBe('i1');
  });

  it('leaves the cached worker when its decode blocks outweigh the saved prefill', () => {
    // i1 holds 3200 of 4000 tokens (200 of 250 blocks saved) but decodes 20 × 1600 tokens
    // (2000 blocks); i0 is idle: 250 prefill blocks < 50 + 2000.
    const decoding = Array.from({ length: 20 }, () => ({ promptTokens: 1599, generatedTokens: 1 }));
    const view = viewWith([{}, { running: decoding }], [0, 3200], 1);
    expect(activeDecodeBlocks(view.instances[1]!)).toBe(2000);
    const b = new DynamoKvBalancer(createRng(1));
    expect(b.place(request(4000, 1), view).instanceId).toBe('i0');
    // With overlap weight 20 the prefill savings win.
    const heavy = new DynamoKvBalancer(createRng(1), { overlapScoreWeight: 20 });
    expect(heavy.place(request(4000, 1), view).instanceId).toBe('i1');
  });

  it('breaks ties at random, reproducibly for a seed', () => {
    const view = viewWith([{}, {}, {}, {}], [0, 0, 0, 0], 1);
    const picks = (seed: number) => {
      const b = new DynamoKvBalancer(createRng(seed));
      return Array.from({ length: 40 }, () => b.place(request(100, 1), view).instanceId);
    };
    expect(picks(3)).toEqual(picks(3));
    expect(new Set(picks(3)).size).toBeGreaterThan(1);
  });
});

describe('sglang-cache (balance thresholds, cache threshold, approximate tree)', () => {
  it('follows its own tree: a repeated prefix goes back to the worker that got it', () => {
    const b = new SglangCacheBalancer();
    const view = clusterView([{}, {}, {}]);
    const first = b.place(request(2000, 5, 'a'), view).instanceId;
    // A different prompt goes to a worker with the smallest tree (not the first one).
    const other = b.place(request(2000, 6, 'b'), view).instanceId;
    expect(other).not.toBe(first);
    // The same prefix, extended: match rate 2000/2400 > 0.3 → the first worker.
    expect(b.place(request(2400, 5, 'c'), view).instanceId).toBe(first);
  });

  it('switches to the shortest queue when loads are imbalanced (abs 64 and rel 1.5)', () => {
    const b = new SglangCacheBalancer();
    const calm = clusterView([{}, {}]);
    const home = b.place(request(2000, 5, 'a'), calm).instanceId;
    const hot = Array.from({ length: 70 }, () => ({}));
    const loaded = clusterView(home === 'i0' ? [{ waiting: hot }, {}] : [{}, { waiting: hot }]);
    expect(b.place(request(2400, 5, 'c'), loaded).instanceId).not.toBe(home);
    // 40 vs 0: the absolute threshold is not passed → the cache decides.
    const b2 = new SglangCacheBalancer();
    const home2 = b2.place(request(2000, 5, 'a'), calm).instanceId;
    const mild = Array.from({ length: 40 }, () => ({}));
    const notSoHot = clusterView(
      home2 === 'i0' ? [{ waiting: mild }, {}] : [{}, { waiting: mild }],
    );
    expect(b2.place(request(2400, 5, 'd'), notSoHot).instanceId).toBe(home2);
  });

  it('the approximate tree evicts least recently used blocks, tails before prefixes', () => {
    const t = new ApproximateTree(10);
    const a = hashesOf(16 * 8, 1);
    t.insert(a);
    t.insert(hashesOf(16 * 4, 2));
    expect(t.size).toBe(10);
    expect(t.matchBlocks(a)).toBe(6);
  });
});

describe('llmd-prefix (3 × prefix + 2 × queue + 2 × KV utilisation)', () => {
  it('prefers the endpoint holding the prefix when loads are equal', () => {
    const view = viewWith([{}, {}, {}], [0, 0, 3200], 1);
    expect(new LlmdPrefixBalancer(createRng(1)).place(request(4000, 1), view).instanceId).toBe(
      'i2',
    );
  });

  it('the queue and KV scorers outweigh a partial prefix on a loaded endpoint', () => {
    // i1: 40 % of the prompt cached (3 × 0.4 = 1.2) but the longest queue (0) and full KV (0);
    // i0: no prefix, empty queue (2) and empty KV (2).
    const waiting = Array.from({ length: 5 }, () => ({}));
    const view = viewWith([{}, { waiting, usedBlocks: 1000 }], [0, 1600], 1);
    expect(new LlmdPrefixBalancer(createRng(1)).place(request(4000, 1), view).instanceId).toBe(
      'i0',
    );
  });
});
