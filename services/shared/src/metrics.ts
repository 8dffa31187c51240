/** Decision metrics kept by the classifier, balancer and planner (docs/METRICS.md). */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { PolicyWork } from '@adagen/scheduler';

export interface DecisionMetrics {
  /** `adagen_decisions_total{step, policy, outcome}` */
  readonly decisions: Counter<'step' | 'policy' | 'outcome'>;
  /** `adagen_decision_seconds{step, policy}`: time spent deciding, not waiting on the next step. */
  readonly decisionSeconds: Histogram<'step' | 'policy'>;
  /** `adagen_plans_total{policy, plan_kind}` */
  readonly plans: Counter<'policy' | 'plan_kind'>;
}

export function decisionMetrics(registry: Registry): DecisionMetrics {
  const registers = [registry];
  return {
    decisions: new Counter({
      name: 'adagen_decisions_total',
      help: 'Scheduling decisions by step (classify, balance, plan), policy and outcome',
      labelNames: ['step', 'policy', 'outcome'],
      registers,
    }),
    decisionSeconds: new Histogram({
      name: 'adagen_decision_seconds',
      help: 'Time a step spent deciding (policy code only)',
      labelNames: ['step', 'policy'],
      buckets: [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    plans: new Counter({
      name: 'adagen_plans_total',
      help: 'Execution plans dispatched, by policy and plan kind',
      labelNames: ['policy', 'plan_kind'],
      registers,
    }),
  };
}

/**
 * `adagen_estimator_work_total{kind}`: what the policy's layout estimator has done (estimates,
 * rebuilds of an agent's cached state, engine iterations simulated), read from the policy host
 * at scrape time. Nothing is exported for a policy that simulates nothing.
 */
export function estimatorMetrics(
  registry: Registry,
  host: { work(): PolicyWork | undefined },
): void {
  const reported: Record<keyof PolicyWork, number> = { estimates: 0, rebuilds: 0, iterations: 0 };
  new Counter({
    name: 'adagen_estimator_work_total',
    help: 'Layout estimator work: estimates (a candidate simulated with the request), rebuilds (an agent’s cached state rebuilt from a new snapshot), iterations (engine iterations simulated)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const work = host.work();
      if (work === undefined) return;
      for (const kind of ['estimates', 'rebuilds', 'iterations'] as const) {
        const more = work[kind] - reported[kind];
        if (more > 0) this.inc({ kind }, more);
        reported[kind] = work[kind];
      }
    },
  });
}
