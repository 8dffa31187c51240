import { nearestRankSorted } from '@adagen/stats';
import type { Workload } from './types.js';

/** Nearest-rank percentiles (as the trace README computes them), with mean and extremes. */
export interface LengthStats {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The figures of the trace README's summary table, for any workload. */
export interface WorkloadStats {
  rows: number;
  /** Last arrival minus first. */
  spanS: number;
  /** Rows divided by the span (NaN when the span is 0). */
  meanRatePerS: number;
  /** Most arrivals in one 60 s bin (bins start at the first arrival), divided by 60. */
  peak1MinRatePerS: number;
  /** Standard deviation of the gaps between consecutive arrivals over their mean. */
  interArrivalCv: number;
  promptTokens: LengthStats;
  outputTokens: LengthStats;
}

/** Summary of a workload, computed the way the trace README defines its table. */
export function workloadStats(w: Workload): WorkloadStats {
  const arrivals = w.requests.map((r) => r.arrivalMs);
  const rows = arrivals.length;
  const firstMs = arrivals[0] ?? 0;
  const spanS = rows === 0 ? 0 : (arrivals[rows - 1]! - firstMs) / 1000;
  return {
    rows,
    spanS,
    meanRatePerS: spanS > 0 ? rows / spanS : Number.NaN,
    peak1MinRatePerS: peakPerMinute(arrivals, firstMs) / 60,
    interArrivalCv: gapCv(arrivals),
    promptTokens: lengthStats(w.requests.map((r) => r.promptTokens)),
    outputTokens: lengthStats(w.requests.map((r) => r.outputTokens)),
  };
}

function peakPerMinute(arrivals: number[], firstMs: number): number {
  const bins = new Map<number, number>();
  let peak = 0;
  for (const t of arrivals) {
    const bin = Math.floor((t - firstMs) / 60_000);
    const count = (bins.get(bin) ?? 0) + 1;
    bins.set(bin, count);
    peak = Math.max(peak, count);
  }
  return peak;
}

function gapCv(arrivals: number[]): number {
  const n = arrivals.length - 1;
  if (n < 2) return Number.NaN;
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += arrivals[i]! - arrivals[i - 1]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 1; i <= n; i++) squares += (arrivals[i]! - arrivals[i - 1]! - mean) ** 2;
  return Math.sqrt(squares / n) / mean;
}

function lengthStats(values: number[]): LengthStats {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    min: n === 0 ? Number.NaN : sorted[0]!,
    p50: nearestRankSorted(sorted, 0.5),
    p90: nearestRankSorted(sorted, 0.9),
    p99: nearestRankSorted(sorted, 0.99),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
    mean: n === 0 ? Number.NaN : sum / n,
  };
}
