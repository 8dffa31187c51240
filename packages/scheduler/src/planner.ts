/** The single-instance planner: every request runs where the balancer placed it. */
import type { Decision, Placement, Planner } from './types.js';

export class SinglePlanner implements Planner {
  readonly name = 'single';

  plan(placement: Placement): Decision {
    const decision: Decision = {
      placement,
      plan: { kind: 'single', instanceId: placement.instanceId },
    };
    if (placement.prediction) decision.prediction = placement.prediction;
    return decision;
  }
}
