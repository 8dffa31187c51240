/** Helpers for the simulator's tests (not exported from the package). */
import type { Decision, Placement, Plan, Policy } from '@adagen/scheduler';
import { composePolicy, DefaultClassifier, RoundRobinBalancer } from '@adagen/scheduler';
import type { TraceRequest, Workload } from '@adagen/workloads';

export function workloadOf(
  rows: ReadonlyArray<readonly [arrivalMs: number, promptTokens: number, outputTokens: number]>,
): Workload {
  const requests: TraceRequest[] = rows.map(([arrivalMs, promptTokens, outputTokens], i) => ({
    id: `q${i}`,
    arrivalMs,
    promptTokens,
    outputTokens,
    source: 'test',
  }));
  return { name: 'test', requests, notes: [] };
}

/** A policy whose planner turns every placement into `planFor(placement)`. */
export function planningPolicy(name: string, planFor: (p: Placement) => Plan): Policy {
  return composePolicy(name, new DefaultClassifier(), new RoundRobinBalancer(), {
    name: `${name}-planner`,
    plan: (placement): Decision => ({ placement, plan: planFor(placement) }),
  });
}
