/** Prefix-cache figures of a run: hit rates and the estimator's TTFT error on hits and misses. */
import { summarizeSorted } from '@adagen/stats';
import type { Summary } from '@adagen/stats';
import type { RequestMetrics } from './metrics.js';

export interface PrefixCacheSummary {
  /** Prompt tokens looked up at admissions, over all instances (vLLM's prefix_cache_queries). */
  queriedTokens: number;
  /** Of those, found cached (vLLM's prefix_cache_hits). */
  hitTokens: number;
  /** hitTokens / queriedTokens (token hit rate; NaN when nothing was queried). */
  hitRate: number;
  /** Admitted requests whose first admission reused a cached prefix. */
  requestsWithHit: number;
  /** Requests admitted at least once. */
  requestsAdmitted: number;
}

/** |predicted − actual| / actual TTFT of requests with a prediction, by cache outcome. */
export interface TtftPredictionError {
  /** Requests with a cached prefix at their first admission. */
  hits: Summary;
  misses: Summary;
}

export function summarizePrefixCache(
  m: RequestMetrics,
  counters: ReadonlyArray<{ queriedTokens: number; hitTokens: number }>,
): PrefixCacheSummary {
  let queriedTokens = 0;
  let hitTokens = 0;
  for (const c of counters) {
    queriedTokens += c.queriedTokens;
    hitTokens += c.hitTokens;
  }
  let requestsWithHit = 0;
  let requestsAdmitted = 0;
  for (let i = 0; i < m.count; i++) {
    const t = m.cachedTokens[i]!;
    if (t < 0) continue;
    requestsAdmitted++;
    if (t > 0) requestsWithHit++;
  }
  return {
    queriedTokens,
    hitTokens,
    hitRate: queriedTokens > 0 ? hitTokens / queriedTokens : Number.NaN,
    requestsWithHit,
    requestsAdmitted,
  };
}

/** The relative TTFT prediction error, split by whether the request hit the prefix cache. */
export function ttftPredictionError(m: RequestMetrics): TtftPredictionError | undefined {
  const hits: number[] = [];
  const misses: number[] = [];
  for (let i = 0; i < m.count; i++) {
    const p = m.predictedTtftMs[i]!;
    if (Number.isNaN(p) || m.tokens[i]! === 0 || m.cachedTokens[i]! < 0) continue;
    const actual = m.ttftMs(i);
    if (!(actual > 0)) continue;
    (m.cachedTokens[i]! > 0 ? hits : misses).push(Math.abs(p - actual) / actual);
  }
  if (hits.length + misses.length === 0) return undefined;
  const sorted = (a: number[]) => Float64Array.from(a).sort();
  return { hits: summarizeSorted(sorted(hits)), misses: summarizeSorted(sorted(misses)) };
}
