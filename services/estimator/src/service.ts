/**
 * The estimator service: "what would these agents' layouts be if these requests arrived now?"
 * for tools and for deployments that keep the balancer light. (The AdaGen balancer and planner
 * embed the same `LayoutEstimator` library, which is cheaper than a network hop per candidate.)
 */
import { FleetView } from '@adagen/fleet';
import { estimateRequestSchema, estimateResponseSchema, subjects } from '@adagen/protocol';
import { startRuntime } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, sloSpecOf, staleAfterMs, watchFleet } from '@adagen/svc-shared';
import type { EstimatorConfig } from './config.js';
import { EstimateHandler } from './estimate.js';

export const ESTIMATOR_VERSION = '0.1.0';

export async function startEstimator(
  config: EstimatorConfig,
  options: { logger?: Logger } = {},
): Promise<ServiceRuntime & { view: FleetView }> {
  const clock = fleetClockOf(config);
  const view = new FleetView({ staleAfterMs: staleAfterMs(config, clock) });
  const handler = new EstimateHandler(view, sloSpecOf(config));
  const rt = await startRuntime({
    service: { name: 'estimator', version: ESTIMATOR_VERSION, description: 'layout estimates' },
    config,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  watchFleet({ rt, view, clock, sweepEveryMs: config.statePeriodMs });
  rt.service.addEndpoint('estimate', subjects.estimate, {
    requestSchema: estimateRequestSchema,
    responseSchema: estimateResponseSchema,
    maxInFlight: config.maxInFlight,
    handler: (req) => Promise.resolve(handler.estimate(req, clock.nowMs())),
  });
  await rt.ready();
  rt.logger.info('estimator ready');
  return { ...rt, stop: (reason?: string) => rt.stop(reason), view };
}
