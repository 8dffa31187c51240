/** `adagen calibrate`: fits a latency profile file from recorded engine observations. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { LatencyProfile, ObservationRecord } from '@adagen/engine';
import {
  CalibrationError,
  LatencyModel,
  observationOf,
  OnlineCalibrator,
  parseObservationsJsonl,
  predictionErrors,
} from '@adagen/engine';
import { positiveInt, positiveNumber } from '../args/parse.js';
import { resolveProfileFlag } from '../args/profiles.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';

interface CalibrateRaw {
  observations: string;
  profile: string;
  out: string;
  name?: string;
  window?: string;
  priorWeight?: string;
  instance?: string;
}

export function calibrateCommand(io: CliIo): Command {
  return new Command('calibrate')
    .description(
      'fit a latency profile (.json, for --profile) from recorded observations, starting from a profile',
    )
    .requiredOption(
      '--observations <file.jsonl>',
      'one JSON record per line: {"type":"iteration",…,"durationMs"} or {"type":"token-gap",…,"gapMs"}',
    )
    .requiredOption('--out <file.json>', 'where to write the calibrated profile')
    .option(
      '--profile <name>',
      'start profile: a100, h100, a built-in name, or a .json file',
      'a100',
    )
    .option('--name <name>', 'name of the calibrated profile (default <start name>.calibrated)')
    .option('--instance <id>', 'use only the records whose instanceId is this (default: all)')
    .option('--window <n>', 'fit only the last N observations (default: all of them)')
    .option(
      '--prior-weight <w>',
      'pull toward the rescaled start profile, in observations per coefficient (default 0.001)',
    )
    .action(async (raw: CalibrateRaw) => {
      const start = await resolveProfileFlag(raw.profile, io.cwd);
      const path = resolve(io.cwd, raw.observations);
      const all = await readObservations(path);
      const records =
        raw.instance === undefined ? all : all.filter((r) => r.instanceId === raw.instance);
      if (records.length === 0) {
        throw new UsageError('--instance', `no record of ${path} has instanceId "${raw.instance}"`);
      }
      const windowSize =
        raw.window === undefined
          ? Math.max(records.length, 1)
          : positiveInt('--window', raw.window);
      const cal = newCalibrator(start, {
        windowSize,
        ...(raw.priorWeight !== undefined
          ? { priorWeight: positiveNumber('--prior-weight', raw.priorWeight) }
          : {}),
        ...(raw.name !== undefined ? { name: raw.name } : {}),
      });
      for (const r of records) cal.observe(observationOf(r));
      const used = records.slice(-windowSize).map((r) => {
        const o = observationOf(r);
        return { features: o, ms: o.durationMs };
      });
      const model = new LatencyModel(cal.profile());
      const profile: LatencyProfile = {
        ...cal.profile(),
        fitError: predictionErrors(
          (f) =>
            model.iterationMsOf(
              f.prefillTokens,
              f.prefillAttnWork,
              f.decodeRequests,
              f.decodeContextTokens,
              f.numSeqs,
            ),
          used,
        ),
      };
      const outPath = resolve(io.cwd, raw.out);
      await mkdir(dirname(outPath), { recursive: true });
      await writeFile(outPath, `${JSON.stringify(profile, null, 2)}\n`, 'utf8');
      io.stdout(report(start, profile, cal, outPath));
    });
}

function newCalibrator(
  start: LatencyProfile,
  options: ConstructorParameters<typeof OnlineCalibrator>[1],
): OnlineCalibrator {
  try {
    return new OnlineCalibrator(start, options);
  } catch (e) {
    if (e instanceof CalibrationError && e.field === 'name')
      throw new UsageError('--name', e.message);
    throw e;
  }
}

async function readObservations(path: string): Promise<ObservationRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError('--observations', `cannot read ${path}`);
  }
  let records: ObservationRecord[];
  try {
    records = parseObservationsJsonl(text);
  } catch (e) {
    throw new UsageError(
      '--observations',
      `${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (records.length === 0) throw new UsageError('--observations', `${path} holds no observations`);
  return records;
}

function report(
  start: LatencyProfile,
  p: LatencyProfile,
  cal: OnlineCalibrator,
  outPath: string,
): string {
  const s = cal.stats();
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  const l = p.latency;
  const s0 = start.latency;
  const rows = (['b0', 'b1', 'b2', 'b3', 'c2', 'c4'] as const)
    .map(
      (k) => `  ${k}  ${s0[k].toPrecision(6).padStart(13)}  →  ${l[k].toPrecision(6).padStart(13)}`,
    )
    .join('\n');
  return [
    `calibrated ${p.name} from ${start.name}: ${s.windowObservations} observations (of ${s.observations}), overall factor ${s.scale.toFixed(4)}`,
    `  relative error on them: start profile median ${pct(s.startError.median)} / p90 ${pct(s.startError.p90)}; calibrated median ${pct(s.fitError.median)} / p90 ${pct(s.fitError.p90)}`,
    `  coefficient   start  →  calibrated (knots ${l.knots.join(', ')})`,
    rows,
    `wrote ${outPath} (use it with --profile ${outPath})`,
    '',
  ].join('\n');
}
