/**
 * What the balancer and the planner start alike: their runtime, a policy host for the configured
 * policy and SLOs, and a fleet view kept current from the agents' state over NATS.
 */
import type { FleetClock } from '@adagen/fleet';
import { FleetShards, FleetView, PolicyHost } from '@adagen/fleet';
import type { PlacementNotice } from '@adagen/protocol';
import { startRuntime } from '@adagen/runtime';
import type { Logger, RuntimeConfig, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, sloSpecOf, staleAfterMs } from './config.js';
import { decisionMetrics, estimatorMetrics } from './metrics.js';
import type { DecisionMetrics } from './metrics.js';
import { watchFleet } from './watch.js';

export interface PolicyServiceConfig extends RuntimeConfig {
  readonly policy: string;
  readonly seed: number;
  readonly sloTtft: string;
  readonly sloTpot: string;
  readonly kvLink: string;
  readonly controlDelayMs: number;
  readonly timeScale: number;
  readonly clockOriginMs: number;
  readonly statePeriodMs: number;
  readonly staleAfterPeriods: number;
  readonly staleAfterMinWallMs: number;
}

export interface PolicyService {
  readonly rt: ServiceRuntime;
  readonly host: PolicyHost;
  readonly view: FleetView;
  readonly clock: FleetClock;
  readonly metrics: DecisionMetrics;
  /** A balancer shard's share of the agents (undefined: it follows every agent). */
  readonly shards?: FleetShards;
}

export async function startPolicyService(
  config: PolicyServiceConfig,
  about: { readonly name: string; readonly version: string; readonly description: string },
  instanceId: string,
  options: {
    readonly logger?: Logger | undefined;
    /** Set for a balancer: its own placement notices are not applied twice. */
    readonly selfId?: string;
    /** Peers' placement notices, after the view applied them. */
    readonly onNotice?: (notice: PlacementNotice) => void;
    /** A balancer replica's shard (`shards` > 1: it follows only its share of the agents). */
    readonly shard?: { readonly shards: number; readonly shard: number };
  } = {},
): Promise<PolicyService> {
  const clock = fleetClockOf(config);
  const host = new PolicyHost({
    policy: config.policy,
    seed: config.seed,
    slo: sloSpecOf(config),
    kvLink: config.kvLink,
    controlDelayMs: config.controlDelayMs,
  });
  const staleMs = staleAfterMs(config, clock);
  const view = new FleetView({ staleAfterMs: staleMs });
  // An agent leaves the split later than the view: a hiccup should not move every shard's share.
  const shards =
    options.shard === undefined || options.shard.shards === 1
      ? undefined
      : new FleetShards({ ...options.shard, forgetAfterMs: 4 * staleMs });
  const rt = await startRuntime({
    service: about,
    config,
    instanceId,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const metrics = decisionMetrics(rt.registry);
  estimatorMetrics(rt.registry, host);
  watchFleet({
    rt,
    view,
    clock,
    sweepEveryMs: config.statePeriodMs,
    ...(options.selfId === undefined ? {} : { selfId: options.selfId }),
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    ...(shards === undefined ? {} : { shards }),
  });
  if (shards !== undefined)
    rt.logger.info(
      { shard: shards.shard, shards: shards.shards },
      `balancer shard ${shards.shard} of ${shards.shards}: follows and places on its share of the agents only`,
    );
  return { rt, host, view, clock, metrics, ...(shards === undefined ? {} : { shards }) };
}
