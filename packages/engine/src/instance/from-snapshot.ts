import type { LatencyProfile } from '../latency/profile.js';
import { resolveEngineConfig } from '../scheduler/config.js';
import type { EngineConfigInput } from '../scheduler/config.js';
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
  const sc = snapshot.config;
  const config = resolveEngineConfig(profile, {
    maxNumBatchedTokens: sc.maxNumBatchedTokens,
    maxNumSeqs: sc.maxNumSeqs,
    enableChunkedPrefill: sc.enableChunkedPrefill,
    blockSize: sc.blockSize,
    numGpuBlocks: snapshot.kv.totalBlocks,
    ...(sc.watermark === undefined ? {} : { watermark: sc.watermark }),
    ...(sc.maxModelLen === undefined ? {} : { maxModelLen: sc.maxModelLen }),
    ...options.config,
  });
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
