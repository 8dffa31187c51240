import type { BatchFeatures } from '../types.js';
import type { LatencyProfile } from '../latency/profile.js';

/**
 * The latency form rewritten with one slope per token segment, so "every marginal cost is
 * non-negative" becomes simple bounds. With `N = P + D` and knots k1 < k2 < k3:
 *
 * `t = b0 + m0·seg0 + m1·seg1 + m2·seg2 + m3·seg3 + c2·X2 + c4·C + s·S` (+ the fixed CPU time),
 * where `seg0 = min(N, k1)`, `seg1 = clamp(N−k1, 0, k2−k1)`, `seg2 = clamp(N−k2, 0, k3−k2)`,
 * `seg3 = max(N−k3, 0)`, `m1 = m0+b1`, `m2 = m0+b1+b2`, `m3 = m0+b1+b2+b3` (the slope of each
 * segment), and `s` the CPU time per sequence in the batch (`S`; `cpuOverhead.perSeqMs`). The
 * first segment's slope `m0` is 0 in the GPU profiles (flat below the first knot) and not on a
 * CPU engine, whose small batches live entirely there; so is the per-sequence time (sampling and
 * streaming each sequence's token). The A100 profile's negative b3 is a flatter last segment,
 * not a negative cost.
 */
export const TERMS = 8;

/** [b0, m0, m1, m2, m3, c2, c4, s] of a profile. */
export function toSlopes(p: Pick<LatencyProfile, 'latency' | 'cpuOverhead'>): Float64Array {
  const c = p.latency;
  const m0 = c.m0 ?? 0;
  return Float64Array.of(
    c.b0,
    m0,
    m0 + c.b1,
    m0 + c.b1 + c.b2,
    m0 + c.b1 + c.b2 + c.b3,
    c.c2,
    c.c4,
    p.cpuOverhead.perSeqMs,
  );
}

/** A profile's coefficients (knots and fixed CPU time of `like`) from [b0, m0, m1, m2, m3, c2, c4, s]. */
export function fromSlopes(
  u: ArrayLike<number>,
  like: Pick<LatencyProfile, 'latency' | 'cpuOverhead'>,
): Pick<LatencyProfile, 'latency' | 'cpuOverhead'> {
  const [b0, m0, m1, m2, m3, c2, c4, s] = Array.from({ length: TERMS }, (_, j) => u[j]!) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    latency: { knots: like.latency.knots, b0, m0, b1: m1 - m0, b2: m2 - m1, b3: m3 - m2, c2, c4 },
    cpuOverhead: { fixedMs: like.cpuOverhead.fixedMs, perSeqMs: Math.max(0, s) },
  };
}

type Composition = Pick<
  BatchFeatures,
  'prefillTokens' | 'prefillAttnWork' | 'decodeRequests' | 'decodeContextTokens' | 'numSeqs'
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
  out[1] = Math.min(n, k1);
  out[2] = Math.min(Math.max(n - k1, 0), k2 - k1);
  out[3] = Math.min(Math.max(n - k2, 0), k3 - k2);
  out[4] = Math.max(n - k3, 0);
  out[5] = f.prefillAttnWork;
  out[6] = f.decodeContextTokens;
  out[7] = f.numSeqs;
}

/** A prompt of `p` tokens prefilled in one chunk after `k` cached tokens. */
function prefill(p: number, k: number): Composition {
  return {
    prefillTokens: p,
    prefillAttnWork: p * (k + p / 2),
    decodeRequests: 0,
    decodeContextTokens: 0,
    numSeqs: 1,
  };
}

/** `d` decode requests with `ctx` context tokens each. */
function decode(d: number, ctx: number): Composition {
  return {
    prefillTokens: 0,
    prefillAttnWork: 0,
    decodeRequests: d,
    decodeContextTokens: d * ctx,
    numSeqs: d,
  };
}

/**
 * One reference batch per term, where that term is active: a single decode step (b0), prefills
 * filling each segment (k1, k2, k3, 2·k3 tokens), a 2·k2-token chunk after 2·k3 cached tokens
 * (c2), and 2·k1 decode requests at k3 context (c4, and the per-sequence time).
 */
function referenceBatches(knots: readonly [number, number, number]): Composition[] {
  const [k1, k2, k3] = knots;
  return [
    decode(1, k2),
    prefill(k1, 0),
    prefill(k2, 0),
    prefill(k3, 0),
    prefill(2 * k3, 0),
    prefill(2 * k2, 2 * k3),
    decode(2 * k1, k3),
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
  const u0 = toSlopes(start);
  const row = new Float64Array(TERMS);
  const rho = new Float64Array(TERMS);
  referenceBatches(knots).forEach((batch, j) => {
    slopeFeatures(batch, knots, row);
    let t = start.cpuOverhead.fixedMs;
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
