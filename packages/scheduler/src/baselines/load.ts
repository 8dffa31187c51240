/** Score-based baselines: the minimum score wins; ties go to the lower instance index. */
import type { Balancer, Classification, ClusterView, Placement } from '../types.js';
import { argminReady, placementOn } from './argmin.js';
import {
  activeRunning,
  outstandingRequests,
  pendingKvBlocks,
  queuedPrefillTokens,
  waitingKvBlocks,
} from './signals.js';

/**
 * Least outstanding requests (vLLM production-stack / AIBrix "least request"; the signal is
 * vLLM's `num_requests_running + num_requests_waiting`, PEERS.md) plus pending placements.
 */
export class LeastRequestsBalancer implements Balancer {
  readonly name = 'least-requests';

  place(classification: Classification, view: ClusterView): Placement {
    const { index, candidates } = argminReady(view, (v) => [outstandingRequests(v)]);
    return placementOn(classification, view, index, candidates);
  }
}

/**
 * Least KV usage = memory balancing (the KV-aware routers, `gpu_cache_usage_perc`, PEERS.md):
 * (used KV blocks in the snapshot + blocks the pending placements' prompts will take) / total.
 */
export class LeastKvBalancer implements Balancer {
  readonly name = 'least-kv';

  place(classification: Classification, view: ClusterView): Placement {
    const { index, candidates } = argminReady(view, (v) => [
      (v.snapshot.kv.usedBlocks + pendingKvBlocks(v)) / v.snapshot.kv.totalBlocks,
    ]);
    return placementOn(classification, view, index, candidates);
  }
}

/**
 * Llumnix (OSDI'24, v0 dispatch) virtual usage, PEERS.md: (KV blocks used by running requests +
 * blocks all waiting requests will need for their prompts + the same for pending placements) /
 * total blocks; the least loaded instance wins. Llumnix's live migration is not modelled.
 */
export class LlumnixBalancer implements Balancer {
  readonly name = 'llumnix';

  place(classification: Classification, view: ClusterView): Placement {
    const { index, candidates } = argminReady(view, (v) => [
      (v.snapshot.kv.usedBlocks + waitingKvBlocks(v) + pendingKvBlocks(v)) /
        v.snapshot.kv.totalBlocks,
    ]);
    return placementOn(classification, view, index, candidates);
  }
}

/**
 * LMetric (2026), PEERS.md: score = new prefill tokens on the instance × its batch size, minimum
 * wins, no tuning constants. "New prefill tokens" are the uncomputed prompt tokens queued there
 * (running, waiting and pending) plus this request's prompt; batch size is the running requests
 * that still compute (not `held` prefill KV) + pending placements, plus this one. Counting the arriving request in both factors keeps the product from
 * collapsing to 0 on every instance that has no prefill queued (which would send all such
 * traffic to the lowest index). Ties → fewer queued prefill tokens → lower index.
 */
export class LMetricBalancer implements Balancer {
  readonly name = 'lmetric';

  place(classification: Classification, view: ClusterView): Placement {
    const prompt = classification.request.promptTokens;
    const { index, candidates } = argminReady(view, (v) => {
      const queued = queuedPrefillTokens(v);
      const batch = activeRunning(v) + v.pending.length + 1;
      return [(queued + prompt) * batch, queued];
    });
    return placementOn(classification, view, index, candidates);
  }
}
