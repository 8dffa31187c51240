/**
 * Baselines that need the cluster (profiles, SLO spec) to be built, like AdaGen: `llmd-slo` and
 * `predictive-greedy`. `policyFor` (adagen/registry.ts) resolves them beside the others.
 */
import type { AdaGenContext } from '../adagen/context.js';
import { createAdaGenPolicy } from '../adagen/policy.js';
import { SinglePlanner } from '../planner.js';
import { composePolicy } from '../policy.js';
import type { Policy } from '../types.js';
import { LlmdSloBalancer, ObservingClassifier } from './llmd-slo.js';

export const predictiveBaselineNames = ['llmd-slo', 'predictive-greedy'] as const;
export type PredictiveBaselineName = (typeof predictiveBaselineNames)[number];

export function isPredictiveBaselineName(name: string): name is PredictiveBaselineName {
  return (predictiveBaselineNames as readonly string[]).includes(name);
}

/**
 * `predictive-greedy`: AdaGen's estimator simulates the request on every candidate and the
 * cheapest prediction wins — fewest predicted SLO violations (its own and the requests it would
 * push over theirs), then the lowest predicted TTFT and TPOT relative to their targets — with
 * AdaGen's online length predictor, and nothing else: no class pools, no sacrifice, no
 * distribution. This is the "simulate each candidate, least predicted latency" router of Block
 * (PEERS.md, Research), formerly the `adagen-greedy` variant (still accepted as an alias).
 */
export function predictiveGreedy(context: AdaGenContext, name = 'predictive-greedy'): Policy {
  return createAdaGenPolicy(context, {
    name,
    steps: { distribute: false },
    balancer: { sacrifice: false, pools: false },
  });
}

/** A fresh predictive baseline for the cluster in `context`. */
export function predictiveBaseline(name: PredictiveBaselineName, context: AdaGenContext): Policy {
  switch (name) {
    case 'llmd-slo': {
      const balancer = new LlmdSloBalancer(context);
      return composePolicy(name, new ObservingClassifier(balancer), balancer, new SinglePlanner());
    }
    case 'predictive-greedy':
      return predictiveGreedy(context);
  }
}
