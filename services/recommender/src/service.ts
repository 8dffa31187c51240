/**
 * The capacity recommender: keeps the fleet's observed traffic (arrivals from the balancers'
 * decision records — shed requests included, they are demand too — and output lengths from the
 * completion records), and every `windowMs` simulates the last window of it on 1…N instances
 * with the fleet's policy, profile and SLOs (`@adagen/capacity`), exporting the fewest instances
 * that reach the target as `adagen_recommended_instances` — for `adagen up --autoscale`, or
 * KEDA / an HPA on Kubernetes.
 */
import { performance } from 'node:perf_hooks';
import { ObservedTraffic, planCapacity } from '@adagen/capacity';
import type { EngineConfigInput } from '@adagen/engine';
import { FleetView, requireProfile } from '@adagen/fleet';
import { completionRecordSchema, decisionRecordSchema, wildcards } from '@adagen/protocol';
import { startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { policyFor } from '@adagen/scheduler';
import { createRng } from '@adagen/stats';
import { fleetClockOf, sloSpecOf, staleAfterMs, watchFleet } from '@adagen/svc-shared';
import { Gauge } from 'prom-client';
import type { RecommenderConfig } from './config.js';

export const RECOMMENDER_VERSION = '0.1.0';

export interface Recommendation {
  /** Fleet ms the window ended at. */
  atMs: number;
  instances: number;
  /** Requests in the window and their rate. */
  requests: number;
  ratePerS: number;
  /** Simulated attainment at the recommended count (null: no traffic). */
  attainment: number | null;
  planMs: number;
}

export interface RecommenderRuntime extends ServiceRuntime {
  readonly view: FleetView;
  latest(): Recommendation | undefined;
  /** Makes a recommendation now (tests); the timer does it every window. */
  recommend(): Promise<Recommendation>;
}

export async function startRecommender(
  config: RecommenderConfig,
  options: { logger?: Logger } = {},
): Promise<RecommenderRuntime> {
  const clock = fleetClockOf(config);
  const view = new FleetView({ staleAfterMs: staleAfterMs(config, clock) });
  const traffic = new ObservedTraffic(4 * config.windowMs);
  const rng = createRng(config.seed);
  const slo = sloSpecOf(config);
  policyFor(config.policy, { seed: config.seed, slo, instances: [] }); // unknown name: fail now
  requireProfile(config.profile);
  const rt = await startRuntime({
    service: {
      name: 'recommender',
      version: RECOMMENDER_VERSION,
      description: 'recommended instances from the observed traffic',
    },
    config,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const registers = [rt.registry];
  const recommended = new Gauge({
    name: 'adagen_recommended_instances',
    help: 'Fewest instances that meet the SLO attainment target on the last window of observed traffic, in simulation',
    registers,
  });
  const rate = new Gauge({
    name: 'adagen_observed_requests_per_second',
    help: 'Arrival rate of the last window of observed traffic (first attempts, shed included)',
    registers,
  });
  const predicted = new Gauge({
    name: 'adagen_recommended_attainment',
    help: 'Simulated SLO attainment of the last window at the recommended count',
    registers,
  });
  const planSeconds = new Gauge({
    name: 'adagen_recommendation_seconds',
    help: 'Wall time the last recommendation took',
    registers,
  });
  recommended.set(config.minInstances);

  watchFleet({ rt, view, clock, sweepEveryMs: config.statePeriodMs });
  const common = { logger: rt.logger, registry: rt.registry, lifecycle: rt.lifecycle };
  subscribe(rt.nc, wildcards.decisions, {
    ...common,
    schema: decisionRecordSchema,
    handler: (d) => {
      if (d.attempt === 0)
        traffic.arrive(d.requestId, d.atMs, d.promptTokens, d.predictedOutputTokens);
      return Promise.resolve();
    },
  });
  subscribe(rt.nc, wildcards.agentCompletion, {
    ...common,
    schema: completionRecordSchema,
    handler: (r) => {
      traffic.complete(r.requestId, r.outputTokens);
      return Promise.resolve();
    },
  });

  let latest: Recommendation | undefined;
  const recommend = async (): Promise<Recommendation> => {
    const t0 = performance.now();
    const nowMs = clock.nowMs();
    const workload = traffic.window(nowMs, config.windowMs, rng);
    const member = view.members()[0];
    const profile = requireProfile(member?.profile ?? config.profile);
    const engine: EngineConfigInput =
      member === undefined
        ? {}
        : {
            maxNumBatchedTokens: member.config.maxNumBatchedTokens,
            maxNumSeqs: member.config.maxNumSeqs,
            enableChunkedPrefill: member.config.enableChunkedPrefill,
            blockSize: member.config.blockSize,
            numGpuBlocks: member.totalKvBlocks,
            ...(member.config.maxModelLen === undefined
              ? {}
              : { maxModelLen: member.config.maxModelLen }),
          };
    let instances = config.minInstances;
    let attainment: number | null = null;
    if (workload.requests.length > 0) {
      const plan = await planCapacity({
        workload,
        profile,
        engine,
        policy: (ctx) => policyFor(config.policy, ctx),
        exact: true,
        slo,
        target: config.target,
        minInstances: config.minInstances,
        maxInstances: config.maxInstances,
        sim: { controlDelayMs: config.controlDelayMs, kvLink: config.kvLink, seed: config.seed },
      });
      instances = plan.instances ?? config.maxInstances;
      attainment = plan.curve.find((p) => p.instances === instances)?.attainment ?? null;
    }
    const r: Recommendation = {
      atMs: nowMs,
      instances,
      requests: workload.requests.length,
      ratePerS: workload.requests.length / (config.windowMs / 1000),
      attainment,
      planMs: performance.now() - t0,
    };
    recommended.set(r.instances);
    rate.set(r.ratePerS);
    if (attainment !== null) predicted.set(attainment);
    planSeconds.set(r.planMs / 1000);
    latest = r;
    rt.logger.info(r, 'recommendation');
    return r;
  };

  let busy = false;
  const timer = setInterval(
    () => {
      if (busy) return;
      busy = true;
      recommend()
        .catch((error: unknown) => rt.logger.error({ err: error }, 'recommendation failed'))
        .finally(() => (busy = false));
    },
    Math.max(50, clock.wallDelayMs(config.windowMs)),
  );
  rt.lifecycle.onStop('recommendations', () => clearInterval(timer));
  await rt.ready();
  rt.logger.info({ windowMs: config.windowMs, target: config.target }, 'recommender ready');
  return {
    ...rt,
    view,
    latest: () => latest,
    recommend,
    stop: (reason?: string) => rt.stop(reason),
  };
}
