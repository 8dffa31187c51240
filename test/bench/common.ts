/** What the benchmarks share: flags, quantiles, the load average, sleeping. */
import { loadavg } from 'node:os';

/** `--name value` from the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

/**
 * `--name value` as a number in [min, max] (an integer when `integer`), or `fallback`; a value
 * that is not one is an error naming the flag, what it must be and what was given.
 */
export function numberFlag(
  name: string,
  fallback: number,
  range: { readonly min: number; readonly max: number; readonly integer?: boolean },
): number {
  const given = flag(name, String(fallback));
  const x = Number(given);
  const kind = range.integer === true ? 'an integer' : 'a number';
  if (
    given.trim() === '' ||
    !Number.isFinite(x) ||
    x < range.min ||
    x > range.max ||
    (range.integer === true && !Number.isInteger(x))
  )
    throw new RangeError(
      `--${name} must be ${kind} from ${range.min} to ${range.max}, got '${given}'`,
    );
  return x;
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
