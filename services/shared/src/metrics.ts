/** Decision metrics kept by the classifier, balancer and planner (docs/METRICS.md). */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

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
