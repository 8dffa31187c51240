import { createRng } from '@adagen/stats';
import { renewalArrivalsMs } from './generate.js';
import type { Workload } from './types.js';

function positive(name: string, value: number, unit: string): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive finite number of ${unit}, got ${value}`);
  }
}

/** Multiplies every arrival time by `factor` (> 1 stretches the workload, < 1 compresses it). */
export function scaleTime(w: Workload, factor: number): Workload {
  positive('scaleTime factor', factor, 'times');
  return {
    name: w.name,
    requests: w.requests.map((r) => ({ ...r, arrivalMs: r.arrivalMs * factor })),
    notes: [...w.notes, `arrival times scaled by ×${factor}`],
  };
}

/**
 * Time-scales the workload so that its mean rate (rows / span, as the trace README defines it)
 * is `ratePerS`. Needs at least two requests at different times.
 */
export function scaleToRate(w: Workload, ratePerS: number): Workload {
  positive('scaleToRate rate', ratePerS, 'req/s');
  const n = w.requests.length;
  const spanMs = n < 2 ? 0 : w.requests[n - 1]!.arrivalMs - w.requests[0]!.arrivalMs;
  if (!(spanMs > 0)) {
    throw new RangeError(`scaleToRate needs ≥ 2 requests spread over time; "${w.name}" spans 0 ms`);
  }
  const currentPerS = n / (spanMs / 1000);
  const scaled = scaleTime(w, currentPerS / ratePerS);
  scaled.notes[scaled.notes.length - 1] =
    `time-scaled ×${(currentPerS / ratePerS).toPrecision(6)} from ` +
    `${currentPerS.toPrecision(6)} to ${ratePerS} req/s mean rate (rows / span)`;
  return scaled;
}

export interface WindowOptions {
  /** Inclusive start. @default 0 */
  startMs?: number;
  /** Exclusive end. @default Infinity */
  endMs?: number;
}

/** Keeps requests with startMs ≤ arrival < endMs and rebases them so `startMs` becomes 0. */
export function window(w: Workload, options: WindowOptions): Workload {
  const startMs = options.startMs ?? 0;
  const endMs = options.endMs ?? Infinity;
  if (!(startMs >= 0) || !(endMs > startMs)) {
    throw new RangeError(`window needs 0 ≤ startMs < endMs, got ${startMs} and ${endMs}`);
  }
  const requests = w.requests
    .filter((r) => r.arrivalMs >= startMs && r.arrivalMs < endMs)
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - startMs }));
  return {
    name: w.name,
    requests,
    notes: [
      ...w.notes,
      `window [${startMs}, ${endMs}) ms rebased to 0: ${requests.length} requests`,
    ],
  };
}

/** The first `n` requests by arrival. */
export function firstN(w: Workload, n: number): Workload {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`firstN needs an integer n ≥ 0, got ${n}`);
  const requests = w.requests.slice(0, n);
  return { name: w.name, requests, notes: [...w.notes, `first ${requests.length} requests`] };
}

/**
 * Keeps each request's lengths (in order) and replaces the arrival times with a Poisson process
 * at `ratePerS` starting at 0, e.g. "lengths from a trace, Poisson at 4 req/s".
 */
export function withPoissonArrivals(w: Workload, ratePerS: number, seed: number): Workload {
  positive('withPoissonArrivals rate', ratePerS, 'req/s');
  const rng = createRng(seed).fork('poisson-arrivals');
  const arrivals = renewalArrivalsMs(rng, ratePerS, 1, w.requests.length);
  return {
    name: w.name,
    requests: w.requests.map((r, i) => ({ ...r, arrivalMs: arrivals[i]! })),
    notes: [...w.notes, `arrivals replaced by Poisson at ${ratePerS} req/s, seed ${seed}`],
  };
}
