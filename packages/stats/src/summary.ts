/** Summary statistics over a sample. Percentiles use linear interpolation between ranks. */
export interface Summary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of an ascending-sorted array, interpolated; NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[n - 1]!;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = sorted[lo]!;
  return frac === 0 ? a : a + (sorted[lo + 1]! - a) * frac;
}

/** Nearest-rank percentile (as the trace README uses): the smallest value with ≥ q of the mass. */
export function nearestRankSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  return sorted[Math.min(rank, n) - 1]!;
}

/** Summary of `values` (not modified). */
export function summarize(values: ArrayLike<number>): Summary {
  return summarizeSorted(Float64Array.from(values).sort());
}

/** Summary of an ascending-sorted array (exact percentiles, linear interpolation). */
export function summarizeSorted(sorted: ArrayLike<number>): Summary {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    mean: n === 0 ? Number.NaN : sum / n,
    min: n === 0 ? Number.NaN : sorted[0]!,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
  };
}

/** Empirical CDF points (value, cumulative share) of `values`, thinned to about `maxPoints`. */
export function ecdf(values: ArrayLike<number>, maxPoints = 200): Array<[number, number]> {
  return ecdfSorted(Float64Array.from(values).sort(), maxPoints);
}

/** Empirical CDF points of an ascending-sorted array, thinned to about `maxPoints`; ends at 1. */
export function ecdfSorted(sorted: ArrayLike<number>, maxPoints = 200): Array<[number, number]> {
  const n = sorted.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const out: Array<[number, number]> = [];
  for (let i = step - 1; i < n; i += step) out.push([sorted[i]!, (i + 1) / n]);
  if (out[out.length - 1]![1] !== 1) out.push([sorted[n - 1]!, 1]);
  return out;
}
