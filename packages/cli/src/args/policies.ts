/**
 * Policy names the CLI accepts: every policy in the scheduler's registry (AdaGen, its ablations,
 * the baselines), plus any registered here. `all` means all of them; `baselines` the baselines.
 * Workers resolve names again in their own thread, so a policy registered with
 * `registerPolicy` must be registered by a module the worker also loads.
 */
import {
  adagenVariantNames,
  allBaselineNames,
  policyFor as schedulerPolicy,
  policyNames,
} from '@adagen/scheduler';
import type { PolicyFactory } from '@adagen/sim';
import { UsageError } from './usage-error.js';

const extraPolicies = new Map<string, PolicyFactory>();

/** Adds a named policy to what `--policy` / `--policies` accept. */
export function registerPolicy(name: string, factory: PolicyFactory): void {
  extraPolicies.set(name, factory);
}

/** What `all` means: AdaGen, its step ablations, the baselines and registered policies. */
export function allPolicyNames(): string[] {
  return [...new Set([...policyNames, ...extraPolicies.keys()])];
}

/** Every name `--policy` accepts: `all` plus AdaGen's mechanism variants. */
export function knownPolicyNames(): string[] {
  return [...allPolicyNames(), ...adagenVariantNames];
}

/** What the simulator's `policy` field takes for this name. */
export function policyFor(name: string): PolicyFactory {
  return extraPolicies.get(name) ?? ((ctx) => schedulerPolicy(name, ctx));
}

export function checkPolicy(flag: string, name: string): string {
  if (!knownPolicyNames().includes(name)) {
    throw new UsageError(
      flag,
      `unknown policy "${name}" (expected one of: ${knownPolicyNames().join(', ')})`,
    );
  }
  return name;
}

/** `all`, `baselines`, or a comma-separated list of known names. */
export function parsePolicyList(flag: string, text: string): string[] {
  if (text.trim() === 'all') return allPolicyNames();
  if (text.trim() === 'baselines') return [...allBaselineNames];
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new UsageError(
      flag,
      `expected "all", "baselines" or a comma-separated list, got "${text}"`,
    );
  return names.map((n) => checkPolicy(flag, n));
}
