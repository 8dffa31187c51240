/**
 * One simulation described as plain data, so it can run in this thread or in a worker and be
 * written into the JSON result as is.
 */
import { scaledProfile } from '@adagen/engine';
import type { LatencyProfile } from '@adagen/engine';
import type { SloSpec } from '@adagen/scheduler';
import type { EstimatorFlags } from '../args/common.js';
import type { SimResult } from '@adagen/sim';
import { runSimulation } from '@adagen/sim';
import type { Workload } from '@adagen/workloads';
import { policyFor } from '../args/policies.js';
import { resolveProfileFlag } from '../args/profiles.js';
import type { CliEnv, WorkloadFlags } from '../args/workload.js';
import { buildWorkload, longestRequestTokens } from '../args/workload.js';

export interface CellSpec {
  workload: WorkloadFlags;
  instances: number;
  /** The `--profile` flag text (alias, name or file). */
  profile: string;
  policy: string;
  seed: number;
  snapshotIntervalMs: number;
  controlDelayMs: number;
  jitterSigma: number;
  kvLink: string;
  slo: SloSpec;
  /** The SLO scale `slo` was scaled by (`--slo-scales`), for reports. */
  sloScale?: number;
  /** Model error (`--estimator-profile`, `--estimator-bias`, `--calibrate`). */
  estimator?: EstimatorFlags;
}

export interface CellResult {
  spec: CellSpec;
  result: SimResult;
  /** Engine settings the CLI chose for the workload (e.g. a raised maxModelLen). */
  notes: string[];
  wallMs: number;
}

const cache = new Map<string, Promise<Workload>>();

/** Workloads are cached per flags, so a sweep reads and scales each trace once per rate. */
function workloadFor(flags: WorkloadFlags, ctx: CliEnv): Promise<Workload> {
  const key = JSON.stringify(flags);
  let w = cache.get(key);
  if (!w) {
    w = buildWorkload(flags, ctx);
    cache.set(key, w);
    w.catch(() => cache.delete(key));
  }
  return w;
}

export async function runCell(
  spec: CellSpec,
  ctx: CliEnv,
  clock: () => number,
  options: { perRequest?: boolean } = {},
): Promise<CellResult> {
  const workload = await workloadFor(spec.workload, ctx);
  const profile = await resolveProfileFlag(spec.profile, ctx.cwd);
  const notes: string[] = [];
  const longest = longestRequestTokens(workload);
  const engine: Record<string, number> = {};
  if (longest > profile.model.maxModelLen) {
    engine.maxModelLen = longest;
    notes.push(
      `maxModelLen raised from ${profile.model.maxModelLen} to ${longest} to fit the longest request (same architecture as the 128k-context Llama-3.1-8B)`,
    );
  }
  const t0 = clock();
  const result = runSimulation(
    {
      instances: { count: spec.instances, profile, engine },
      policy: policyFor(spec.policy),
      workload,
      snapshotIntervalMs: spec.snapshotIntervalMs,
      controlDelayMs: spec.controlDelayMs,
      jitterSigma: spec.jitterSigma,
      kvLink: spec.kvLink,
      slo: spec.slo,
      seed: spec.seed,
      ...(spec.estimator ? await estimatorSettings(spec.estimator, profile, ctx.cwd) : {}),
    },
    { now: clock, perRequest: options.perRequest === true },
  );
  return { spec, result, notes, wallMs: clock() - t0 };
}

/** The simulator's model-error settings: the believed profile (biased), and calibration. */
async function estimatorSettings(
  e: EstimatorFlags,
  engine: LatencyProfile,
  cwd: string,
): Promise<{ estimatorProfile?: LatencyProfile; calibrate: boolean }> {
  const base =
    e.profile === undefined
      ? engine
      : await resolveProfileFlag(e.profile, cwd, '--estimator-profile');
  const believed = e.bias === 1 ? base : scaledProfile(base, e.bias, `${base.name}.x${e.bias}`);
  return {
    calibrate: e.calibrate,
    ...(believed === engine ? {} : { estimatorProfile: believed }),
  };
}
