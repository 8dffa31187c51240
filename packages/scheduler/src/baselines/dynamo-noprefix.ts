/**
 * NVIDIA Dynamo's KV router cost without its prefix-cache term (`dynamo-kv-noprefix`).
 *
 * Source: Dynamo's router documentation ("KV Cache Routing", "Router Design"; PEERS.md). Per
 * worker the router computes
 *
 *   cost = overlap_score_weight × potential prefill blocks + potential active (decode) blocks
 *
 * where potential prefill blocks = (input tokens − cached overlap blocks × block size) / block
 * size plus the prefill blocks already in flight on the worker, and potential active blocks = the
 * blocks of the requests the router has sent there (tracked from its own decisions until they
 * finish) plus the new request's. The lowest cost wins; with `--router-temperature 0` (the
 * default) the choice is deterministic. Here there is no prefix cache, so the overlap is 0 and
 * `overlap_score_weight` (1 by default) multiplies the whole prompt.
 *
 * What it sees is AdaGen's view: each instance's snapshot plus the placements made since. "Active
 * blocks" = KV blocks in use + blocks the waiting requests and the pending placements will take
 * (the router counts a request from the moment it routes it); "prefill in flight" = the prompt
 * tokens not computed yet on the instance (running, waiting and pending), in blocks. Ties go to
 * the lower index (Dynamo draws among equal costs at random; a fixed order keeps runs byte-equal).
 */
import type { Balancer, Classification, ClusterView, Placement } from '../types.js';
import { argminReady, placementOn } from './argmin.js';
import { pendingKvBlocks, queuedPrefillTokens, waitingKvBlocks } from './signals.js';

export interface DynamoKvOptions {
  /** Dynamo's `--kv-overlap-score-weight` (weight of the prefill term). @default 1 */
  overlapScoreWeight?: number;
}

export class DynamoKvNoPrefixBalancer implements Balancer {
  readonly name = 'dynamo-kv-noprefix';
  private readonly weight: number;

  constructor(options: DynamoKvOptions = {}) {
    const w = options.overlapScoreWeight ?? 1;
    if (!Number.isFinite(w) || w < 0) {
      throw new RangeError(`dynamo-kv-noprefix: overlapScoreWeight must be ≥ 0, got ${w}`);
    }
    this.weight = w;
  }

  place(classification: Classification, view: ClusterView): Placement {
    const prompt = classification.request.promptTokens;
    const { index, candidates } = argminReady(view, (v) => {
      const bs = v.snapshot.config.blockSize;
      const prefillBlocks = (prompt + queuedPrefillTokens(v)) / bs;
      const activeBlocks =
        v.snapshot.kv.usedBlocks + waitingKvBlocks(v) + pendingKvBlocks(v) + prompt / bs;
      return [this.weight * prefillBlocks + activeBlocks];
    });
    return placementOn(classification, view, index, candidates);
  }
}
