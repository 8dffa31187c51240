// Recovery scenarios shared by the calibrator tests and bench/calibration.bench.ts: an engine
// with a TRUE profile runs a seeded workload; its iterations feed a calibrator that starts from
// another profile; the calibrated profile is scored against the truth (noiseless).
import { quantileSorted } from '@adagen/stats';
import { drive, randomArrivals } from '../instance/harness.testutil.js';
import { SimInstance } from '../instance/sim-instance.js';
import { builtinProfiles } from '../latency/builtin.js';
import { LatencyModel } from '../latency/model.js';
import type { LatencyProfile } from '../latency/profile.js';
import { scaledProfile } from '../latency/scale.js';
import type { BatchFeatures, IterationReport } from '../types.js';
import { OnlineCalibrator } from './calibrator.js';
import type { CalibrationStats } from './calibrator.js';
import type { CalibratorOptionsInput } from './options.js';

export const A100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
export const H100 = builtinProfiles['llama-3-8b_h100-80gb_tp1']!;

export { scaledProfile };

export interface RecoveryCase {
  truth: LatencyProfile;
  start: LatencyProfile;
  /** Lognormal sigma of the engine's per-iteration noise (0 = none). */
  jitterSigma: number;
  seed: number;
  requests: number;
  ratePerS?: number;
  options?: CalibratorOptionsInput;
}

export interface RecoveryPoint {
  iterations: number;
  /** Calibrated profile vs the noiseless truth, on every iteration of the run. */
  median: number;
  p90: number;
  /** Same, on a fixed grid of compositions the workload may not reach (extrapolation). */
  gridMedian: number;
  gridP90: number;
  stats: CalibrationStats;
}

export interface Recovery {
  iterations: number;
  /** The start profile vs the truth on the run's iterations (no calibration). */
  startMedian: number;
  startGridMedian: number;
  points: RecoveryPoint[];
}

/** Runs the engine, then feeds its iterations in order, scoring at each checkpoint. */
export function runRecovery(c: RecoveryCase, checkpoints: readonly number[]): Recovery {
  const reports: IterationReport[] = [];
  const inst = new SimInstance({
    id: 'engine',
    profile: c.truth,
    ...(c.jitterSigma > 0 ? { jitter: { sigma: c.jitterSigma, seed: c.seed } } : {}),
    observer: { onIteration: (r) => void reports.push(r) },
  });
  const arrivals = randomArrivals(c.seed, c.requests, { ratePerS: c.ratePerS ?? 20 });
  drive(inst, arrivals);
  const truth = new LatencyModel(c.truth);
  const grid = compositionGrid();
  const cal = new OnlineCalibrator(c.start, c.options);
  const points: RecoveryPoint[] = [];
  let fed = 0;
  for (const n of checkpoints) {
    if (n > reports.length) break;
    for (; fed < n; fed++) cal.observe(reports[fed]!);
    const model = new LatencyModel(cal.profile());
    const run = errors(model, truth, reports);
    const onGrid = errors(model, truth, grid);
    points.push({
      iterations: n,
      median: run.median,
      p90: run.p90,
      gridMedian: onGrid.median,
      gridP90: onGrid.p90,
      stats: cal.stats(),
    });
  }
  const startModel = new LatencyModel(c.start);
  return {
    iterations: reports.length,
    startMedian: errors(startModel, truth, reports).median,
    startGridMedian: errors(startModel, truth, grid).median,
    points,
  };
}

function errors(
  model: LatencyModel,
  truth: LatencyModel,
  batches: ReadonlyArray<BatchFeatures>,
): { median: number; p90: number } {
  const e = Float64Array.from(batches, (f) => {
    const t = truth.iterationMs(f);
    return Math.abs(model.iterationMs(f) - t) / t;
  }).sort();
  return { median: quantileSorted(e, 0.5), p90: quantileSorted(e, 0.9) };
}

/**
 * Decode batches (1–256 requests at 256–4,096 context), prefill chunks of 64–4,096 tokens
 * after 0–4,096 cached tokens, and mixed batches: 4 + 48 + 36 compositions.
 */
export function compositionGrid(): BatchFeatures[] {
  const out: BatchFeatures[] = [];
  const decodes = [1, 8, 32, 64, 128, 256];
  const contexts = [256, 1024, 4096];
  const chunks = [64, 256, 512, 1024, 2048, 4096];
  const cached = [0, 512, 2048, 4096];
  for (const d of [1, 16, 64, 256]) {
    out.push({
      prefillTokens: 0,
      prefillAttnWork: 0,
      decodeRequests: d,
      decodeContextTokens: d * 512,
      numSeqs: d,
    });
  }
  for (const p of chunks) {
    for (const k of cached) {
      for (const d of [0, 32]) {
        out.push({
          prefillTokens: p,
          prefillAttnWork: p * (k + p / 2),
          decodeRequests: d,
          decodeContextTokens: d * 1024,
          numSeqs: d + 1,
        });
      }
    }
  }
  for (const d of decodes) {
    for (const ctx of contexts) {
      for (const p of [0, 128]) {
        out.push({
          prefillTokens: p,
          prefillAttnWork: p * (p / 2),
          decodeRequests: d,
          decodeContextTokens: d * ctx,
          numSeqs: d + (p > 0 ? 1 : 0),
        });
      }
    }
  }
  return out;
}
