import type { LatencyProfile } from '../latency/profile.js';
import type { EngineConfig, EngineConfigInput } from '../scheduler/config.js';
import type { EngineState } from '../scheduler/state.js';
import type { InstanceObserver, IterationReport } from '../types.js';
import type { RecentIterations } from './recent.js';

/** Options of a simulated instance. */
export interface SimInstanceOptions {
  /** Instance id (reported in iterations and snapshots). */
  id: string;
  profile: LatencyProfile;
  /** Engine knobs; defaults filled and validated (the error names the knob). */
  config?: EngineConfigInput;
  observer?: InstanceObserver;
  /** Multiplicative lognormal noise (median 1) on each iteration's duration. @default off */
  jitter?: { sigma: number; seed: number };
  /** Put per-request chunks in each IterationReport. @default false */
  recordChunks?: boolean;
  /** Iterations kept for snapshots. @default 16 */
  recentIterations?: number;
}

/** @internal State handed to a new instance by `clone` and `fromSnapshot`. */
export interface SimInstanceInternals {
  config: EngineConfig;
  state: EngineState;
  clockMs: number;
  iterationIndex: number;
  current: IterationReport | undefined;
  recent: RecentIterations;
}
