import type { BatchFeatures } from '../types.js';
import type { LatencyProfile, PiecewiseCoefficients } from '../latency/profile.js';

/**
 * The piecewise form rewritten with one slope per token segment, so "every marginal cost is
 * non-negative" becomes simple bounds. With `N = P + D` and knots k1 < k2 < k3:
 *
 * `t = b0 + m1·seg1 + m2·seg2 + m3·seg3 + c2·X2 + c4·C`, where
 * `seg1 = clamp(N−k1, 0, k2−k1)`, `seg2 = clamp(N−k2, 0, k3−k2)`, `seg3 = max(N−k3, 0)`,
 * and `m1 = b1`, `m2 = b1+b2`, `m3 = b1+b2+b3` (the slope of each segment). The A100 profile's
 * negative b3 is a flatter third segment, not a negative cost.
 */
export const TERMS = 6;

/** [b0, m1, m2, m3, c2, c4] of a profile's coefficients. */
export function toSlopes(c: PiecewiseCoefficients): Float64Array {
  return Float64Array.of(c.b0, c.b1, c.b1 + c.b2, c.b1 + c.b2 + c.b3, c.c2, c.c4);
}

/** Coefficients (same knots as `like`) from segment slopes [b0, m1, m2, m3, c2, c4]. */
export function fromSlopes(
  u: ArrayLike<number>,
  like: PiecewiseCoefficients,
): PiecewiseCoefficients {
  const [b0, m1, m2, m3, c2, c4] = [u[0]!, u[1]!, u[2]!, u[3]!, u[4]!, u[5]!];
  return { knots: like.knots, b0, b1: m1, b2: m2 - m1, b3: m3 - m2, c2, c4 };
}

type Composition = Pick<
  BatchFeatures,
  'prefillTokens' | 'prefillAttnWork' | 'decodeRequests' | 'decodeContextTokens'
>;

/** Writes the slope-basis features of `f` into `out` (length ≥ TERMS). */
export function slopeFeatures(
  f: Composition,
  knots: readonly [number, number, number],
  out: Float64Array,
): void {
  const [k1, k2, k3] = knots;
  const n = f.prefillTokens + f.decodeRequests;
  out[0] = 1;
  out[1] = Math.min(Math.max(n - k1, 0), k2 - k1);
  out[2] = Math.min(Math.max(n - k2, 0), k3 - k2);
  out[3] = Math.max(n - k3, 0);
  out[4] = f.prefillAttnWork;
  out[5] = f.decodeContextTokens;
}

/** A prompt of `p` tokens prefilled in one chunk after `k` cached tokens. */
function prefill(p: number, k: number): Composition {
  return {
    prefillTokens: p,
    prefillAttnWork: p * (k + p / 2),
    decodeRequests: 0,
    decodeContextTokens: 0,
  };
}

/** `d` decode requests with `ctx` context tokens each. */
function decode(d: number, ctx: number): Composition {
  return { prefillTokens: 0, prefillAttnWork: 0, decodeRequests: d, decodeContextTokens: d * ctx };
}

/**
 * One reference batch per term, where that term is active: a single decode step (b0), prefills
 * filling each segment (k2, k3, 2·k3 tokens), a 2·k2-token chunk after 2·k3 cached tokens (c2),
 * and 2·k1 decode requests at k3 context (c4).
 */
function referenceBatches(knots: readonly [number, number, number]): Composition[] {
  const [k1, k2, k3] = knots;
  return [
    decode(1, k2),
    prefill(k2, 0),
    prefill(k3, 0),
    prefill(2 * k3, 0),
    prefill(2 * k2, 2 * k3),
    decode(2 * k1, k3),
  ];
}

/**
 * Per-term scales ρⱼ = (term j's feature at its reference batch) / (start profile's time of that
 * batch). In the scaled unknowns vⱼ = uⱼ·ρⱼ a coefficient is "the share of its reference batch's
 * time this term accounts for", so all unknowns are O(1) whatever the GPU, and the prior and
 * the bounds mean the same for every term.
 * @throws RangeError when the start profile predicts a non-positive time for a reference batch.
 */
export function termScales(start: LatencyProfile): Float64Array {
  const knots = start.latency.knots;
  const u0 = toSlopes(start.latency);
  const row = new Float64Array(TERMS);
  const rho = new Float64Array(TERMS);
  referenceBatches(knots).forEach((batch, j) => {
    slopeFeatures(batch, knots, row);
    let t =
      start.cpuOverhead.fixedMs + start.cpuOverhead.perSeqMs * Math.max(batch.decodeRequests, 1);
    for (let k = 0; k < TERMS; k++) t += u0[k]! * row[k]!;
    if (!(t > 0)) {
      throw new RangeError(
        `start profile "${start.name}" predicts ${t} ms for its reference batch of term ${j}; it must be > 0`,
      );
    }
    rho[j] = row[j]! / t;
  });
  return rho;
}
