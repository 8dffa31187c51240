/**
 * Capacity searches over a monotone predicate "SLO attainment ≥ target":
 * - goodput: the highest arrival rate that still meets the target (bisection on the rate);
 * - instances needed: the fewest instances that meet it at a fixed rate (binary search).
 * Both take a config builder and a runner, so callers can run probes anywhere (in process, in a
 * worker) and tests can inject a runner with a known answer.
 */

import type { SimConfigInput } from './config.js';
import type { SimResult } from './run.js';
import { runSimulation } from './run.js';

/** What a search needs from a run's result: a `SimResult`, or anything with `slo.attainment`. */
export type AttainmentResult =
  { slo: { attainment: number } } | { metrics: { slo: { attainment: number } } };

export type Runner<C, R extends AttainmentResult> = (config: C) => R | Promise<R>;

function attainmentOf(r: AttainmentResult): number {
  return 'metrics' in r ? r.metrics.slo.attainment : r.slo.attainment;
}

const simulate: Runner<SimConfigInput, SimResult> = (c) => runSimulation(c);

export interface RateProbe<R> {
  ratePerS: number;
  attainment: number;
  pass: boolean;
  result: R;
}

export interface GoodputOptions {
  loRatePerS: number;
  hiRatePerS: number;
  /** @default 0.9 */
  target?: number;
  /** Stop when (hi − lo) ≤ toleranceRel × hi. @default 0.02 */
  toleranceRel?: number;
  /** Doublings of `hi` allowed while it still passes. @default 8 */
  maxExpansions?: number;
}

export interface GoodputResult<R> {
  /** Highest passing rate found; undefined when even `loRatePerS` misses the target. */
  goodputRatePerS: number | undefined;
  /** The smallest failing rate probed (undefined if every probe passed). */
  failingRatePerS: number | undefined;
  target: number;
  probes: Array<RateProbe<R>>;
}

/** Goodput by bisection with `runSimulation`. */
export function searchGoodput(
  build: (ratePerS: number) => SimConfigInput,
  options: GoodputOptions,
): Promise<GoodputResult<SimResult>>;
/** Goodput by bisection with a custom runner. */
export function searchGoodput<C, R extends AttainmentResult>(
  build: (ratePerS: number) => C,
  options: GoodputOptions,
  run: Runner<C, R>,
): Promise<GoodputResult<R>>;
export async function searchGoodput(
  build: (ratePerS: number) => unknown,
  options: GoodputOptions,
  run: Runner<unknown, AttainmentResult> = simulate as Runner<unknown, AttainmentResult>,
): Promise<GoodputResult<AttainmentResult>> {
  const target = options.target ?? 0.9;
  const tol = options.toleranceRel ?? 0.02;
  const maxExpansions = options.maxExpansions ?? 8;
  if (!(options.loRatePerS > 0) || !(options.hiRatePerS > options.loRatePerS)) {
    throw new RangeError(
      `need 0 < loRatePerS < hiRatePerS, got ${options.loRatePerS} and ${options.hiRatePerS}`,
    );
  }
  const probes: Array<RateProbe<AttainmentResult>> = [];
  const probe = async (ratePerS: number): Promise<boolean> => {
    const result = await run(build(ratePerS));
    const attainment = attainmentOf(result);
    const pass = attainment >= target;
    probes.push({ ratePerS, attainment, pass, result });
    return pass;
  };
  let lo = options.loRatePerS;
  if (!(await probe(lo))) {
    return { goodputRatePerS: undefined, failingRatePerS: lo, target, probes };
  }
  let hi = options.hiRatePerS;
  let expansions = 0;
  while (await probe(hi)) {
    lo = hi;
    if (expansions++ >= maxExpansions) {
      return { goodputRatePerS: lo, failingRatePerS: undefined, target, probes };
    }
    hi *= 2;
  }
  while (hi - lo > tol * hi) {
    const mid = (lo + hi) / 2;
    if (await probe(mid)) lo = mid;
    else hi = mid;
  }
  return { goodputRatePerS: lo, failingRatePerS: hi, target, probes };
}

export interface InstancesOptions {
  /** @default 1 */
  minInstances?: number;
  maxInstances: number;
  /** @default 0.9 */
  target?: number;
}

export interface InstanceProbe<R> {
  instances: number;
  attainment: number;
  pass: boolean;
  result: R;
}

export interface InstancesResult<R> {
  /** Fewest instances meeting the target; undefined when even `maxInstances` misses it. */
  instances: number | undefined;
  target: number;
  probes: Array<InstanceProbe<R>>;
}

/** Fewest instances meeting the target, with `runSimulation`. */
export function searchInstances(
  build: (instances: number) => SimConfigInput,
  options: InstancesOptions,
): Promise<InstancesResult<SimResult>>;
/** Fewest instances meeting the target, with a custom runner. */
export function searchInstances<C, R extends AttainmentResult>(
  build: (instances: number) => C,
  options: InstancesOptions,
  run: Runner<C, R>,
): Promise<InstancesResult<R>>;
export async function searchInstances(
  build: (instances: number) => unknown,
  options: InstancesOptions,
  run: Runner<unknown, AttainmentResult> = simulate as Runner<unknown, AttainmentResult>,
): Promise<InstancesResult<AttainmentResult>> {
  const target = options.target ?? 0.9;
  const min = options.minInstances ?? 1;
  const max = options.maxInstances;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new RangeError(`need integers 1 ≤ minInstances ≤ maxInstances, got ${min} and ${max}`);
  }
  const probes: Array<InstanceProbe<AttainmentResult>> = [];
  const probe = async (instances: number): Promise<boolean> => {
    const result = await run(build(instances));
    const attainment = attainmentOf(result);
    const pass = attainment >= target;
    probes.push({ instances, attainment, pass, result });
    return pass;
  };
  if (!(await probe(max))) return { instances: undefined, target, probes };
  // Invariant: `hi` passes; `lo` fails (min − 1 is an implicit failure).
  let lo = min - 1;
  let hi = max;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await probe(mid)) hi = mid;
    else lo = mid;
  }
  return { instances: hi, target, probes };
}
