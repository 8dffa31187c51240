/** Flags shared by `simulate` and `sweep`, declared once and validated into plain values. */
import type { Command } from 'commander';
import { LinkPresets } from '@adagen/engine';
import type { AdmissionMode, SloSpec, SloTarget } from '@adagen/scheduler';
import {
  ADMISSION_MODE_NAMES,
  admissionMode,
  defaultSloSpec,
  parseSloTarget,
} from '@adagen/scheduler';
import type { DeadlineSpec } from '@adagen/sim';
import { DEFAULT_DEADLINE } from '@adagen/sim';
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
  balancers: string;
  sharded?: boolean;
  spill?: boolean;
  controlDelayMs: string;
  sloTtft?: string;
  sloTpot?: string;
  sloTbt?: string;
  kvLink: string;
  jitter: string;
  engineProfile?: string;
  estimatorProfile?: string;
  estimatorBias: string;
  calibrate?: boolean;
  admission: string;
  deadline: string;
  maxNumSeqs?: string;
  maxNumBatchedTokens?: string;
  scheduler?: string;
  numGpuBlocks?: string;
  blockSize?: string;
  traceFormat?: string;
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
  /** Balancer replicas, each deciding on its own view (`--balancers`). */
  balancers: number;
  /** The replicas split the instances, each a balancer shard (`--sharded`). */
  sharded: boolean;
  /** Shards hand a request they predict hopeless to another (`--spill`). */
  spill: boolean;
  controlDelayMs: number;
  slo: SloSpec;
  kvLink: string;
  jitterSigma: number;
  /** Model error: what policies predict with, when not the engines' own profile. */
  estimator?: EstimatorFlags;
  admission: AdmissionMode;
  deadline: DeadlineSpec;
  /** Engine knobs of every instance (vLLM's names); unset ones keep the engine's defaults. */
  engine: EngineKnobs;
  traceFormat?: string;
  out?: string;
  timing: boolean;
}

/** `--estimator-profile`, `--estimator-bias`, `--calibrate` (see `addCommonOptions`). */
export interface EstimatorFlags {
  /** Profile flag text (alias, name or file); absent: the engines' profile. */
  profile?: string;
  /** Every iteration predicted this many times as long. */
  bias: number;
  calibrate: boolean;
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
      '--balancers <n>',
      'balancer replicas (1–256): each arrival goes to one at random, which sees the others’ placements only in the snapshots',
      '1',
    )
    .option(
      '--sharded',
      'the balancer replicas split the instances (rank i to replica i mod --balancers): each sees and places on its own share only, as the live balancer’s --shards',
    )
    .option(
      '--spill',
      'with --sharded: a shard that predicts a miss on all its instances hands the request to another shard, which takes it if it predicts a hit',
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
      '--slo-tbt <target>',
      'also a per-request token-gap SLO: p99 of the request’s gaps ≤ "100ms" or "5x[:FLOOR]" × idle TPOT',
    )
    .option(
      '--kv-link <preset>',
      `KV transfer link for distributed plans (${Object.keys(LinkPresets).join(', ')})`,
      'rdma-400g',
    )
    .option('--jitter <sigma>', 'log-normal σ of per-iteration latency noise', '0')
    .option('--engine-profile <name>', 'profile the simulated engines run (default: --profile)')
    .option(
      '--estimator-profile <name>',
      'model error: the profile policies are told the engines run (default: the engines’)',
    )
    .option(
      '--estimator-bias <factor>',
      'model error: policies predict every iteration this many times as long (e.g. 1.2)',
      '1',
    )
    .option(
      '--calibrate',
      'each engine calibrates the profile policies predict it with online from its iterations',
      false,
    )
    .option(
      '--admission <mode>',
      'admission control in front of every policy: none; slo (refuse a request predicted at over 4× its TTFT target on every instance, or when every instance queues 256); strict (slo, plus what the policy predicts misses everywhere); saturation (llm-d’s detector: every instance at waiting queue ≥ 5 or KV ≥ 0.8)',
      'none',
    )
    .option(
      '--deadline <s>',
      'client deadline for the first token, in seconds after arrival (abandoned after it, freeing its instance); "auto": max(10 × TTFT target, 30 s); "off": wait forever',
      'auto',
    )
    .option('--trace-format <format>', TRACE_FORMAT_HELP)
    .option(
      '--max-num-seqs <n>',
      'sequences running at once per instance (vLLM max_num_seqs; default 256)',
    )
    .option(
      '--max-num-batched-tokens <n>',
      'token budget per iteration (vLLM max_num_batched_tokens; default 512 chunked, max(2048, max model len) vllm-v0)',
    )
    .option(
      '--scheduler <kind>',
      'chunked (vLLM chunked prefill: decodes first, prefill chunks fill the budget) or vllm-v0 (vLLM v0 default: whole-prompt prefill-only batches while prompts wait, else decode batches)',
    )
    .option(
      '--num-gpu-blocks <n>',
      'KV blocks per instance (vLLM num_gpu_blocks_override; default from GPU memory)',
    )
    .option('--block-size <tokens>', 'tokens per KV block (vLLM block_size; default 16)')
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

