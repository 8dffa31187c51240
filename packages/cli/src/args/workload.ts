/**
 * From `--trace` and its companions to a workload: find the file (or a `synthetic:<preset>`, or
 * `mix:<a>+<b>` interleaving several by arrival time),
 * cut a window of the original trace (`--duration` seconds or the first `--requests`), then
 * rescale arrivals (`--rate` mean req/s or `--time-scale` factor).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workload } from '@adagen/workloads';
import {
  firstN,
  generate,
  loadTrace,
  mix,
  parseTraceFormat,
  resolveTrace,
  scaleTime,
  scaleToRate,
  syntheticPresets,
  TraceError,
  TraceFormatError,
  window,
} from '@adagen/workloads';
import type { TraceFormatSpec } from '@adagen/workloads';
import { UsageError } from './usage-error.js';

export interface WorkloadFlags {
  trace: string;
  /** `--trace-format`: a named format or `csv:<arrival>,<prompt>,<output>` (see parseTraceFormat). */
  format?: string;
  traceDir?: string;
  ratePerS?: number;
  timeScale?: number;
  durationS?: number;
  requests?: number;
  seed: number;
}

export interface CliEnv {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** @default [<repo>/../shared/traces, /work/shared/traces] */
  traceFallbackDirs?: readonly string[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Where named traces are looked for, in order. */
export function traceSearchDirs(traceDir: string | undefined, ctx: CliEnv): string[] {
  const dirs: string[] = [];
  if (traceDir !== undefined) dirs.push(resolve(ctx.cwd, traceDir));
  const shared = ctx.env.ADAGEN_SHARED_DIR;
  if (shared) dirs.push(resolve(ctx.cwd, shared, 'traces'));
  dirs.push(
    ...(ctx.traceFallbackDirs ?? [
      resolve(repoRoot, '..', 'shared', 'traces'),
      '/work/shared/traces',
    ]),
  );
  return [...new Set(dirs)];
}

const syntheticNames = Object.keys(syntheticPresets).map((n) => `synthetic:${n}`);

async function loadBase(flags: WorkloadFlags, ctx: CliEnv): Promise<Workload> {
  if (flags.trace.startsWith('mix:')) {
    const parts = flags.trace.slice('mix:'.length).split('+');
    if (parts.length < 2 || parts.some((p) => p.trim() === '' || p.startsWith('mix:'))) {
      throw new UsageError('--trace', `expected mix:<trace>+<trace>[+...], got "${flags.trace}"`);
    }
    const inputs: Workload[] = [];
    for (const p of parts) inputs.push(await loadBase({ ...flags, trace: p.trim() }, ctx));
    return mix(inputs, { name: flags.trace });
  }
  if (flags.trace.startsWith('synthetic:')) {
    if (flags.format !== undefined)
      throw new UsageError('--trace-format', 'applies to trace files, not to synthetic:<preset>');
    const name = flags.trace.slice('synthetic:'.length);
    const preset = (
      syntheticPresets as Readonly<
        Record<string, (typeof syntheticPresets)[keyof typeof syntheticPresets]>
      >
    )[name];
    if (!preset) {
      throw new UsageError(
        '--trace',
        `unknown synthetic preset "${name}" (expected one of: ${syntheticNames.join(', ')})`,
      );
    }
    return generate({ ...preset, seed: flags.seed });
  }
  const spec = formatOf(flags.format);
  let path: string;
  try {
    // A relative file name is the caller's: look in its working directory too.
    const dirs = traceSearchDirs(flags.traceDir, ctx);
    path = await resolveTrace(flags.trace, {
      searchDirs: isAbsolute(flags.trace) ? dirs : [...new Set([ctx.cwd, ...dirs])],
    });
  } catch (e) {
    if (e instanceof TraceError) {
      throw new UsageError(
        '--trace',
        `${e.message}; without the files, use ${syntheticNames.join(', ')}`,
      );
    }
    throw e;
  }
  try {
    return await loadTrace(path, spec?.format, {
      seed: flags.seed,
      ...(spec?.mapping === undefined ? {} : { mapping: spec.mapping }),
    });
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError('--trace', e.message);
    throw e;
  }
}

function formatOf(text: string | undefined): TraceFormatSpec | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTraceFormat(text);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new UsageError('--trace-format', e.message);
    throw e;
  }
}

export async function buildWorkload(flags: WorkloadFlags, ctx: CliEnv): Promise<Workload> {
  let w = await loadBase(flags, ctx);
  if (flags.durationS !== undefined) w = window(w, { startMs: 0, endMs: flags.durationS * 1000 });
  if (flags.requests !== undefined) w = firstN(w, flags.requests);
  if (w.requests.length === 0) {
    throw new UsageError(
      flags.durationS !== undefined ? '--duration' : '--trace',
      `the workload "${w.name}" has no requests`,
    );
  }
  if (flags.ratePerS !== undefined) {
    try {
      w = scaleToRate(w, flags.ratePerS);
    } catch (e) {
      throw new UsageError('--rate', e instanceof Error ? e.message : String(e));
    }
  } else if (flags.timeScale !== undefined) {
    w = scaleTime(w, flags.timeScale);
  }
  return w;
}

/** Longest prompt + output in the workload (to size the engine's maxModelLen). */
export function longestRequestTokens(w: Workload): number {
  let max = 0;
  for (const r of w.requests) max = Math.max(max, r.promptTokens + r.outputTokens);
  return max;
}
