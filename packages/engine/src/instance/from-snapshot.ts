import type { LatencyProfile } from '../latency/profile.js';
import { resolveEngineConfig } from '../scheduler/config.js';
import type { EngineConfig, EngineConfigInput } from '../scheduler/config.js';
import { EngineState } from '../scheduler/state.js';
import type { InstanceObserver, InstanceSnapshot, RequestProgress } from '../types.js';
import { fromProgress } from './progress.js';
import { RecentIterations } from './recent.js';
import type { SimInstanceInternals } from './types.js';

export interface FromSnapshotOptions {
  /** Knobs overriding the snapshot's (e.g. a what-if maxNumSeqs). */
  config?: EngineConfigInput;
  /** Output length of each `full`/`decode` request (the truth in tests, a prediction in use). */
  outputTokensFor(p: RequestProgress): number;
  observer?: InstanceObserver;
  jitter?: { sigma: number; seed: number };
  recordChunks?: boolean;
}

/**
 * The state of an instance rebuilt from a snapshot (see `SimInstance.fromSnapshot`). KV usage is
 * recomputed from the token counts.
 */
export function internalsFromSnapshot(
  snapshot: InstanceSnapshot,
  profile: LatencyProfile,
  options: FromSnapshotOptions,
): { internals: SimInstanceInternals; busySinceMs: number | undefined } {
  const config =
    options.config === undefined
      ? snapshotConfig(snapshot, profile)
      : resolveEngineConfig(profile, { ...configInput(snapshot), ...options.config });
  const state = new EngineState();
  const rebuild = (p: RequestProgress) => {
    const r = fromProgress(p, options.outputTokensFor(p), config.blockSize);
    if (state.byId.has(r.id)) throw new RangeError(`snapshot lists "${r.id}" twice`);
    state.byId.set(r.id, r);
    state.usedBlocks += r.blocks;
    return r;
  };
  for (const p of snapshot.running) {
    const r = rebuild(p);
    if (r.phase === 'held') state.held.push(r);
    else if (r.phase === 'waiting') state.waiting.push(r);
    else state.running.push(r);
  }
  for (const p of snapshot.waiting) state.waiting.push(rebuild(p));
  const recent = new RecentIterations(Math.max(16, snapshot.recentIterations.length));
  for (const it of snapshot.recentIterations) {
    recent.push(it.startMs, it.durationMs, it.prefillTokens, it.decodeRequests);
  }
  const busySinceMs = snapshot.busyUntilMs === undefined ? undefined : snapshot.busySinceMs;
  return {
    internals: {
      config,
      state,
      clockMs: busySinceMs ?? snapshot.atMs,
      iterationIndex: 0,
      current: undefined,
      recent,
    },
    busySinceMs,
  };
}

function configInput(snapshot: InstanceSnapshot): EngineConfigInput {
  const sc = snapshot.config;
  return {
    maxNumBatchedTokens: sc.maxNumBatchedTokens,
    maxNumSeqs: sc.maxNumSeqs,
    enableChunkedPrefill: sc.enableChunkedPrefill,
    blockSize: sc.blockSize,
    numGpuBlocks: snapshot.kv.totalBlocks,
    ...(sc.watermark === undefined ? {} : { watermark: sc.watermark }),
    ...(sc.maxModelLen === undefined ? {} : { maxModelLen: sc.maxModelLen }),
  };
}

/** Resolved configs by profile and snapshot settings (an instance's rarely change). */
const resolved = new WeakMap<LatencyProfile, Map<string, EngineConfig>>();
/** Distinct settings kept per profile; past this the profile's cache starts over. */
const MAX_RESOLVED_PER_PROFILE = 256;

/**
 * The snapshot's engine config resolved for `profile`, validated once per distinct setting:
 * estimators rebuild an instance from every new snapshot, and the schema walk was a third of
 * that. `EngineConfig` is frozen, so sharing one is safe.
 */
function snapshotConfig(snapshot: InstanceSnapshot, profile: LatencyProfile): EngineConfig {
  const sc = snapshot.config;
  const key = `${sc.maxNumBatchedTokens}|${sc.maxNumSeqs}|${sc.enableChunkedPrefill}|${sc.blockSize}|${snapshot.kv.totalBlocks}|${sc.watermark}|${sc.maxModelLen}`;
  let byKey = resolved.get(profile);
  if (byKey === undefined) {
    byKey = new Map();
    resolved.set(profile, byKey);
  }
  let config = byKey.get(key);
  if (config === undefined) {
    config = resolveEngineConfig(profile, configInput(snapshot));
    if (byKey.size >= MAX_RESOLVED_PER_PROFILE) byKey.clear();
    byKey.set(key, config);
  }
  return config;
}
