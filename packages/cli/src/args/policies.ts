/** Policy names the CLI accepts: the baselines, plus policies registered by other packages. */
import { baselinePolicyNames } from '@adagen/scheduler';
import type { PolicyFactory } from '@adagen/sim';
import { UsageError } from './usage-error.js';

const extraPolicies = new Map<string, PolicyFactory>();

/** Adds a named policy (e.g. AdaGen) to what `--policy` / `--policies` accept. */
export function registerPolicy(name: string, factory: PolicyFactory): void {
  extraPolicies.set(name, factory);
}

export function knownPolicyNames(): string[] {
  return [...baselinePolicyNames, ...extraPolicies.keys()];
}

/** What the simulator's `policy` field takes for this name. */
export function policyFor(name: string): string | PolicyFactory {
  return extraPolicies.get(name) ?? name;
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

/** `all`, or a comma-separated list of known names. */
export function parsePolicyList(flag: string, text: string): string[] {
  if (text.trim() === 'all') return knownPolicyNames();
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new UsageError(flag, `expected "all" or a comma-separated list, got "${text}"`);
  return names.map((n) => checkPolicy(flag, n));
}
