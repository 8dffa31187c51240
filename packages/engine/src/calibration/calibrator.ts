import { quantileSorted } from '@adagen/stats';
import type { LatencyProfile } from '../latency/profile.js';
import { fromSlopes, slopeFeatures, termScales, TERMS, toSlopes } from './basis.js';
import { boxQp } from './box-qp.js';
import { checkObservation, fromTokenGap } from './observation.js';
import type { IterationObservation, TokenGapObservation } from './observation.js';
import { resolveCalibratorOptions } from './options.js';
import type { CalibratorOptions, CalibratorOptionsInput } from './options.js';
import { WindowSums } from './window.js';

/** Relative errors |predicted − measured| / measured over the window (0s when it is empty). */
export interface ErrorSummary {
  median: number;
  p90: number;
  count: number;
}

/** Where a calibrator stands. */
export interface CalibrationStats {
  /** Increments with every observation taken (the profile may change each time). */
  version: number;
  /** Observations taken since creation. */
  observations: number;
  /** Observations in the window the current fit uses. */
  windowObservations: number;
  /** Fitted overall factor engine / start profile (the prior is the start profile × this). */
  scale: number;
  /** The current profile on the window (in-sample). */
  fitError: ErrorSummary;
  /** The start profile on the window: what calibration is correcting. */
  startError: ErrorSummary;
  /** Each windowed observation as predicted before it was taken (out-of-sample). */
  predictionError: ErrorSummary;
}

/**
 * Fits an engine's piecewise latency profile online from observed iterations, starting from
 * (and regularised toward) a known profile. Pure and deterministic: same observations, same
 * profiles.
 *
 * The fit minimises, over a sliding window of the last `windowSize` observations, the weighted
 * squared RELATIVE error, as the offline `fitPiecewise` does — but relative to the profile's
 * prediction when the observation arrived (the measurement itself while that prediction is off
 * by more than 2×), which keeps the fit unbiased for the mean under multiplicative noise — plus
 * a ridge toward a prior: the start profile times one fitted overall factor. So a uniformly
 * slower or faster engine is recovered even from batches that exercise few terms (decode
 * only), terms the window says nothing about keep the start profile's shape, and everything
 * behaves the same whether the start profile is 1.2× or 30× off. Coefficients are bounded:
 * b0, c2, c4 and every segment slope (b1, b1+b2, b1+b2+b3) stay ≥ 0, and each term stays
 * within `maxDeviation` of the rescaled prior. Knots and CPU overhead are the start profile's.
 * Cost: about 15 µs per observation (a 6-unknown bounded solve), `stats()` O(window).
 *
 * ```ts
 * const cal = new OnlineCalibrator(builtinProfiles['llama-3-8b_a100-80gb_tp1']!);
 * const inst = new SimInstance({ id, profile, observer: { onIteration: (r) => cal.observe(r) } });
 * // … later, for the estimator / LatencyModel:
 * const calibrated = cal.profile(); // a LatencyProfile; cal.stats() says how good it is
 * ```
 */
export class OnlineCalibrator {
  readonly start: LatencyProfile;
  private readonly options: CalibratorOptions;
  private readonly rho: Float64Array;
  private readonly v0: Float64Array;
  private readonly sums: WindowSums;
  private readonly row = new Float64Array(TERMS);
  private v: Float64Array;
  private scale = 1;
  private version = 0;
  private taken = 0;
  private cached: LatencyProfile | undefined;

  /** @throws CalibrationError naming a bad option; RangeError for an unusable start profile. */
  constructor(start: LatencyProfile, options: CalibratorOptionsInput = {}) {
    this.start = start;
    this.options = resolveCalibratorOptions(options);
    this.rho = termScales(start);
    const u0 = toSlopes(start.latency);
    this.v0 = u0.map((u, j) => u * this.rho[j]!);
    this.v = Float64Array.from(this.v0);
    this.sums = new WindowSums(this.options.windowSize);
  }

