/**
 * SGLang model gateway's cache-aware policy (PEERS.md; sgl-router `cache_aware`):
 *
 * 1. if the load is imbalanced — (max − min) > balance_abs_threshold and
 *    max > balance_rel_threshold × min over the workers' loads — go to the least loaded worker;
 * 2. else, if the best prefix match rate (matched / prompt length) on a worker's approximate tree
 *    exceeds cache_threshold, go to that worker;
 * 3. else to the worker with the smallest tree (the most room to cache).
 *
 * The chosen worker's tree then records the prompt. Defaults of the current gateway: 64 / 1.5 /
 * 0.3. The approximate tree is SGLang's own design — built from the router's decisions, not from
 * the engines — here over prompt block hashes (SGLang matches characters), evicting least
 * recently used blocks beyond a capacity, tails before their prefixes. The capacity is our
 * choice: the instance's KV blocks (SGLang sizes its tree in characters, `max_tree_size`).
 * Load = the requests the worker is running or has queued plus placements since its snapshot.
 */
import type { BlockHash } from '@adagen/engine';
import type { Balancer, Classification, ClusterView, Placement } from '../types.js';
import { outstandingRequests, readyIndices } from './signals.js';

export interface SglangCacheOptions {
  /** @default 64 */
  balanceAbsThreshold?: number;
  /** @default 1.5 */
  balanceRelThreshold?: number;
  /** @default 0.3 */
  cacheThreshold?: number;
}

/** One worker's approximate cache: block hashes in LRU order (a `Map` keeps insertion order). */
export class ApproximateTree {
  private readonly lru = new Map<BlockHash, true>();

  constructor(readonly capacityBlocks: number) {}

  get size(): number {
    return this.lru.size;
  }

  matchBlocks(hashes: readonly BlockHash[]): number {
    let k = 0;
    while (k < hashes.length && this.lru.has(hashes[k]!)) k++;
    return k;
  }

  /** Records a prompt; its prefix ends up most recent, so tails are evicted first. */
  insert(hashes: readonly BlockHash[]): void {
    for (let i = hashes.length - 1; i >= 0; i--) {
      const h = hashes[i]!;
      this.lru.delete(h);
      this.lru.set(h, true);
    }
    while (this.lru.size > this.capacityBlocks) {
      this.lru.delete(this.lru.keys().next().value!);
    }
  }
}

export class SglangCacheBalancer implements Balancer {
  readonly name = 'sglang-cache';
  private readonly abs: number;
  private readonly rel: number;
  private readonly cacheThreshold: number;
  private readonly trees = new Map<string, ApproximateTree>();

  constructor(options: SglangCacheOptions = {}) {
    this.abs = options.balanceAbsThreshold ?? 64;
    this.rel = options.balanceRelThreshold ?? 1.5;
    this.cacheThreshold = options.cacheThreshold ?? 0.3;
  }

  private tree(id: string, capacityBlocks: number): ApproximateTree {
    let t = this.trees.get(id);
    if (t === undefined) {
      t = new ApproximateTree(capacityBlocks);
      this.trees.set(id, t);
    }
    return t;
  }

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    const request = classification.request;
    const loads = ready.map((i) => outstandingRequests(view.instances[i]!));
    const max = Math.max(...loads);
    const min = Math.min(...loads);
    const trees = ready.map((i) => {
      const v = view.instances[i]!;
      return this.tree(v.id, v.snapshot.kv.totalBlocks);
    });
    let pick: number;
    if (max - min > this.abs && max > this.rel * min) {
      pick = loads.indexOf(min);
    } else {
      const hashes = request.prefix?.blockHashes ?? [];
      const bs = request.prefix?.blockSize ?? 1;
      let best = 0;
      let bestRate = -1;
      trees.forEach((t, k) => {
        const rate = (t.matchBlocks(hashes) * bs) / request.promptTokens;
        if (rate > bestRate) {
          bestRate = rate;
          best = k;
        }
      });
      if (bestRate > this.cacheThreshold) pick = best;
      else {
        pick = 0;
        trees.forEach((t, k) => {
          if (t.size < trees[pick]!.size) pick = k;
        });
      }
    }
    if (request.prefix !== undefined) trees[pick]!.insert(request.prefix.blockHashes);
    const index = ready[pick]!;
    return { classification, instanceId: view.instances[index]!.id, candidates: ready.length };
  }
}
