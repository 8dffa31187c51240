// Test helpers: read the shared calibration (never copied into the project).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IterationSample } from './fit.js';

export const sharedDir = process.env.ADAGEN_SHARED_DIR ?? '';

export const GPUS = ['a100-80gb', 'h100-80gb'] as const;
export type Gpu = (typeof GPUS)[number];

/** The README's stated piecewise errors (median, p95) per GPU. */
export const STATED_ERRORS: Record<Gpu, { median: number; p95: number }> = {
  'a100-80gb': { median: 0.017, p95: 0.058 },
  'h100-80gb': { median: 0.024, p95: 0.076 },
};

export interface CalibrationJson {
  piecewise: Record<string, number | string | object>;
  reference_points_ms: Record<string, number>;
  kv_cache: { bytes_per_token: number; weights_bytes: number } & Record<string, number | string>;
  measured: boolean;
}

export function readCalibration(gpu: Gpu): CalibrationJson {
  const path = join(sharedDir, 'calibration', `llama-3-8b_${gpu}.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as CalibrationJson;
}

export function readGrid(gpu: Gpu): IterationSample[] {
  const text = readFileSync(join(sharedDir, 'calibration', `grid_${gpu}.csv`), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'P,X2,D,C,t_ms') throw new Error(`unexpected grid header: ${lines[0]}`);
  return lines.slice(1).map((line) => {
    const [p, x2, d, c, t] = line.split(',').map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    return {
      features: {
        prefillTokens: p,
        prefillAttnWork: x2,
        decodeRequests: d,
        decodeContextTokens: c,
      },
      ms: t,
    };
  });
}

/** Batch features of a `reference_points_ms` key (see reference_points_help). */
export function referenceFeatures(key: string): IterationSample['features'] {
  let m = /^decode_B(\d+)_ctx(\d+)$/.exec(key);
  if (m) {
    const b = Number(m[1]);
    return {
      prefillTokens: 0,
      prefillAttnWork: 0,
      decodeRequests: b,
      decodeContextTokens: b * Number(m[2]),
    };
  }
  m = /^(?:prefill|chunk)_(\d+)_kv(\d+)$/.exec(key);
  if (m) {
    const p = Number(m[1]);
    const k = Number(m[2]);
    return {
      prefillTokens: p,
      prefillAttnWork: p * (k + p / 2),
      decodeRequests: 0,
      decodeContextTokens: 0,
    };
  }
  m = /^mixed_chunk(\d+)_kv(\d+)_plus(\d+)dec_ctx(\d+)$/.exec(key);
  if (m) {
    const p = Number(m[1]);
    const k = Number(m[2]);
    const d = Number(m[3]);
    return {
      prefillTokens: p,
      prefillAttnWork: p * (k + p / 2),
      decodeRequests: d,
      decodeContextTokens: d * Number(m[4]),
    };
  }
  throw new Error(`unknown reference point key ${key}`);
}
