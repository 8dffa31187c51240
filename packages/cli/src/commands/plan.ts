/**
 * `adagen plan`: how many instances a workload needs at its SLOs — the fewest reaching the
 * attainment target for a policy (packages/capacity: a cheap screen policy on the whole trace,
 * corrected by the planned policy on a few windows), the attainment-vs-instances curve (plot),
 * and the cost per million tokens at a price per GPU-hour.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { planCapacity, tokenCost } from '@adagen/capacity';
import type { CapacityPlan } from '@adagen/capacity';
import { isBaselinePolicyName } from '@adagen/scheduler';
import { Command } from 'commander';
import { integer, nonNegativeNumber, positiveInt, positiveNumber, share } from '../args/parse.js';
import { checkPolicy, policyFor } from '../args/policies.js';
import { resolveProfileFlag } from '../args/profiles.js';
import { parseSloFlags } from '../args/common.js';
import { UsageError } from '../args/usage-error.js';
import { buildWorkload, longestRequestTokens } from '../args/workload.js';
import type { CliIo } from '../io.js';
import { plotAttainmentVsRate } from '../plots/attainment.js';
import { observeWorkload } from './plan/observe.js';
import { writePlot } from '../plots/write.js';

interface PlanRaw {
  trace?: string;
  nats?: string;
  observeS: string;
  traceDir?: string;
  rate?: string;
  duration?: string;
  requests?: string;
  profile: string;
  policy: string;
  screen: string;
  exact: boolean;
  sloTtft: string;
  sloTpot: string;
  target: string;
  minInstances: string;
  maxInstances: string;
  gpuHourUsd?: string;
  gpusPerInstance: string;
  windows: string;
  windowRequests: string;
  seed: string;
  out?: string;
  json: boolean;
}

export function planCommand(io: CliIo): Command {
  return new Command('plan')
    .description(
      'fewest instances meeting an SLO attainment target for a trace, the attainment-vs-instances curve, cost per million tokens',
    )
    .option('--trace <name>', 'trace (name, file, synthetic:<preset>, mix:<a>+<b>)')
    .option('--nats <url>', 'instead of a trace: the workload a running fleet serves (its NATS)')
    .option('--observe-s <s>', 'with --nats: seconds of traffic to observe', '60')
    .option('--trace-dir <dir>', 'look for named traces here first')
    .option('--rate <reqPerS>', 'rescale arrivals to this mean rate (req/s)')
    .option('--duration <s>', 'the first S seconds of the trace (before rescaling)')
    .option('--requests <n>', 'the first N requests of the trace')
    .option('--profile <name>', 'a100, h100, a profile name or a profile .json file', 'a100')
    .option('--policy <name>', 'the policy to plan for', 'adagen')
    .option('--screen <name>', 'cheap policy simulated on the whole trace', 'lmetric')
    .option('--exact', 'simulate the policy on the whole trace at every probe (slow)', false)
    .option('--slo-ttft <target>', 'TTFT SLO: "250ms" or "5x[:FLOOR]" × idle TTFT', '5x:250')
    .option('--slo-tpot <target>', 'TPOT SLO: "50ms" or "5x[:FLOOR]" × idle TPOT', '5x:50')
    .option('--target <share>', 'SLO attainment target', '0.9')
    .option('--min-instances <n>', 'smallest fleet considered', '1')
    .option('--max-instances <n>', 'largest fleet considered', '64')
    .option('--gpu-hour-usd <x>', 'price of one GPU-hour, for the cost per million tokens')
    .option('--gpus-per-instance <n>', 'GPUs per instance (TP degree)', '1')
    .option('--windows <n>', 'windows the policy is simulated on (without --exact)', '6')
    .option('--window-requests <n>', 'requests per window', '400')
    .option('--seed <n>', 'seed (trace spreading, policies)', '0')
    .option('--out <dir>', 'write plan.json and the curve (svg, png) here')
    .option('--json', 'print the JSON result', false)
    .action(async (raw: PlanRaw) => {
      await plan(io, raw);
    });
}

async function plan(io: CliIo, raw: PlanRaw): Promise<void> {
  const policy = checkPolicy('--policy', raw.policy);
  const screen = checkPolicy('--screen', raw.screen);
  const min = positiveInt('--min-instances', raw.minInstances);
  const max = positiveInt('--max-instances', raw.maxInstances);
  if (max < min) throw new UsageError('--max-instances', `expected ≥ --min-instances (${min})`);
  const price =
    raw.gpuHourUsd === undefined ? undefined : nonNegativeNumber('--gpu-hour-usd', raw.gpuHourUsd);
  const gpus = positiveInt('--gpus-per-instance', raw.gpusPerInstance);
  const slo = parseSloFlags(raw.sloTtft, raw.sloTpot);
  const ctx = {
    cwd: io.cwd,
    env: io.env,
    ...(io.traceFallbackDirs ? { traceFallbackDirs: io.traceFallbackDirs } : {}),
  };
  const seed = integer('--seed', raw.seed);
  if ((raw.trace === undefined) === (raw.nats === undefined))
    throw new UsageError(
      '--trace',
      'give a trace (--trace) or a running fleet (--nats), one of them',
    );
  const workload =
    raw.nats !== undefined
      ? await observeWorkload(raw.nats, positiveNumber('--observe-s', raw.observeS), seed, (line) =>
          io.stderr(`adagen plan: ${line}\n`),
        )
      : await buildWorkload(
          {
            trace: raw.trace!,
            seed,
            ...(raw.traceDir === undefined ? {} : { traceDir: raw.traceDir }),
            ...(raw.rate === undefined ? {} : { ratePerS: positiveNumber('--rate', raw.rate) }),
            ...(raw.duration === undefined
              ? {}
              : { durationS: positiveNumber('--duration', raw.duration) }),
            ...(raw.requests === undefined
              ? {}
              : { requests: positiveInt('--requests', raw.requests) }),
          },
          ctx,
        );
  const profile = await resolveProfileFlag(raw.profile, io.cwd);
  const longest = longestRequestTokens(workload);
  const engine = longest > profile.model.maxModelLen ? { maxModelLen: longest } : {};
  const t0 = io.now();
  const result = await planCapacity({
    workload,
    profile,
    engine,
    policy: policyFor(policy),
    exact: raw.exact || isBaselinePolicyName(policy),
    screen: policyFor(screen),
    slo,
    target: share('--target', raw.target),
    minInstances: min,
    maxInstances: max,
    sim: { seed },
    windows: positiveInt('--windows', raw.windows),
    windowRequests: positiveInt('--window-requests', raw.windowRequests),
    onProbe: (what) =>
      io.stderr(`adagen plan: ${what} (${((io.now() - t0) / 1000).toFixed(1)} s)\n`),
  });
  const wallS = (io.now() - t0) / 1000;
  const cost =
    price === undefined || result.instances === undefined
      ? undefined
      : tokenCost(workload, result.instances, price, gpus);
  const summary = {
    schema: 'adagen-plan/v1',
    trace: raw.trace ?? `observed on ${raw.nats}`,
    workload: { name: workload.name, requests: workload.requests.length, notes: workload.notes },
    profile: profile.name,
    policy,
    screen,
    method: raw.exact || isBaselinePolicyName(policy) ? 'full' : 'screen + windows',
    slo,
    ...result,
    ...(cost === undefined ? {} : { cost, gpuHourUsd: price, gpusPerInstance: gpus }),
    wallS,
  };
  if (raw.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else io.stdout(report(summary.workload.name, policy, screen, result, wallS, cost, price));
  if (raw.out !== undefined) {
    const dir = resolve(io.cwd, raw.out);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'plan.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const points = (pick: 'attainment' | 'screen') =>
      result.curve.flatMap((p) =>
        p[pick] === null ? [] : [{ ratePerS: p.instances, attainment: p[pick] }],
      );
    const plot = await plotAttainmentVsRate(
      [
        {
          policy: `${policy}${summary.method === 'full' ? '' : ' (estimated)'}`,
          points: points('attainment'),
        },
        { policy: `${screen} (screen, whole trace)`, points: points('screen') },
      ],
      {
        title: `${workload.name}: SLO attainment vs instances (${profile.name})`,
        target: result.target,
        xLabel: 'Instances',
      },
    );
    await writePlot(dir, 'attainment-vs-instances', plot);
    io.stderr(`wrote ${join(dir, 'plan.json')} and attainment-vs-instances.svg/png\n`);
  }
}

function report(
  name: string,
  policy: string,
  screen: string,
  r: CapacityPlan,
  wallS: number,
  cost: ReturnType<typeof tokenCost> | undefined,
  price: number | undefined,
): string {
  const lines = [
    `adagen plan — ${name}, policy ${policy}, target ${(100 * r.target).toFixed(0)} % SLO attainment`,
    `instances needed: ${r.instances ?? `more than the maximum probed`} (${screen}, the screen: ${r.screenInstances ?? '—'})`,
    '',
    'instances  attainment  screen',
    ...r.curve.map(
      (p) =>
        `${String(p.instances).padStart(9)}  ${p.attainment === null ? '         —' : `${(100 * p.attainment).toFixed(1).padStart(9)}%`}  ${p.screen === null ? '—' : `${(100 * p.screen).toFixed(1)}%`}`,
    ),
    '',
    `simulated ${r.simulatedRequests} requests (${r.policyRequests} with ${policy}; windows of ${(r.windowMs / 1000).toFixed(1)} s, ${r.windowsSampled} per count) in ${wallS.toFixed(1)} s`,
  ];
  if (cost !== undefined && price !== undefined)
    lines.push(
      `cost at $${price}/GPU-hour: $${cost.dollarsPerHour.toFixed(2)}/hour, $${cost.perMillionOutputTokens.toFixed(3)} per million output tokens, $${cost.perMillionTotalTokens.toFixed(3)} per million prompt + output tokens (offered ${cost.outputTokensPerS.toFixed(0)} output tok/s)`,
    );
  return `${lines.join('\n')}\n`;
}
