/**
 * The planner: turns a placement into an execution plan with the policy's distribute step
 * (single instance, P/D split or split prefill; AdaGen reuses the balance step's layout estimates
 * the placement carries and simulates only the distributed options, on its own view), dispatches
 * the parts to the agents and answers once all of them accepted.
 */
import { performance } from 'node:perf_hooks';
import type { FleetView } from '@adagen/fleet';
import { pendingOf, noticesFor, placementFromWire, planToWire } from '@adagen/fleet';
import { AdagenError, placementSchema, planResultSchema, subjects } from '@adagen/protocol';
import type { ExecutionPlan, LatencyPrediction, Placement, PlanResult } from '@adagen/protocol';
import { childLogger } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { randomSuffix, startPolicyService } from '@adagen/svc-shared';
import type { PlannerConfig } from './config.js';
import { dispatchPlan } from './dispatch.js';

export const PLANNER_VERSION = '0.1.0';

export interface PlannerRuntime extends ServiceRuntime {
  readonly plannerId: string;
  readonly view: FleetView;
}

export async function startPlanner(
  config: PlannerConfig,
  options: { logger?: Logger } = {},
): Promise<PlannerRuntime> {
  const plannerId = config.plannerId ?? `plan-${randomSuffix()}`;
  const { rt, host, view, clock, metrics } = await startPolicyService(
    config,
    { name: 'planner', version: PLANNER_VERSION, description: 'execution plans and dispatch' },
    plannerId,
    { logger: options.logger },
  );

  const decide = (
    p: Placement,
    nowMs: number,
  ): { plan: ExecutionPlan; policy: string; predicted?: LatencyPrediction } => {
    const policy = host.forView(view);
    // An agent this replica has not seen yet: run the request where the balancer put it.
    if (policy === undefined || !view.has(p.instanceId))
      return { plan: { kind: 'single', instanceId: p.instanceId }, policy: p.policy };
    const decision = policy.planner.plan(placementFromWire(p), view.cluster(nowMs));
    const pr = decision.prediction;
    return {
      plan: planToWire(decision.plan),
      policy: policy.name,
      // The distributed plan's own prediction, for the balancer's decision record.
      ...(decision.plan.kind !== 'single' &&
      pr !== undefined &&
      Number.isFinite(pr.ttftMs) &&
      Number.isFinite(pr.tpotMs)
        ? { predicted: { ttftMs: clampMs(pr.ttftMs), tpotMs: clampMs(pr.tpotMs) } }
        : {}),
    };
  };

  const plan = async (p: Placement, logger: Logger): Promise<PlanResult> => {
    const r = p.classification.request;
    const log = childLogger(logger, { requestId: r.requestId });
    const t0 = performance.now();
    const nowMs = clock.nowMs();
    const { plan: chosen, policy, predicted } = decide(p, nowMs);
    const decideMs = performance.now() - t0;
    for (const n of noticesFor(chosen, plannerId, p.classification, nowMs))
      view.addPending(n.instanceId, pendingOf(n));
    log.debug({ plan: chosen, decideMs }, 'planned');
    const remainingMs = clock.wallDelayMs(r.deadlineAtMs - clock.nowMs());
    if (remainingMs <= 0)
      throw new AdagenError('deadline_exceeded', 'deadline passed before dispatch');
    let acceptedAtMs: number | undefined;
    try {
      acceptedAtMs = await dispatchPlan(
        rt.nc,
        chosen,
        p,
        Math.min(remainingMs, config.dispatchTimeoutMs),
        () => clock.nowMs(),
        (id) => {
          if (view.remove(id)) log.warn({ instanceId: id }, 'agent unreachable: out of placement');
        },
      );
    } catch (error) {
      view.dropPending(r.requestId);
      metrics.decisionSeconds.observe({ step: 'plan', policy }, decideMs / 1000);
      metrics.decisions.inc({
        step: 'plan',
        policy,
        outcome: error instanceof AdagenError ? error.code : 'internal',
      });
      log.info({ err: error, plan: chosen }, 'dispatch failed');
      throw error;
    }
    // Metrics after the dispatch: not on the request's way to its agent.
    metrics.decisionSeconds.observe({ step: 'plan', policy }, decideMs / 1000);
    metrics.decisions.inc({ step: 'plan', policy, outcome: 'ok' });
    metrics.plans.inc({ policy, plan_kind: chosen.kind });
    const result: PlanResult = {
      v: 1,
      type: 'plan_result',
      requestId: r.requestId,
      attempt: r.attempt,
      plan: chosen,
      dispatchedAtMs: nowMs,
      policy,
      decisionMs: { plan: decideMs },
    };
    if (acceptedAtMs !== undefined) result.acceptedAtMs = acceptedAtMs;
    if (predicted !== undefined) result.predicted = predicted;
    return result;
  };

  rt.service.addEndpoint('plan', subjects.plan, {
    requestSchema: placementSchema,
    responseSchema: planResultSchema,
    maxInFlight: config.maxInFlight,
    handler: (p, ctx) => plan(p, ctx.logger),
  });
  await rt.ready();
  rt.logger.info({ plannerId, policy: config.policy }, 'planner ready');
  return { ...rt, stop: (reason?: string) => rt.stop(reason), plannerId, view };
}

function clampMs(x: number): number {
  return Math.min(Math.max(x, 0), 1e9);
}
