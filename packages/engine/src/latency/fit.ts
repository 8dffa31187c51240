import { quantileSorted } from '@adagen/stats';
import type { BatchFeatures } from '../types.js';
import { leastSquares } from './lsq.js';
import type { FitError, FitErrorReport, PiecewiseCoefficients } from './profile.js';

/** One observed iteration: its composition and measured duration. */
export interface IterationSample {
  features: Pick<
    BatchFeatures,
    'prefillTokens' | 'prefillAttnWork' | 'decodeRequests' | 'decodeContextTokens'
  >;
  ms: number;
}

export interface PiecewiseFit {
  coefficients: PiecewiseCoefficients;
  errors: FitErrorReport;
}

export const DEFAULT_KNOTS = [64, 256, 1024] as const;

/** The piecewise form's design row for one composition (knots k). */
function designRow(f: IterationSample['features'], knots: readonly number[]): number[] {
  const n = f.prefillTokens + f.decodeRequests;
  return [
    1,
    Math.max(n - knots[0]!, 0),
    Math.max(n - knots[1]!, 0),
    Math.max(n - knots[2]!, 0),
    f.prefillAttnWork,
    f.decodeContextTokens,
  ];
}

/** Prediction (ms) of the piecewise form, without CPU overhead. */
export function predictPiecewise(c: PiecewiseCoefficients, f: IterationSample['features']): number {
  const r = designRow(f, c.knots);
  const n = f.prefillTokens + f.decodeRequests;
  return (
    c.b0 +
    (c.m0 ?? 0) * n +
    c.b1 * r[1]! +
    c.b2 * r[2]! +
    c.b3 * r[3]! +
    c.c2 * r[4]! +
    c.c4 * r[5]!
  );
}

/**
 * Fits the piecewise form to observed iterations by least squares on relative error
 * (each squared residual weighted by 1/t²), and reports the fit's relative errors.
 * @throws RangeError with fewer than 6 samples or a non-positive duration.
 */
export function fitPiecewise(
  samples: ReadonlyArray<IterationSample>,
  options: { knots?: readonly [number, number, number] } = {},
): PiecewiseFit {
  const knots = options.knots ?? DEFAULT_KNOTS;
  if (samples.length < 6) throw new RangeError(`need at least 6 samples, got ${samples.length}`);
  const rows: number[][] = [];
  const rhs: number[] = [];
  samples.forEach((s, i) => {
    if (!(s.ms > 0)) throw new RangeError(`sample ${i}: ms must be > 0, got ${s.ms}`);
    rows.push(designRow(s.features, knots).map((v) => v / s.ms));
    rhs.push(1);
  });
  const [b0, b1, b2, b3, c2, c4] = leastSquares(rows, rhs) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const coefficients: PiecewiseCoefficients = {
    knots: [knots[0], knots[1], knots[2]],
    b0,
    b1,
    b2,
    b3,
    c2,
    c4,
  };
  return { coefficients, errors: fitErrors(coefficients, samples) };
}

/** Relative errors of `c` on `samples`, overall and by batch type (interpolated quantiles). */
export function fitErrors(
  c: PiecewiseCoefficients,
  samples: ReadonlyArray<IterationSample>,
): FitErrorReport {
  return predictionErrors((f) => predictPiecewise(c, f), samples);
}

/**
 * Relative errors |predict(features) − ms| / ms on `samples`, overall and by batch type
 * (e.g. a whole `LatencyModel`, CPU overhead included).
 */
export function predictionErrors<F extends IterationSample['features']>(
  predictMs: (features: F) => number,
  samples: ReadonlyArray<{ features: F; ms: number }>,
): FitErrorReport {
  const all: number[] = [];
  const decodeOnly: number[] = [];
  const prefillOnly: number[] = [];
  const mixed: number[] = [];
  for (const s of samples) {
    const e = Math.abs(predictMs(s.features) - s.ms) / s.ms;
    all.push(e);
    const hasP = s.features.prefillTokens > 0;
    const hasD = s.features.decodeRequests > 0;
    (hasP && hasD ? mixed : hasP ? prefillOnly : decodeOnly).push(e);
  }
  const report: FitErrorReport = { all: summarizeErrors(all) };
  if (decodeOnly.length > 0) report.decodeOnly = summarizeErrors(decodeOnly);
  if (prefillOnly.length > 0) report.prefillOnly = summarizeErrors(prefillOnly);
  if (mixed.length > 0) report.mixed = summarizeErrors(mixed);
  return report;
}

function summarizeErrors(errors: number[]): FitError {
  const sorted = Float64Array.from(errors).sort();
  return {
    median: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? 0,
    count: sorted.length,
  };
}
