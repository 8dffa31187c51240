/**
 * One simulation described as plain data, so it can run in this thread or in a worker and be
 * written into the JSON result as is.
 */
import { scaledProfile } from '@adagen/engine';
import type { EstimatorFlags } from '../args/common.js';
import type { AdmissionMode, SloSpec } from '@adagen/scheduler';
import type { DeadlineSpec, SimResult } from '@adagen/sim';
import { runSimulation } from '@adagen/sim';
import type { Workload } from '@adagen/workloads';
import type { LatencyProfile } from '@adagen/engine';
import { EngineConfigError, resolveEngineConfig } from '@adagen/engine';
import type { EngineKnobs } from '../args/common.js';
import { ENGINE_KNOB_FLAGS } from '../args/common.js';
import { policyFor } from '../args/policies.js';
import { UsageError } from '../args/usage-error.js';
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
  /** Balancer replicas (`--balancers`); absent: one. */
  balancers?: number;
  /** The replicas split the instances (`--sharded`); absent: each sees all. */
  sharded?: boolean;
  /** Shards hand hopeless requests to another (`--spill`); absent: no. */
  shardSpill?: boolean;
  controlDelayMs: number;
  jitterSigma: number;
  kvLink: string;
  slo: SloSpec;
  /** The SLO scale `slo` was scaled by (`--slo-scales`), for reports. */
  sloScale?: number;
  /** Model error (`--estimator-profile`, `--estimator-bias`, `--calibrate`). */
  estimator?: EstimatorFlags;
  /** Admission control in front of the policy. */
  admission: AdmissionMode;
  /** The client's deadline for the first token. */
  deadline: DeadlineSpec;
  /** Engine knobs of every instance (`--max-num-seqs`, `--scheduler`, …). */
  engine: EngineKnobs;
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

/**
 * The engine knobs of a run: the flags', with maxModelLen raised to fit the workload's longest
 * request. @throws UsageError naming the flag of a knob the engine refuses
 */
export function engineFor(
  profile: LatencyProfile,
  workload: Workload,
  knobs: EngineKnobs,
): { engine: EngineKnobs & { maxModelLen?: number }; notes: string[] } {
  const notes: string[] = [];
  const engine: EngineKnobs & { maxModelLen?: number } = { ...knobs };
  const longest = longestRequestTokens(workload);
  if (longest > profile.model.maxModelLen) {
    engine.maxModelLen = longest;
    notes.push(
      `maxModelLen raised from ${profile.model.maxModelLen} to ${longest} to fit the longest request (same architecture as the 128k-context Llama-3.1-8B)`,
    );
  }
  try {
    resolveEngineConfig(profile, engine);
  } catch (e) {
    if (!(e instanceof EngineConfigError)) throw e;
    const flag = ENGINE_KNOB_FLAGS[e.knob] ?? '--max-num-batched-tokens';
    const why = e.message.replace(/^invalid engine config: /, '');
    throw new UsageError(
      flag,
      `${why}${engine.maxModelLen === undefined ? '' : ` (maxModelLen ${engine.maxModelLen} fits the trace's longest request)`}`,
    );
  }
  return { engine, notes };
}

export async function runCell(
  spec: CellSpec,
  ctx: CliEnv,
  clock: () => number,
  options: { perRequest?: boolean } = {},
): Promise<CellResult> {
  const workload = await workloadFor(spec.workload, ctx);
  const profile = await resolveProfileFlag(spec.profile, ctx.cwd);
  const { engine, notes } = engineFor(profile, workload, spec.engine);
  const t0 = clock();
  const result = runSimulation(
    {
      instances: { count: spec.instances, profile, engine },
      policy: policyFor(spec.policy),
      workload,
      snapshotIntervalMs: spec.snapshotIntervalMs,
      balancers: spec.balancers ?? 1,
      sharded: spec.sharded ?? false,
      shardSpill: spec.shardSpill ?? false,
      controlDelayMs: spec.controlDelayMs,
      jitterSigma: spec.jitterSigma,
      kvLink: spec.kvLink,
      slo: spec.slo,
      admission: { mode: spec.admission },
      deadline: spec.deadline,
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
