/** Composing the three roles into a policy, and running one decision through them. */
import type {
  Balancer,
  Classifier,
  ClusterView,
  Decision,
  Planner,
  Policy,
  RequestInfo,
} from './types.js';

export function composePolicy(
  name: string,
  classifier: Classifier,
  balancer: Balancer,
  planner: Planner,
): Policy {
  return Object.freeze({ name, classifier, balancer, planner });
}

/** classify → balance → distribute, each step seeing the previous step's output. */
export function decide(policy: Policy, request: RequestInfo, view: ClusterView): Decision {
  const classification = policy.classifier.classify(request, view.nowMs);
  const placement = policy.balancer.place(classification, view);
  return policy.planner.plan(placement, view);
}
