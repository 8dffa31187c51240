/**
 * Every policy by name, built for a cluster: the baselines (which ignore the cluster) and AdaGen
 * with its ablations. The simulator, the CLI and the services resolve names here.
 */
import {
  baselinePolicies,
  baselinePolicyNames,
  isBaselinePolicyName,
} from '../baselines/registry.js';
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

export const policyNames: readonly string[] = [...adagenPolicyNames, ...baselinePolicyNames];

const ablations: Record<AdaGenPolicyName, AdaGenOptions['steps']> = {
  adagen: {},
  'adagen-no-classify': { classify: false },
  'adagen-no-balance': { balance: false },
  'adagen-no-distribute': { distribute: false },
};

/** A fresh policy named `name` for the cluster in `context`. @throws RangeError if unknown. */
export function policyFor(
  name: string,
  context: AdaGenContext,
  options: AdaGenOptions = {},
): Policy {
  if (isBaselinePolicyName(name)) return baselinePolicies[name]({ seed: context.seed });
  if ((adagenPolicyNames as readonly string[]).includes(name)) {
    return createAdaGenPolicy(context, {
      ...options,
      steps: { ...ablations[name as AdaGenPolicyName], ...options.steps },
      name,
    });
  }
  throw new RangeError(`unknown policy "${name}" (known: ${policyNames.join(', ')})`);
}
