/** `adagen sweep`: policies × rates per trace, and the goodput / instances-needed searches. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { CommonRaw } from '../args/common.js';
import { addCommonOptions, parseCommon } from '../args/common.js';
import { list, positiveInt, positiveNumber, positiveNumbers, share } from '../args/parse.js';
import { parsePolicyList } from '../args/policies.js';
import { resolveProfileFlag } from '../args/profiles.js';
import { UsageError } from '../args/usage-error.js';
import { buildWorkload } from '../args/workload.js';
import type { CliIo } from '../io.js';
import { plotAttainmentVsRate } from '../plots/attainment.js';
import { writePrefixPlots } from '../plots/prefix.js';
import { writePlot } from '../plots/write.js';
import type { GoodputEntry, InstancesEntry } from '../report/result-json.js';
import { RESULT_SCHEMA, runEntry, serializeResult } from '../report/result-json.js';
import {
  formatGoodput,
  formatInstances,
  formatSweepTables,
  sweepTables,
} from '../report/sweep-report.js';
import type { CellResult, CellSpec } from '../sweep/cell.js';
import { engineFor } from '../sweep/cell.js';
import { createRunner, defaultJobs } from '../sweep/pool.js';
import { createProgress } from '../sweep/progress.js';
import { runSearches } from '../sweep/searches.js';
import { groupLabel, scaledBase } from '../sweep/slo-scales.js';

interface SweepRaw extends CommonRaw {
  traces: string;
  policies: string;
  rates?: string;
  goodput?: boolean;
  instancesNeeded?: boolean;
  rate?: string;
  target: string;
  goodputTolerance: string;
  maxInstances?: string;
  jobs?: string;
  sloScales?: string;
}

export interface SweepPlan {
  traces: string[];
  policies: string[];
  rates: number[];
  /** DistServe-style SLO scales (both targets × s); [1] without `--slo-scales`. */
  sloScales: number[];
  base: Omit<CellSpec, 'workload' | 'policy'>;
  workloadBase: {
    seed: number;
    traceDir?: string;
    format?: string;
    durationS?: number;
    requests?: number;
  };
  goodput: boolean;
  instancesNeeded?: { ratePerS: number; maxInstances: number };
  target: number;
  /** The goodput bisection stops at a bracket narrower than this share of the rate. */
  goodputToleranceRel: number;
}

export function sweepCommand(io: CliIo): Command {
  const cmd = new Command('sweep')
    .description(
      'run policies × rates on each trace (and optional goodput / instances-needed searches)',
    )
    .requiredOption(
      '--traces <list>',
      'comma-separated traces (names, files, synthetic:<preset>, mix:<a>+<b>)',
    )
    .option('--policies <list>', '"all", "baselines", or a comma-separated list', 'all')
    .option('--rates <list>', 'comma-separated mean rates (req/s) for the grid')
    .option(
      '--goodput',
      'also search each policy’s goodput (bracketed by the lowest and highest rate)',
      false,
    )
    .option(
      '--instances-needed',
      'also search the fewest instances meeting --target at --rate',
      false,
    )
    .option('--rate <reqPerS>', 'rate for --instances-needed')
    .option('--target <share>', 'attainment target for the searches', '0.9')
    .option(
      '--goodput-tolerance <share>',
      'the goodput search stops when its bracket is narrower than this share of the rate',
      '0.02',
    )
    .option('--max-instances <n>', 'upper bound for --instances-needed (default 4 × --instances)')
    .option('--jobs <n>', 'runs in parallel (worker threads)')
    .option(
      '--slo-scales <list>',
      'also sweep an SLO scale: both targets × each factor (e.g. 0.5,1,2,4; DistServe-style)',
    );
  addCommonOptions(cmd);
  return cmd.action(async (raw: SweepRaw) => {
    const plan = parseSweep(raw);
    await sweep(plan, raw, io);
  });
}

function parseSweep(raw: SweepRaw): SweepPlan {
  const common = parseCommon(raw);
  if (common.out === undefined) throw new UsageError('--out', 'sweep needs an output directory');
  const rates = raw.rates === undefined ? [] : positiveNumbers('--rates', raw.rates);
  if (rates.length === 0 && raw.instancesNeeded !== true) {
    throw new UsageError('--rates', 'give the rates to sweep (or --instances-needed --rate R)');
  }
  if (raw.goodput === true && rates.length === 0)
    throw new UsageError('--goodput', 'needs --rates to bracket the search');
  const plan: SweepPlan = {
    traces: list('--traces', raw.traces),
    policies: parsePolicyList('--policies', raw.policies),
    rates: [...new Set(rates)].sort((a, b) => a - b),
    sloScales:
      raw.sloScales === undefined
        ? [1]
        : [...new Set(positiveNumbers('--slo-scales', raw.sloScales))].sort((a, b) => a - b),
    base: {
      instances: common.instances,
      profile: common.profile,
      seed: common.seed,
      snapshotIntervalMs: common.snapshotIntervalMs,
      balancers: common.balancers,
      sharded: common.sharded,
      shardSpill: common.spill,
      controlDelayMs: common.controlDelayMs,
      jitterSigma: common.jitterSigma,
      kvLink: common.kvLink,
      slo: common.slo,
      ...(common.estimator ? { estimator: common.estimator } : {}),
      admission: common.admission,
      deadline: common.deadline,
      engine: common.engine,
    },
    workloadBase: {
      seed: common.seed,
      ...(common.traceDir !== undefined ? { traceDir: common.traceDir } : {}),
      ...(common.traceFormat !== undefined ? { format: common.traceFormat } : {}),
      ...(common.durationS !== undefined ? { durationS: common.durationS } : {}),
      ...(common.requests !== undefined ? { requests: common.requests } : {}),
    },
    goodput: raw.goodput === true,
    target: share('--target', raw.target),
    goodputToleranceRel: share('--goodput-tolerance', raw.goodputTolerance),
  };
  if (raw.instancesNeeded === true) {
    if (raw.rate === undefined) throw new UsageError('--rate', '--instances-needed needs --rate R');
    plan.instancesNeeded = {
      ratePerS: positiveNumber('--rate', raw.rate),
      maxInstances:
        raw.maxInstances === undefined
          ? 4 * common.instances
          : positiveInt('--max-instances', raw.maxInstances),
    };
  }
  return plan;
}

