/**
 * Every policy by name, built for a cluster: the baselines (which ignore the cluster) and AdaGen
 * with its ablations. The simulator, the CLI and the services resolve names here.
 */
import {
  baselinePolicies,
  baselinePolicyNames,
  isBaselinePolicyName,
} from '../baselines/registry.js';
import {
  isPredictiveBaselineName,
  predictiveBaseline,
  predictiveBaselineNames,
  predictiveGreedy,
} from '../baselines/predictive-registry.js';
import type { Policy } from '../types.js';
import type { AdaGenContext } from './context.js';
import { createAdaGenPolicy } from './policy.js';
import type { AdaGenOptions } from './policy.js';

export const adagenPolicyNames = [
  'adagen',
  'adagen-no-classify',
  'adagen-no-balance',
  'adagen-no-distribute',
] as const;
export type AdaGenPolicyName = (typeof adagenPolicyNames)[number];

/**
 * Ablations of the balance step's mechanisms (not in `policyNames`, so `--policies all` stays
 * the policies × steps comparison; name them explicitly to run them).
 */
export const adagenVariantNames = [
  'adagen-no-sacrifice',
  'adagen-no-pools',
  'adagen-greedy',
] as const;
export type AdaGenVariantName = (typeof adagenVariantNames)[number];

/** Every baseline: the score-based ones and the predictive ones that need the cluster. */
export const allBaselineNames: readonly string[] = [
  ...baselinePolicyNames,
  ...predictiveBaselineNames,
];

/** AdaGen, its step ablations and the baselines. */
export const policyNames: readonly string[] = [...adagenPolicyNames, ...allBaselineNames];

const ablations: Record<AdaGenPolicyName | AdaGenVariantName, AdaGenOptions> = {
  adagen: {},
  'adagen-no-classify': { steps: { classify: false } },
  'adagen-no-balance': { steps: { balance: false } },
  'adagen-no-distribute': { steps: { distribute: false } },
  'adagen-no-sacrifice': { balancer: { sacrifice: false } },
  'adagen-no-pools': { balancer: { pools: false } },
  // Alias of the `predictive-greedy` baseline (see baselines/predictive-registry.ts).
  'adagen-greedy': {},
};

function isAdaGenName(name: string): name is AdaGenPolicyName | AdaGenVariantName {
  return Object.hasOwn(ablations, name);
}

/** A fresh policy named `name` for the cluster in `context`. @throws RangeError if unknown. */
export function policyFor(
  name: string,
  context: AdaGenContext,
  options: AdaGenOptions = {},
): Policy {
  if (isBaselinePolicyName(name)) return baselinePolicies[name]({ seed: context.seed });
  if (isPredictiveBaselineName(name)) return predictiveBaseline(name, context);
  if (name === 'adagen-greedy') return predictiveGreedy(context, name);
  if (isAdaGenName(name)) {
    const a = ablations[name];
    return createAdaGenPolicy(context, {
      ...options,
      steps: { ...a.steps, ...options.steps },
      balancer: { ...a.balancer, ...options.balancer },
      name,
    });
  }
  throw new RangeError(
    `unknown policy "${name}" (known: ${[...policyNames, ...adagenVariantNames].join(', ')})`,
  );
}
