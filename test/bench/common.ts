/** What the benchmarks share: flags, quantiles, the load average, sleeping. */
import { loadavg } from 'node:os';

/** `--name value` from the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The 1, 5 and 15 minute load averages, to print beside every figure. */
export const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** The `q` quantile (linear interpolation) of unsorted values; NaN when there are none. */
export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
