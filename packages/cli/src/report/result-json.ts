/**
 * The JSON result file, schema `adagen-result/v1` (documented in packages/sim/README.md).
 * Byte-identical for the same inputs and seed: wall-clock fields (decision time, wall time) are
 * written only with `--timing`, keys are in a fixed order, numbers are rounded to 6 significant
 * digits and NaN is written as null.
 */
import type { CellResult } from '../sweep/cell.js';

export const RESULT_SCHEMA = 'adagen-result/v1';

export interface GoodputEntry {
  trace: string;
  /** With `--slo-scales`: the SLO scale of this search. */
  sloScale?: number;
  policy: string;
  target: number;
  goodputRatePerS: number | null;
  failingRatePerS: number | null;
  probes: Array<{ ratePerS: number; attainment: number }>;
}

export interface InstancesEntry {
  trace: string;
  policy: string;
  ratePerS: number;
  target: number;
  instances: number | null;
  probes: Array<{ instances: number; attainment: number }>;
}

export interface ResultFile {
  schema: typeof RESULT_SCHEMA;
  command: 'simulate' | 'sweep';
  runs: unknown[];
  goodput?: GoodputEntry[];
  instancesNeeded?: InstancesEntry[];
}

export function runEntry(cell: CellResult, timing: boolean): Record<string, unknown> {
  const { spec, result } = cell;
  const entry: Record<string, unknown> = {
    trace: spec.workload.trace,
    policy: spec.policy,
    ratePerS: spec.workload.ratePerS ?? null,
    timeScale: spec.workload.timeScale ?? null,
    durationS: spec.workload.durationS ?? null,
    requestsLimit: spec.workload.requests ?? null,
    instances: spec.instances,
    profile: result.instances[0]?.profile ?? spec.profile,
    seed: spec.seed,
    ...(spec.sloScale === undefined ? {} : { sloScale: spec.sloScale }),
    workload: result.workload,
    settings: result.settings,
    ...(result.calibration ? { calibration: result.calibration } : {}),
    ...(result.spill ? { spill: result.spill } : {}),
    notes: cell.notes,
    metrics: result.metrics,
    cdf: result.cdf,
  };
  if (timing) {
    entry.decisionTimeUs = result.decisionTimeUs ?? null;
    entry.wallMs = cell.wallMs;
  }
  return entry;
}

function round(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    if (Number.isInteger(value)) return value;
    return Number(value.toPrecision(6));
  }
  return value;
}

export function serializeResult(file: ResultFile): string {
  return `${JSON.stringify(file, round, 2)}\n`;
}