async function sweep(plan: SweepPlan, raw: SweepRaw, io: CliIo): Promise<void> {
  const common = parseCommon(raw);
  const ctx = {
    cwd: io.cwd,
    env: io.env,
    ...(io.traceFallbackDirs ? { traceFallbackDirs: io.traceFallbackDirs } : {}),
  };
  if (plan.base.estimator?.profile !== undefined)
    await resolveProfileFlag(plan.base.estimator.profile, io.cwd, '--estimator-profile');
  const profile = await resolveProfileFlag(plan.base.profile, io.cwd);
  for (const trace of plan.traces)
    engineFor(profile, await buildWorkload({ ...plan.workloadBase, trace }, ctx), plan.base.engine);
  const jobs = raw.jobs === undefined ? defaultJobs() : positiveInt('--jobs', raw.jobs);
  const runner = createRunner(jobs, ctx, () => io.now());
  const progress = createProgress(io);
  const specs: CellSpec[] = plan.traces.flatMap((trace) =>
    plan.sloScales.flatMap((scale) =>
      plan.policies.flatMap((policy) =>
        plan.rates.map((ratePerS) => ({
          ...scaledBase(plan, scale),
          policy,
          workload: { ...plan.workloadBase, trace, ratePerS },
        })),
      ),
    ),
  );
  progress.total(specs.length);
  try {
    const cells = await Promise.all(
      specs.map(async (spec) => {
        const c = await runner.run(spec);
        progress.tick(
          `${groupLabel(spec.workload.trace, spec.sloScale)} ${spec.policy} ${spec.workload.ratePerS} req/s: ${(c.result.metrics.slo.attainment * 100).toFixed(1)}%`,
        );
        return c;
      }),
    );
    const searches = await runSearches(plan, runner, progress);
    progress.stop();
    await report(plan, cells, searches, common.timing, resolve(io.cwd, common.out!), io);
  } finally {
    progress.stop();
    await runner.close();
  }
}

async function report(
  plan: SweepPlan,
  cells: CellResult[],
  searches: { goodput: GoodputEntry[]; instancesNeeded: InstancesEntry[] },
  timing: boolean,
  dir: string,
  io: CliIo,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const text: string[] = [];
  const md: string[] = [];
  for (const trace of plan.traces)
    for (const scale of plan.sloScales) {
      const mine = cells.filter(
        (c) => c.spec.workload.trace === trace && (c.spec.sloScale ?? 1) === scale,
      );
      if (mine.length === 0) continue;
      const label = groupLabel(trace, plan.sloScales.length > 1 ? scale : undefined);
      const t = sweepTables(label, mine, plan.policies, plan.rates);
      text.push(formatSweepTables(t, false), '');
      md.push(formatSweepTables(t, true), '');
      const plot = await plotAttainmentVsRate(
        plan.policies.map((policy) => ({
          policy,
          points: mine
            .filter((c) => c.spec.policy === policy)
            .map((c) => ({
              ratePerS: c.spec.workload.ratePerS!,
              attainment: c.result.metrics.slo.attainment,
            })),
        })),
        {
          title: `${label}: SLO attainment vs rate (${plan.base.instances} × ${plan.base.profile})`,
          target: plan.target,
        },
      );
      await writePlot(dir, `attainment-${label.replace(/[^A-Za-z0-9_.-]+/g, '_')}`, plot);
    }
  if (cells.some((c) => c.result.metrics.prefixCache !== undefined)) {
    await writePrefixPlots(
      dir,
      cells.map((c) => ({
        trace: c.spec.workload.trace,
        policy: c.spec.policy,
        ratePerS: c.spec.workload.ratePerS ?? null,
        metrics: c.result.metrics,
        cdf: c.result.cdf,
      })),
      `${plan.base.instances} × ${plan.base.profile}`,
    );
  }
  if (searches.goodput.length > 0) {
    text.push('goodput', '', formatGoodput(searches.goodput, false), '');
    md.push('### goodput', '', formatGoodput(searches.goodput, true), '');
  }
  if (searches.instancesNeeded.length > 0) {
    text.push('instances needed', '', formatInstances(searches.instancesNeeded, false), '');
    md.push('### instances needed', '', formatInstances(searches.instancesNeeded, true), '');
  }
  const file = serializeResult({
    schema: RESULT_SCHEMA,
    command: 'sweep',
    runs: cells.map((c) => runEntry(c, timing)),
    ...(plan.goodput ? { goodput: searches.goodput } : {}),
    ...(plan.instancesNeeded ? { instancesNeeded: searches.instancesNeeded } : {}),
  });
  await writeFile(join(dir, 'result.json'), file, 'utf8');
  await writeFile(join(dir, 'summary.md'), `${md.join('\n').trimEnd()}\n`, 'utf8');
  io.stdout(`${text.join('\n').trimEnd()}\n`);
  io.stderr(`wrote ${join(dir, 'result.json')}, summary.md and attainment plots\n`);
}
