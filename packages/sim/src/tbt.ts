/** Per-request token-gap percentiles, for the TBT p99 SLO (`SloSpec.tbt`). */
import { quantileSorted } from '@adagen/stats';
import type { RequestMetrics } from './metrics.js';

/**
 * The `q` quantile (linear interpolation) of each request's own gaps between tokens; NaN for a
 * request with no gap (fewer than two tokens). One counting pass groups the pooled gaps by
 * request, then each request's gaps are sorted on their own.
 */
export function perRequestGapQuantile(m: RequestMetrics, q: number): Float64Array {
  const gaps = m.gapsMs.values();
  const owners = m.gapOwners.values();
  const start = new Int32Array(m.count + 1);
  for (let k = 0; k < owners.length; k++) start[owners[k]! + 1]! += 1;
  for (let i = 0; i < m.count; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, m.count);
  const grouped = new Float64Array(gaps.length);
  for (let k = 0; k < gaps.length; k++) grouped[fill[owners[k]!]!++] = gaps[k]!;
  const out = new Float64Array(m.count).fill(Number.NaN);
  for (let i = 0; i < m.count; i++) {
    if (start[i + 1]! === start[i]!) continue;
    const own = grouped.subarray(start[i], start[i + 1]).sort();
    out[i] = quantileSorted(own, q);
  }
  return out;
}
