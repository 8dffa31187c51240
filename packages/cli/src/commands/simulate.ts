/** `adagen simulate`: one policy, one rate, one trace. */
import { join, resolve } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { CommonRaw } from '../args/common.js';
import { addCommonOptions, parseCommon } from '../args/common.js';
import { positiveNumber } from '../args/parse.js';
import { checkPolicy } from '../args/policies.js';
import { resolveProfileFlag } from '../args/profiles.js';
import { UsageError } from '../args/usage-error.js';
import { buildWorkload } from '../args/workload.js';
import type { CliIo } from '../io.js';
import { plotCdf } from '../plots/cdf.js';
import { writePlot } from '../plots/write.js';
import { formatSimulateReport } from '../report/simulate-report.js';
import { RESULT_SCHEMA, runEntry, serializeResult } from '../report/result-json.js';
import type { CellSpec } from '../sweep/cell.js';
import { engineFor, runCell } from '../sweep/cell.js';

interface SimulateRaw extends CommonRaw {
  trace: string;
  rate?: string;
  timeScale?: string;
  policy: string;
  json?: boolean;
  perRequest?: boolean;
}

export function simulateCommand(io: CliIo): Command {
  const cmd = new Command('simulate')
    .description(
      'simulate one policy on one trace at one rate; print a table, write JSON and plots',
    )
    .requiredOption(
      '--trace <name|path>',
      'azure-code, azure-conv, mooncake-conv, a file, synthetic:<preset>, or mix:<a>+<b>',
    )
    .option('--rate <reqPerS>', 'rescale arrivals to this mean rate (req/s)')
    .option('--time-scale <factor>', 'multiply arrival times by this factor instead')
    .option('--policy <name>', 'scheduling policy', 'least-kv');
  addCommonOptions(cmd)
    .option('--json', 'print the JSON result instead of the table', false)
    .option('--per-request', 'also write requests.jsonl (one record per request) to --out', false);
  return cmd.action(async (raw: SimulateRaw) => {
    const common = parseCommon(raw);
    if (raw.rate !== undefined && raw.timeScale !== undefined) {
      throw new UsageError('--rate', 'give --rate or --time-scale, not both');
    }
    const spec: CellSpec = {
      workload: {
        trace: raw.trace,
        seed: common.seed,
        ...(common.traceDir !== undefined ? { traceDir: common.traceDir } : {}),
        ...(common.traceFormat !== undefined ? { format: common.traceFormat } : {}),
        ...(common.durationS !== undefined ? { durationS: common.durationS } : {}),
        ...(common.requests !== undefined ? { requests: common.requests } : {}),
        ...(raw.rate !== undefined ? { ratePerS: positiveNumber('--rate', raw.rate) } : {}),
        ...(raw.timeScale !== undefined
          ? { timeScale: positiveNumber('--time-scale', raw.timeScale) }
          : {}),
      },
      instances: common.instances,
      profile: common.profile,
      policy: checkPolicy('--policy', raw.policy),
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
    };
    const ctx = {
      cwd: io.cwd,
      env: io.env,
      ...(io.traceFallbackDirs ? { traceFallbackDirs: io.traceFallbackDirs } : {}),
    };
    // Validate the inputs up front so a bad flag is reported as such.
    if (common.estimator?.profile !== undefined)
      await resolveProfileFlag(common.estimator.profile, io.cwd, '--estimator-profile');
    const profile = await resolveProfileFlag(spec.profile, io.cwd);
    engineFor(profile, await buildWorkload(spec.workload, ctx), spec.engine);
    if (raw.perRequest === true && common.out === undefined) {
      throw new UsageError('--per-request', 'needs --out <dir> to write requests.jsonl');
    }
    const cell = await runCell(spec, ctx, () => io.now(), { perRequest: raw.perRequest === true });
    const json = serializeResult({
      schema: RESULT_SCHEMA,
      command: 'simulate',
      runs: [runEntry(cell, common.timing)],
    });
    if (raw.json === true) io.stdout(json);
    else io.stdout(`${formatSimulateReport(cell)}\n`);
    if (common.out !== undefined) {
      const dir = resolve(io.cwd, common.out);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'result.json'), json, 'utf8');
      if (cell.result.requests) {
        const lines = cell.result.requests.map((r) => JSON.stringify(r)).join('\n');
        await writeFile(join(dir, 'requests.jsonl'), `${lines}\n`, 'utf8');
      }
      const label = `${cell.result.policy}`;
      const title = `${spec.workload.trace} · ${label}`;
      await writePlot(
        dir,
        'ttft-cdf',
        await plotCdf([{ label, points: cell.result.cdf.ttftMs }], {
          title: `TTFT CDF — ${title}`,
          xLabel: 'TTFT (ms)',
          logX: true,
        }),
      );
      await writePlot(
        dir,
        'tbt-cdf',
        await plotCdf([{ label, points: cell.result.cdf.tbtMs }], {
          title: `TBT CDF — ${title}`,
          xLabel: 'time between tokens (ms)',
          logX: true,
        }),
      );
      if (raw.json !== true)
        io.stderr(`wrote ${join(dir, 'result.json')}, ttft-cdf.{svg,png}, tbt-cdf.{svg,png}\n`);
    }
  });
}
