/** A latency profile uniformly slower or faster: model error for evaluations, test engines. */
import type { LatencyProfile } from './profile.js';

/**
 * `p` with every latency coefficient (and the CPU overhead) multiplied by `factor`, so every
 * iteration takes `factor` times as long, under the name `name`.
 * @throws RangeError for a factor that is not a positive finite number
 */
export function scaledProfile(p: LatencyProfile, factor: number, name: string): LatencyProfile {
  if (!(Number.isFinite(factor) && factor > 0)) {
    throw new RangeError(`profile scale factor must be a positive number, got ${factor}`);
  }
  const l = p.latency;
  return {
    ...p,
    name,
    derived: true,
    latency: {
      knots: l.knots,
      b0: l.b0 * factor,
      b1: l.b1 * factor,
      b2: l.b2 * factor,
      b3: l.b3 * factor,
      c2: l.c2 * factor,
      c4: l.c4 * factor,
    },
    cpuOverhead: {
      fixedMs: p.cpuOverhead.fixedMs * factor,
      perSeqMs: p.cpuOverhead.perSeqMs * factor,
    },
  };
}
