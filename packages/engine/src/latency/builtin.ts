import a100 from './profiles/llama-3-8b_a100-80gb_tp1.json' with { type: 'json' };
import h100 from './profiles/llama-3-8b_h100-80gb_tp1.json' with { type: 'json' };
import { loadProfile } from './profile.js';
import type { LatencyProfile } from './profile.js';

/**
 * The shipped profiles, validated at load: Llama-3-8B TP1 on A100-80GB (measured operator
 * profiles) and H100-80GB (DERIVED from A100; `derived: true`).
 */
export const builtinProfiles: Readonly<Record<string, LatencyProfile>> = Object.freeze({
  'llama-3-8b_a100-80gb_tp1': loadProfile(a100),
  'llama-3-8b_h100-80gb_tp1': loadProfile(h100),
});

/** Named profiles: the built-ins plus any the user adds. */
export class ProfileRegistry {
  private readonly profiles = new Map<string, LatencyProfile>();

  constructor(initial: Iterable<LatencyProfile> = Object.values(builtinProfiles)) {
    for (const p of initial) this.profiles.set(p.name, p);
  }

  /** Validates and adds (or replaces) a profile; returns the validated profile. */
  add(json: unknown): LatencyProfile {
    const profile = loadProfile(json);
    this.profiles.set(profile.name, profile);
    return profile;
  }

  has(name: string): boolean {
    return this.profiles.has(name);
  }

  /** @throws RangeError listing the known names when `name` is unknown. */
  get(name: string): LatencyProfile {
    const p = this.profiles.get(name);
    if (!p) {
      throw new RangeError(`unknown latency profile "${name}"; known: ${this.names().join(', ')}`);
    }
    return p;
  }

  names(): string[] {
    return [...this.profiles.keys()].sort();
  }
}
