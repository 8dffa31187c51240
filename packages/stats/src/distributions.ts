import type { Rng } from './rng.js';

/** Exponential with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}

/** Standard normal (Box–Muller; one of the pair is discarded to stay stateless). */
export function standardNormal(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal whose underlying normal has mean `mu` and standard deviation `sigma`. */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * standardNormal(rng));
}

/** Lognormal parameters (mu, sigma) that give the requested median and p90 of the lognormal. */
export function lognormalFromMedianP90(
  medianValue: number,
  p90Value: number,
): {
  mu: number;
  sigma: number;
} {
  if (!(medianValue > 0) || !(p90Value >= medianValue)) {
    throw new RangeError(`need 0 < median <= p90, got median ${medianValue}, p90 ${p90Value}`);
  }
  const z90 = 1.2815515655446004;
  return { mu: Math.log(medianValue), sigma: Math.log(p90Value / medianValue) / z90 };
}

/** Gamma with shape k and scale theta (Marsaglia–Tsang; boosted for k < 1). */
export function gamma(rng: Rng, shape: number, scale: number): number {
  if (!(shape > 0) || !(scale > 0)) {
    throw new RangeError(`gamma needs shape > 0 and scale > 0, got ${shape}, ${scale}`);
  }
  if (shape < 1) {
    const u = rng.next();
    return gamma(rng, shape + 1, scale) * Math.pow(u === 0 ? Number.MIN_VALUE : u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
  }
}

/**
 * Inter-arrival gap for a renewal process with the given mean rate and coefficient of variation:
 * CV = 1 is Poisson (exponential gaps); otherwise gamma gaps with shape 1/CV².
 */
export function interArrivalMs(rng: Rng, ratePerS: number, cv: number): number {
  if (!(ratePerS > 0)) throw new RangeError(`rate must be > 0 req/s, got ${ratePerS}`);
  if (!(cv > 0)) throw new RangeError(`CV must be > 0, got ${cv}`);
  const meanMs = 1000 / ratePerS;
  if (Math.abs(cv - 1) < 1e-12) return exponential(rng, meanMs);
  const shape = 1 / (cv * cv);
  return gamma(rng, shape, meanMs / shape);
}