const TRACE_FORMAT_HELP =
  'how to read a trace file: azure-csv, mooncake-jsonl, or csv:<arrival>,<prompt>,<output> (e.g. csv:arrival_s,prompt_tokens,output_tokens; arrival unit from its _s/_ms/_us suffix or @s/@ms/@us; exact arrivals, no spreading; jsonl:… alike); default: by extension';

/** Engine knobs the CLI sets (a subset of `EngineConfigInput`, vLLM's names). */
export interface EngineKnobs {
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  enableChunkedPrefill?: boolean;
  numGpuBlocks?: number;
  blockSize?: number;
  enablePrefixCaching?: boolean;
}

/** The flag that sets each engine knob, to name it in errors. */
export const ENGINE_KNOB_FLAGS: Readonly<Record<string, string>> = {
  maxNumSeqs: '--max-num-seqs',
  maxNumBatchedTokens: '--max-num-batched-tokens',
  enableChunkedPrefill: '--scheduler',
  numGpuBlocks: '--num-gpu-blocks',
  blockSize: '--block-size',
  enablePrefixCaching: '--prefix-caching',
};

export const SCHEDULERS = ['chunked', 'vllm-v0'] as const;

function engineKnobs(raw: CommonRaw): EngineKnobs {
  const knobs: EngineKnobs = {};
  if (raw.maxNumSeqs !== undefined)
    knobs.maxNumSeqs = positiveInt('--max-num-seqs', raw.maxNumSeqs);
  if (raw.maxNumBatchedTokens !== undefined)
    knobs.maxNumBatchedTokens = positiveInt('--max-num-batched-tokens', raw.maxNumBatchedTokens);
  if (raw.scheduler !== undefined) {
    if (!(SCHEDULERS as readonly string[]).includes(raw.scheduler))
      throw new UsageError(
        '--scheduler',
        `expected ${SCHEDULERS.join(' or ')}, got "${raw.scheduler}"`,
      );
    knobs.enableChunkedPrefill = raw.scheduler === 'chunked';
  }
  if (raw.numGpuBlocks !== undefined)
    knobs.numGpuBlocks = positiveInt('--num-gpu-blocks', raw.numGpuBlocks);
  if (raw.blockSize !== undefined) knobs.blockSize = positiveInt('--block-size', raw.blockSize);
  if (raw.prefixCaching === true) knobs.enablePrefixCaching = true;
  return knobs;
}

function admissionFlag(text: string): AdmissionMode {
  const mode = admissionMode(text);
  if (mode === undefined)
    throw new UsageError(
      '--admission',
      `expected ${ADMISSION_MODE_NAMES.join(', ')}, got "${text}"`,
    );
  return mode;
}

