/**
 * NVIDIA Dynamo's KV router (PEERS.md; Dynamo docs "KV cache routing"): for each worker,
 *
 *   cost = overlap_score_weight × prefill_blocks + decode_blocks
 *
 * where prefill_blocks = the request's prompt blocks not cached on that worker + the worker's
 * active prefill blocks (prompt work queued there), decode_blocks = the KV blocks of the
 * worker's active sequences; lowest cost wins. Defaults as shipped: overlap_score_weight 1 and
 * router temperature 0 (no softmax sampling: the minimum, ties at random). The cache overlap
 * comes from the workers' KV events (here: the instance's prefix index as of its snapshot, the
 * same view AdaGen gets); placements the router made since the snapshot count as active blocks,
 * as Dynamo's own active-sequence tracking does.
 */
import type { Rng } from '@adagen/stats';
import { uncachedBlocksOn } from '../prefix.js';
import type { Balancer, Classification, ClusterView, InstanceView, Placement } from '../types.js';
import type { DynamoKvOptions } from './dynamo-noprefix.js';
import { blocksFor, queuedPrefillTokens, readyIndices } from './signals.js';
import { argminRandomTies } from './ties.js';

/** Blocks of the sequences decoding on the instance, plus pending placements' prompts. */
export function activeDecodeBlocks(v: InstanceView): number {
  const bs = v.snapshot.config.blockSize;
  let blocks = 0;
  for (const r of v.snapshot.running) {
    if (r.phase === 'decoding') blocks += blocksFor(r.promptTokens + r.generatedTokens, bs);
  }
  for (const p of v.pending) if (p.role !== 'segment') blocks += blocksFor(p.promptTokens, bs);
  return blocks;
}

export class DynamoKvBalancer implements Balancer {
  readonly name = 'dynamo-kv';
  private readonly weight: number;

  constructor(
    private readonly rng: Rng,
    options: DynamoKvOptions = {},
  ) {
    this.weight = options.overlapScoreWeight ?? 1;
  }

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    const request = classification.request;
    const costs = ready.map((i) => {
      const v = view.instances[i]!;
      const bs = v.snapshot.config.blockSize;
      const prefill = uncachedBlocksOn(request, v, bs) + blocksFor(queuedPrefillTokens(v), bs);
      return this.weight * prefill + activeDecodeBlocks(v);
    });
    const index = ready[argminRandomTies(costs, this.rng)]!;
    return { classification, instanceId: view.instances[index]!.id, candidates: ready.length };
  }
}
