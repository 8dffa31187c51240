/**
 * One simulation described as plain data, so it can run in this thread or in a worker and be
 * written into the JSON result as is.
 */
import type { SloSpec } from '@adagen/scheduler';
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
  /** Automatic prefix caching in every instance. @default false */
  prefixCaching?: boolean;
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
  const engine: Record<string, number | boolean> = {};
  if (spec.prefixCaching === true) engine.enablePrefixCaching = true;
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
    },
    { now: clock, perRequest: options.perRequest === true },
  );
  return { spec, result, notes, wallMs: clock() - t0 };
}
