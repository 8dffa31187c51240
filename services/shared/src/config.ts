/**
 * Configuration every fleet service shares, on top of the runtime's (NATS, logs, ops HTTP):
 * the fleet clock, and for the deciding services the policy and its SLOs.
 *
 * | Option | Variable / flag | Default |
 * |---|---|---|
 * | timeScale | `ADAGEN_TIME_SCALE` / `--time-scale` | `1` (fleet time = wall time) |
 * | clockOriginMs | `ADAGEN_CLOCK_ORIGIN_MS` / `--clock-origin-ms` | `0` |
 * | policy | `ADAGEN_POLICY` / `--policy` | `adagen` |
 * | seed | `ADAGEN_SEED` / `--seed` | `0` |
 * | sloTtft, sloTpot | `ADAGEN_SLO_TTFT`, `ADAGEN_SLO_TPOT` | `5x:250`, `5x:50` |
 * | kvLink | `ADAGEN_KV_LINK` / `--kv-link` | `rdma-400g` |
 * | statePeriodMs | `ADAGEN_STATE_PERIOD_MS` / `--state-period-ms` | `100` |
 * | staleAfterPeriods | `ADAGEN_STALE_AFTER_PERIODS` / `--stale-after-periods` | `5` |
 * | staleAfterMinWallMs | `ADAGEN_STALE_AFTER_MIN_WALL_MS` | `500` (a floor in wall ms) |
 * | prefixBlockSize | `ADAGEN_PREFIX_BLOCK_SIZE` / `--prefix-block-size` | `16` (tokens per hashed prefix block: classifier, balancer and agents must agree) |
 */
import { performance } from 'node:perf_hooks';
import { createFleetClock } from '@adagen/fleet';
import type { FleetClock } from '@adagen/fleet';
import { configField } from '@adagen/runtime';
import { defaultSloSpec, parseSloTarget } from '@adagen/scheduler';
import type { SloSpec } from '@adagen/scheduler';
import { z } from 'zod';

const slo = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((t) => parseSloTarget(t, 0) !== undefined, {
      error: 'expected "250ms", "250", "5x" or "5x:250"',
    });

export const clockConfigShape = {
  timeScale: configField
    .number(0.01, 1000)
    .default(1)
    .describe('fleet ms per wall ms (simulated engines run this much faster; tests)'),
  clockOriginMs: configField
    .number(0, 1e14)
    .default(0)
    .describe('wall epoch ms where fleet and wall time agree (same in every process)'),
};

export const policyConfigShape = {
  policy: configField.string().default('adagen').describe('scheduling policy name'),
  seed: configField
    .int(0, 2 ** 31)
    .default(0)
    .describe('seed of the policy’s random choices'),
  sloTtft: slo('5x:250').describe('TTFT SLO: "250ms" or "5x[:floor]" × idle TTFT'),
  sloTpot: slo('5x:50').describe('TPOT SLO: "50ms" or "5x[:floor]" × idle TPOT'),
  kvLink: configField.string().default('rdma-400g').describe('KV link preset between agents'),
  controlDelayMs: configField
    .number(0, 10_000)
    .default(2)
    .describe('decision + dispatch delay the estimator assumes'),
};

export const viewConfigShape = {
  statePeriodMs: configField
    .number(1, 60_000)
    .default(100)
    .describe('agents’ snapshot period (fleet ms)'),
  staleAfterPeriods: configField
    .number(1, 1000)
    .default(5)
    .describe('an agent silent this many periods is removed from placement'),
  staleAfterMinWallMs: configField
    .number(0, 600_000)
    .default(500)
    .describe('…but never sooner than this many wall ms (time-scaled fleets)'),
};

/** Prefix caching: the block size of prompt hashes and of the agents' cache events. */
export const prefixConfigShape = {
  prefixBlockSize: configField
    .int(1, 4096)
    .default(16)
    .describe(
      'tokens per hashed prefix block (vLLM’s default block size); the same on classifier, balancer and agents',
    ),
};

/** Fleet ms after which a silent agent leaves the view. */
export function staleAfterMs(
  config: { statePeriodMs: number; staleAfterPeriods: number; staleAfterMinWallMs: number },
  clock: FleetClock,
): number {
  return Math.max(
    config.statePeriodMs * config.staleAfterPeriods,
    clock.fleetDelayMs(config.staleAfterMinWallMs),
  );
}

/** The fleet clock of this process (monotonic wall clock, scaled). */
export function fleetClockOf(config: { timeScale: number; clockOriginMs: number }): FleetClock {
  return createFleetClock({
    timeScale: config.timeScale,
    originMs: config.clockOriginMs,
    wallNowMs: () => performance.timeOrigin + performance.now(),
  });
}

/** The SLO spec from the `sloTtft` / `sloTpot` options. */
export function sloSpecOf(config: { sloTtft: string; sloTpot: string }): SloSpec {
  const floorTtft = defaultSloSpec.ttft.kind === 'scale' ? defaultSloSpec.ttft.floorMs : 0;
  const floorTpot = defaultSloSpec.tpot.kind === 'scale' ? defaultSloSpec.tpot.floorMs : 0;
  return {
    ttft: parseSloTarget(config.sloTtft, floorTtft) ?? defaultSloSpec.ttft,
    tpot: parseSloTarget(config.sloTpot, floorTpot) ?? defaultSloSpec.tpot,
  };
}
