/** The simulator's entry point and its result object. */
import type { SloSpec } from '@adagen/scheduler';
import { ecdfSorted, summarizeSorted } from '@adagen/stats';
import type { Summary } from '@adagen/stats';
import type { DeadlineSpec, SimConfig, SimConfigInput } from './config.js';
import { parseSimConfig } from './config.js';
import { instanceSpecs } from './instances.js';
import type { CalibrationSummary } from './beliefs.js';
import type { RequestRecord } from './records.js';
import { requestRecords } from './records.js';
import type { RunOptions } from './simulation.js';
import { Simulation } from './simulation.js';
import type { SimSummary } from './summary.js';
import { sortedTtftMs, summarizeRun } from './summary.js';
import { summarizePrefixCache, ttftPredictionError } from './prefix-summary.js';

export interface SimResult {
  policy: string;
  workload: { name: string; requests: number; notes: string[] };
  instances: Array<{ id: string; profile: string }>;
  settings: {
    snapshotIntervalMs: number;
    /** Balancer replicas, each on its own view. */
    balancers: number;
    /** The replicas split the instances (balancer shards). */
    sharded: boolean;
    /** Shards hand requests they predict hopeless to another shard. */
    shardSpill: boolean;
    controlDelayMs: number;
    kvLink: string;
    seed: number;
    jitterSigma: number;
    horizonMs: number | null;
    slo: SloSpec;
    /** The profile policies were told the instances run (null: each instance's own). */
    estimatorProfile: string | null;
    calibrate: boolean;
    admission: SimConfig['admission'];
    deadline: DeadlineSpec;
    /** The first instance's resolved engine knobs (scheduler, budget, KV blocks). */
    engine: {
      maxNumSeqs: number;
      maxNumBatchedTokens: number;
      enableChunkedPrefill: boolean;
      numGpuBlocks: number;
      blockSize: number;
      maxModelLen: number;
      /** Present (true) only when prefix caching is on. */
      enablePrefixCaching?: true;
    };
  };
  /**
   * With `shardSpill`: hopeless requests a shard handed to another shard (taken), and those it
   * did not offer, its offers being mostly declined (held).
   */
  spill?: { taken: number; held: number };
  /** Per instance, with `calibrate`: how far the online calibration got. */
  calibration?: CalibrationSummary[];
  metrics: SimSummary;
  /** Wall time per scheduling decision (µs); present only when a clock was injected. */
  decisionTimeUs?: Summary;
  /** Empirical CDFs, at most 200 points each: [value, cumulative share]. */
  cdf: { ttftMs: Array<[number, number]>; tbtMs: Array<[number, number]> };
  /** One record per request, in workload order; only with `RunOptions.perRequest`. */
  requests?: RequestRecord[];
}

function engineSettings(sim: Simulation): SimResult['settings']['engine'] {
  const c = sim.slots[0]!.instance.config;
  return {
    maxNumSeqs: c.maxNumSeqs,
    maxNumBatchedTokens: c.maxNumBatchedTokens,
    enableChunkedPrefill: c.enableChunkedPrefill,
    numGpuBlocks: c.numGpuBlocks,
    blockSize: c.blockSize,
    maxModelLen: c.maxModelLen,
    ...(c.enablePrefixCaching ? { enablePrefixCaching: true as const } : {}),
  };
}

/** Runs one simulation to drain (or to `horizonMs`). Deterministic for a config. */
export function runSimulation(input: SimConfigInput, options: RunOptions = {}): SimResult {
  const config = parseSimConfig(input);
  const specs = instanceSpecs(config);
  const sim = new Simulation(config, specs, options);
  sim.run();
  const ttft = sortedTtftMs(sim.metrics);
  const gaps = sim.metrics.gapsMs.sorted();
  const result: SimResult = {
    policy: sim.policy.name,
    workload: {
      name: config.workload.name,
      requests: config.workload.requests.length,
      notes: [...config.workload.notes],
    },
    instances: specs.map((s) => ({ id: s.id, profile: s.profile.name })),
    settings: {
      snapshotIntervalMs: config.snapshotIntervalMs,
      balancers: config.balancers,
      sharded: config.sharded,
      shardSpill: config.shardSpill,
      controlDelayMs: config.controlDelayMs,
      kvLink: config.kvLink,
      seed: config.seed,
      jitterSigma: config.jitterSigma,
      horizonMs: config.horizonMs ?? null,
      slo: config.slo,
      estimatorProfile:
        config.estimatorProfile === undefined ? null : sim.beliefs.announced(0).name,
      calibrate: config.calibrate,
      admission: config.admission,
      deadline: config.deadline,
      engine: engineSettings(sim),
    },
    metrics: withPrefixFigures(summarizeRun(sim.metrics), sim),
    cdf: { ttftMs: ecdfSorted(ttft), tbtMs: ecdfSorted(gaps) },
  };
  if (config.calibrate) result.calibration = sim.beliefs.summaries();
  if (config.shardSpill) {
    result.spill = { taken: sim.spilled, held: sim.spillHeld };
  }
  if (options.perRequest) {
    result.requests = requestRecords(
      sim.metrics,
      sim.requests,
      sim.slots.map((s) => s.id),
    );
  }
  if (options.now) result.decisionTimeUs = summarizeSorted(sim.decisionTimesUs.sorted());
  return result;
}

function withPrefixFigures(summary: SimSummary, sim: Simulation): SimSummary {
  const counters = sim.slots.flatMap((s) => {
    const c = s.instance.snapshot().prefixCache;
    return c === undefined ? [] : [c];
  });
  if (counters.length > 0) summary.prefixCache = summarizePrefixCache(sim.metrics, counters);
  const err = ttftPredictionError(sim.metrics);
  if (err !== undefined) summary.ttftPredictionError = err;
  return summary;
}
