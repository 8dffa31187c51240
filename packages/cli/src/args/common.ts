/** Flags shared by `simulate` and `sweep`, declared once and validated into plain values. */
import type { Command } from 'commander';
import { LinkPresets } from '@adagen/engine';
import type { SloSpec, SloTarget } from '@adagen/scheduler';
import { defaultSloSpec, parseSloTarget } from '@adagen/scheduler';
import { integer, nonNegativeNumber, positiveInt, positiveNumber } from './parse.js';
import { UsageError } from './usage-error.js';

export interface CommonRaw {
  traceDir?: string;
  duration?: string;
  requests?: string;
  instances: string;
  profile: string;
  seed: string;
  snapshotIntervalMs: string;
  controlDelayMs: string;
  sloTtft?: string;
  sloTpot?: string;
  kvLink: string;
  jitter: string;
  out?: string;
  timing?: boolean;
  prefixCaching?: boolean;
}

export interface CommonFlags {
  traceDir?: string;
  durationS?: number;
  requests?: number;
  instances: number;
  profile: string;
  seed: number;
  snapshotIntervalMs: number;
  controlDelayMs: number;
  slo: SloSpec;
  kvLink: string;
  jitterSigma: number;
  out?: string;
  timing: boolean;
  /** Automatic prefix caching in every instance. */
  prefixCaching: boolean;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--trace-dir <dir>', 'look for named traces here first')
    .option('--duration <s>', 'use the first S seconds of the trace (before rescaling)')
    .option('--requests <n>', 'use the first N requests of the trace')
    .option('--instances <n>', 'number of instances', '8')
    .option(
      '--profile <name>',
      'a100, h100, a built-in profile name, or a profile .json file',
      'a100',
    )
    .option('--seed <n>', 'seed for every random choice (trace spreading, policies, jitter)', '0')
    .option(
      '--snapshot-interval-ms <ms>',
      'period of each instance’s state snapshot (staleness Δ)',
      '100',
    )
    .option(
      '--control-delay-ms <ms>',
      'decision + dispatch delay before a request reaches its instance',
      '2',
    )
    .option(
      '--slo-ttft <target>',
      'TTFT SLO: "250ms" absolute, or "5x[:FLOOR]" × idle TTFT',
      '5x:250',
    )
    .option(
      '--slo-tpot <target>',
      'TPOT SLO: "50ms" absolute, or "5x[:FLOOR]" × idle TPOT',
      '5x:50',
    )
    .option(
      '--kv-link <preset>',
      `KV transfer link for distributed plans (${Object.keys(LinkPresets).join(', ')})`,
      'rdma-400g',
    )
    .option('--jitter <sigma>', 'log-normal σ of per-iteration latency noise', '0')
    .option('--out <dir>', 'write result.json and plots here')
    .option('--timing', 'include wall-clock fields (decision time, wall time) in the JSON', false)
    .option(
      '--prefix-caching',
      'automatic prefix caching in every instance (vLLM APC; requests reuse cached prompt prefixes: Mooncake traces carry prefix hashes)',
      false,
    );
}

function slo(flag: string, text: string, fallback: SloTarget): SloTarget {
  const floor = fallback.kind === 'scale' ? fallback.floorMs : 0;
  const t = parseSloTarget(text, floor);
  if (!t) throw new UsageError(flag, `expected "250ms", "250", "5x" or "5x:250", got "${text}"`);
  return t;
}

/** The SLO spec of `--slo-ttft` / `--slo-tpot` texts. */
export function parseSloFlags(ttft: string, tpot: string): SloSpec {
  return {
    ttft: slo('--slo-ttft', ttft, defaultSloSpec.ttft),
    tpot: slo('--slo-tpot', tpot, defaultSloSpec.tpot),
  };
}

function linkPreset(text: string): string {
  if (!Object.hasOwn(LinkPresets, text)) {
    throw new UsageError(
      '--kv-link',
      `unknown link preset "${text}" (expected one of: ${Object.keys(LinkPresets).join(', ')})`,
    );
  }
  return text;
}

export function parseCommon(raw: CommonRaw): CommonFlags {
  if (raw.duration !== undefined && raw.requests !== undefined) {
    throw new UsageError('--duration', 'give --duration or --requests, not both');
  }
  const flags: CommonFlags = {
    instances: positiveInt('--instances', raw.instances),
    profile: raw.profile,
    seed: integer('--seed', raw.seed),
    snapshotIntervalMs: positiveNumber('--snapshot-interval-ms', raw.snapshotIntervalMs),
    controlDelayMs: nonNegativeNumber('--control-delay-ms', raw.controlDelayMs),
    slo: {
      ttft: slo('--slo-ttft', raw.sloTtft ?? '5x:250', defaultSloSpec.ttft),
      tpot: slo('--slo-tpot', raw.sloTpot ?? '5x:50', defaultSloSpec.tpot),
    },
    kvLink: linkPreset(raw.kvLink),
    jitterSigma: nonNegativeNumber('--jitter', raw.jitter),
    timing: raw.timing === true,
    prefixCaching: raw.prefixCaching === true,
  };
  if (raw.traceDir !== undefined) flags.traceDir = raw.traceDir;
  if (raw.duration !== undefined) flags.durationS = positiveNumber('--duration', raw.duration);
  if (raw.requests !== undefined) flags.requests = positiveInt('--requests', raw.requests);
  if (raw.out !== undefined) flags.out = raw.out;
  return flags;
}

/** Human form of an SLO spec, e.g. "TTFT ≤ max(5× idle, 250 ms)". */
export function describeTarget(name: string, t: SloTarget): string {
  return t.kind === 'absolute'
    ? `${name} ≤ ${t.ms} ms`
    : `${name} ≤ max(${t.factor}× idle, ${t.floorMs} ms)`;
}