/** `--deadline`: seconds, `auto` (max(10 × TTFT target, 30 s)) or `off`. */
export function deadlineFlag(text: string): DeadlineSpec {
  const t = text.trim();
  if (t === 'auto') return DEFAULT_DEADLINE;
  if (t === 'off') return 'off';
  const v = Number(t);
  if (t === '' || !Number.isFinite(v) || v <= 0)
    throw new UsageError('--deadline', `expected seconds > 0, "auto" or "off", got "${text}"`);
  return { kind: 'fixed', ms: v * 1000 };
}

function shardedFlag(sharded: boolean, balancers: string): boolean {
  if (sharded && balancerCount(balancers) === 1)
    throw new UsageError(
      '--sharded',
      'expected --balancers 2 or more to split the instances among',
    );
  return sharded;
}

function spillFlag(spill: boolean, sharded: boolean): boolean {
  if (spill && !sharded)
    throw new UsageError('--spill', 'expected --sharded (only shards hand requests to each other)');
  return spill;
}

function balancerCount(text: string): number {
  const n = positiveInt('--balancers', text);
  if (n > 256) throw new UsageError('--balancers', `expected 1 to 256 replicas, got ${n}`);
  return n;
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
  if (
    raw.engineProfile !== undefined &&
    raw.profile !== 'a100' &&
    raw.profile !== raw.engineProfile
  ) {
    throw new UsageError('--engine-profile', 'give --profile or --engine-profile, not both');
  }
  const bias = positiveNumber('--estimator-bias', raw.estimatorBias ?? '1');
  const flags: CommonFlags = {
    instances: positiveInt('--instances', raw.instances),
    profile: raw.engineProfile ?? raw.profile,
    seed: integer('--seed', raw.seed),
    snapshotIntervalMs: positiveNumber('--snapshot-interval-ms', raw.snapshotIntervalMs),
    balancers: balancerCount(raw.balancers),
    sharded: shardedFlag(raw.sharded === true, raw.balancers),
    spill: spillFlag(raw.spill === true, raw.sharded === true),
    controlDelayMs: nonNegativeNumber('--control-delay-ms', raw.controlDelayMs),
    slo: {
      ttft: slo('--slo-ttft', raw.sloTtft ?? '5x:250', defaultSloSpec.ttft),
      tpot: slo('--slo-tpot', raw.sloTpot ?? '5x:50', defaultSloSpec.tpot),
      ...(raw.sloTbt === undefined
        ? {}
        : { tbt: slo('--slo-tbt', raw.sloTbt, defaultSloSpec.tpot) }),
    },
    kvLink: linkPreset(raw.kvLink),
    jitterSigma: nonNegativeNumber('--jitter', raw.jitter),
    admission: admissionFlag(raw.admission),
    deadline: deadlineFlag(raw.deadline),
    engine: engineKnobs(raw),
    timing: raw.timing === true,
  };
  if (raw.estimatorProfile !== undefined || bias !== 1 || raw.calibrate === true) {
    flags.estimator = {
      bias,
      calibrate: raw.calibrate === true,
      ...(raw.estimatorProfile !== undefined ? { profile: raw.estimatorProfile } : {}),
    };
  }
  if (raw.traceDir !== undefined) flags.traceDir = raw.traceDir;
  if (raw.duration !== undefined) flags.durationS = positiveNumber('--duration', raw.duration);
  if (raw.requests !== undefined) flags.requests = positiveInt('--requests', raw.requests);
  if (raw.out !== undefined) flags.out = raw.out;
  if (raw.traceFormat !== undefined) flags.traceFormat = raw.traceFormat;
  return flags;
}

/** Human form of an SLO spec, e.g. "TTFT ≤ max(5× idle, 250 ms)". */
export function describeTarget(name: string, t: SloTarget): string {
  return t.kind === 'absolute'
    ? `${name} ≤ ${t.ms} ms`
    : `${name} ≤ max(${t.factor}× idle, ${t.floorMs} ms)`;
}