  /** Takes one observed iteration and refits. @throws CalibrationError naming a bad field. */
  observe(obs: IterationObservation): void {
    checkObservation(obs);
    const t = obs.durationMs;
    const cpuMs = this.start.cpuOverhead.fixedMs + this.start.cpuOverhead.perSeqMs * obs.numSeqs;
    slopeFeatures(obs, this.start.latency.knots, this.row);
    let predictedMs = cpuMs;
    for (let j = 0; j < TERMS; j++) predictedMs += (this.row[j]! * this.v[j]!) / this.rho[j]!;
    // Residuals are relative to the current prediction, not to the measurement: a weight that
    // depends on the measured time favours the short (noise-shrunk) ones and biases the fit low
    // by about 1.5·σ² under lognormal noise. While the prediction is off by more than 2× (a
    // start profile far from the engine) the measurement is the better yardstick.
    const normMs = predictedMs > t / 2 && predictedMs < 2 * t ? predictedMs : t;
    for (let j = 0; j < TERMS; j++) this.row[j] = this.row[j]! / (normMs * this.rho[j]!);
    const r = (t - cpuMs) / normMs;
    this.sums.push(this.row, r, obs.weight ?? 1, normMs / t, Math.abs(predictedMs - t) / t);
    this.taken++;
    this.version++;
    this.cached = undefined;
    this.refit();
  }

  /** Takes one inter-token gap (HTTP engines; see {@link TokenGapObservation}). */
  observeTokenGap(gap: TokenGapObservation): void {
    this.observe(fromTokenGap(gap));
  }

  /** The calibrated profile (the start profile until the first observation). Same object until the next observation. */
  profile(): LatencyProfile {
    if (this.version === 0) return this.start;
    this.cached ??= this.build();
    return this.cached;
  }

  stats(): CalibrationStats {
    return {
      version: this.version,
      observations: this.taken,
      windowObservations: this.sums.size,
      scale: this.scale,
      fitError: summarize(this.sums.relativeErrors(this.v)),
      startError: summarize(this.sums.relativeErrors(this.v0)),
      predictionError: summarize(this.sums.predictionErrors()),
    };
  }

  /**
   * Stage 1: the overall factor s, by least squares of the start profile's shape on the window
   * (a uniformly slower or faster engine is recovered from any batch). Stage 2: every term, by
   * least squares with a ridge toward s × start (weight `priorWeight`, measured relative to
   * the rescaled prior so it means the same for an engine 100× slower), in the bounds.
   */
  private refit(): void {
    const { priorWeight, maxScale, maxDeviation } = this.options;
    const a = this.sums.gram;
    const b = this.sums.moment;
    let qq = 0;
    let qr = 0;
    for (let j = 0; j < TERMS; j++) {
      qr += this.v0[j]! * b[j]!;
      for (let k = 0; k < TERMS; k++) qq += this.v0[j]! * a[j]![k]! * this.v0[k]!;
    }
    const fitted = qq > 0 ? qr / qq : 1;
    const s = Math.min(Math.max(fitted, 1 / maxScale), maxScale);
    this.scale = s;
    const lambda = priorWeight / (s * s);
    const h = a.map((rowJ, j) => Float64Array.from(rowJ, (x, k) => (j === k ? x + lambda : x)));
    const g = b.map((x, j) => x + lambda * s * this.v0[j]!);
    const lo = this.v0.map((x) => Math.max(0, s * (x - maxDeviation)));
    const hi = this.v0.map((x) => Math.max(0, s * (x + maxDeviation)));
    this.v = boxQp(h, g, lo, hi, this.v);
  }

  private build(): LatencyProfile {
    const { fitError: _startFit, ...start } = this.start;
    const u = this.v.map((x, j) => x / this.rho[j]!);
    const n = this.sums.size;
    return {
      ...start,
      name: this.options.name ?? `${this.start.name}.calibrated`,
      derived: false,
      provenance: {
        source: `online calibration from profile ${this.start.name}`,
        method:
          'windowed ridge least squares on relative error toward the start profile × a fitted factor, segment slopes and b0, c2, c4 kept ≥ 0',
        notes: `version ${this.version}; ${n} observations in the window (of ${this.taken}); factor ${this.scale.toPrecision(4)} over the start profile`,
      },
      latency: fromSlopes(u, this.start.latency),
    };
  }
}

function summarize(errors: Float64Array): ErrorSummary {
  if (errors.length === 0) return { median: 0, p90: 0, count: 0 };
  errors.sort();
  return {
    median: quantileSorted(errors, 0.5),
    p90: quantileSorted(errors, 0.9),
    count: errors.length,
  };
}
