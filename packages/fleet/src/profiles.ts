/**
 * Latency profiles by the names agents announce, the short GPU aliases, and the profiles agents
 * calibrated online (each under a name of its own: `<base>.cal-<instanceId>.v<version>`).
 */
import { builtinProfiles } from '@adagen/engine';
import type { LatencyProfile } from '@adagen/engine';
import type { LatencyCalibration } from '@adagen/protocol';

export const PROFILE_ALIASES: Readonly<Record<string, string>> = {
  a100: 'llama-3-8b_a100-80gb_tp1',
  h100: 'llama-3-8b_h100-80gb_tp1',
};

/** Calibrated profiles seen in agents' snapshots, oldest first (bounded). */
const calibrated = new Map<string, LatencyProfile>();
const MAX_CALIBRATED = 4096;

/** A built-in profile by name or alias (`a100`, `h100`), a calibrated one, or undefined. */
export function findProfile(name: string): LatencyProfile | undefined {
  return builtinProfiles[PROFILE_ALIASES[name.toLowerCase()] ?? name] ?? calibrated.get(name);
}

/** The name estimators know agent `instanceId`'s calibrated profile by. */
export function calibratedProfileName(instanceId: string, c: LatencyCalibration): string {
  return `${c.baseProfile}.cal-${instanceId}.v${c.version}`;
}

/**
 * Makes an agent's calibrated profile findable (its base profile with the calibrated
 * coefficients); returns its name, or undefined when the base profile is unknown here.
 */
export function registerCalibrated(instanceId: string, c: LatencyCalibration): string | undefined {
  const name = calibratedProfileName(instanceId, c);
  if (calibrated.has(name)) return name;
  const base = findProfile(c.baseProfile);
  if (base === undefined) return undefined;
  calibrated.set(name, {
    ...base,
    name,
    derived: true,
    provenance: {
      source: `agent ${instanceId}`,
      method: 'online calibration (OnlineCalibrator)',
      notes: `from ${c.baseProfile}; ${c.observations} iterations; median error ${(100 * c.medianError).toFixed(1)} %`,
    },
    latency: c.latency,
    cpuOverhead: c.cpuOverhead,
  });
  if (calibrated.size > MAX_CALIBRATED) {
    const oldest = calibrated.keys().next().value;
    if (oldest !== undefined) calibrated.delete(oldest);
  }
  return name;
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
