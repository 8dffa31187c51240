/** Building the cluster's simulated instances from the config (the one place that news engines). */
import type { EngineConfigInput, InstanceObserver, LatencyProfile } from '@adagen/engine';
import { builtinProfiles, kvBytesPerToken, LatencyModel, SimInstance } from '@adagen/engine';
import type { ChunkingConfig } from '@adagen/scheduler';
import { createRng } from '@adagen/stats';
import type { SimConfig } from './config.js';
import { SimConfigError } from './config.js';

export interface InstanceSlot {
  index: number;
  id: string;
  profile: LatencyProfile;
  engine: EngineConfigInput;
  instance: SimInstance;
  model: LatencyModel;
  chunking: ChunkingConfig;
  kvBytesPerToken: number;
}

export interface InstanceSpec {
  id: string;
  profile: LatencyProfile;
  engine: EngineConfigInput;
}

/** Profile names are matched exactly, then by the short GPU aliases `a100` / `h100`. */
export function resolveProfile(ref: string | LatencyProfile, field: string): LatencyProfile {
  if (typeof ref !== 'string') return ref;
  const exact = builtinProfiles[ref];
  if (exact) return exact;
  const alias = Object.values(builtinProfiles).filter((p) =>
    p.gpu.name.toLowerCase().startsWith(ref.toLowerCase()),
  );
  if (alias.length === 1) return alias[0]!;
  throw new SimConfigError(
    field,
    `invalid simulation config: ${field}: unknown profile "${ref}" (known: ${Object.keys(builtinProfiles).join(', ')}, or a100 / h100)`,
  );
}

export function instanceSpecs(config: SimConfig): InstanceSpec[] {
  const inst = config.instances;
  if (!Array.isArray(inst)) {
    const profile = resolveProfile(inst.profile, 'instances.profile');
    const width = String(inst.count - 1).length;
    return Array.from({ length: inst.count }, (_, i) => ({
      id: `i${String(i).padStart(width, '0')}`,
      profile,
      engine: inst.engine ?? {},
    }));
  }
  const seen = new Set<string>();
  return inst.map((s, i) => {
    const id = s.id ?? `i${i}`;
    if (seen.has(id)) {
      throw new SimConfigError(
        `instances.${i}.id`,
        `invalid simulation config: instances.${i}.id: duplicate id "${id}"`,
      );
    }
    seen.add(id);
    return {
      id,
      profile: resolveProfile(s.profile, `instances.${i}.profile`),
      engine: s.engine ?? {},
    };
  });
}

export function buildSlots(
  specs: readonly InstanceSpec[],
  config: SimConfig,
  observerFor: (index: number) => InstanceObserver,
): InstanceSlot[] {
  const jitterRng = createRng(config.seed).fork('jitter');
  return specs.map((spec, index) => {
    const jitterSeed = jitterRng.fork(spec.id).int(2 ** 31);
    let instance: SimInstance;
    try {
      instance = new SimInstance({
        id: spec.id,
        profile: spec.profile,
        config: spec.engine,
        observer: observerFor(index),
        ...(config.jitterSigma > 0
          ? { jitter: { sigma: config.jitterSigma, seed: jitterSeed } }
          : {}),
      });
    } catch (cause) {
      const msg = cause instanceof Error ? cause.message : String(cause);
      throw new SimConfigError(
        `instances.${index}.engine`,
        `invalid simulation config: instances.${index}.engine: ${msg}`,
        { cause },
      );
    }
    const snap = instance.snapshot();
    return {
      index,
      id: spec.id,
      profile: spec.profile,
      engine: spec.engine,
      instance,
      model: new LatencyModel(spec.profile),
      chunking: {
        maxNumBatchedTokens: snap.config.maxNumBatchedTokens,
        enableChunkedPrefill: snap.config.enableChunkedPrefill,
      },
      kvBytesPerToken: kvBytesPerToken(spec.profile),
    };
  });
}
