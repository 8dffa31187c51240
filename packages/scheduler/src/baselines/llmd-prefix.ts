/**
 * llm-d's endpoint picker with its default weighted scorers (PEERS.md): each ready endpoint gets
 *
 *   3 × prefix-cache score + 2 × queue score + 2 × KV-cache-utilisation score
 *
 * and the highest total wins (max-score picker, ties at random). Weights: the `default-plugins.yaml`
 * of llm-d's InferencePool Helm chart (queue-scorer 2, kv-cache-utilization-scorer 2,
 * prefix-cache-scorer 3). The scorers, as in the Gateway API inference extension:
 * - prefix: the share of the prompt's blocks cached on the endpoint (here from its KV events —
 *   llm-d's precise mode — the same prefix index AdaGen sees);
 * - queue: (max − q) / (max − min) over the endpoints' waiting queues (1 when all equal);
 *   q = waiting requests plus placements made since the snapshot;
 * - KV utilisation: 1 − used share of KV blocks (used + the pending placements' blocks).
 */
import type { Rng } from '@adagen/stats';
import { cachedTokensOn } from '../prefix.js';
import type { Balancer, Classification, ClusterView, Placement } from '../types.js';
import { pendingKvBlocks, readyIndices } from './signals.js';
import { argminRandomTies } from './ties.js';

export interface LlmdPrefixOptions {
  /** @default { prefix: 3, queue: 2, kvUtilization: 2 } (llm-d InferencePool chart defaults) */
  weights?: { prefix: number; queue: number; kvUtilization: number };
}

export class LlmdPrefixBalancer implements Balancer {
  readonly name = 'llmd-prefix';
  private readonly w: { prefix: number; queue: number; kvUtilization: number };

  constructor(
    private readonly rng: Rng,
    options: LlmdPrefixOptions = {},
  ) {
    this.w = options.weights ?? { prefix: 3, queue: 2, kvUtilization: 2 };
  }

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    const request = classification.request;
    const queues = ready.map((i) => {
      const v = view.instances[i]!;
      return v.snapshot.waiting.length + v.pending.length;
    });
    const qMax = Math.max(...queues);
    const qMin = Math.min(...queues);
    const negScores = ready.map((i, k) => {
      const v = view.instances[i]!;
      const prefix = cachedTokensOn(request, v) / request.promptTokens;
      const queue = qMax === qMin ? 1 : (qMax - queues[k]!) / (qMax - qMin);
      const kv = v.snapshot.kv;
      const kvScore = 1 - Math.min(1, (kv.usedBlocks + pendingKvBlocks(v)) / kv.totalBlocks);
      return -(this.w.prefix * prefix + this.w.queue * queue + this.w.kvUtilization * kvScore);
    });
    const index = ready[argminRandomTies(negScores, this.rng)]!;
    return { classification, instanceId: view.instances[index]!.id, candidates: ready.length };
  }
}
