/** Latency profiles by the names agents announce, and the short GPU aliases. */
import { builtinProfiles } from '@adagen/engine';
import type { LatencyProfile } from '@adagen/engine';

export const PROFILE_ALIASES: Readonly<Record<string, string>> = {
  a100: 'llama-3-8b_a100-80gb_tp1',
  h100: 'llama-3-8b_h100-80gb_tp1',
};

/** A built-in profile by name or alias (`a100`, `h100`), or undefined. */
export function findProfile(name: string): LatencyProfile | undefined {
  return builtinProfiles[PROFILE_ALIASES[name.toLowerCase()] ?? name];
}

/** Like {@link findProfile}, but throws a RangeError naming the known profiles. */
export function requireProfile(name: string): LatencyProfile {
  const p = findProfile(name);
  if (p === undefined)
    throw new RangeError(
      `unknown profile "${name}" (known: ${Object.keys(builtinProfiles).join(', ')}, a100, h100)`,
    );
  return p;
}
