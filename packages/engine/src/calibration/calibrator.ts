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
  /** The recent-speed factor the profile includes (1: the engine runs as the window says). */
  level: number;
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
 * behaves the same whether the start profile is 1.2× or 30× off. The terms (see `basis.ts`) are
 * b0, a slope per token segment from the first token (m0, then m0+b1, … at each knot), c2, c4
 * and the CPU time per sequence; all stay ≥ 0 and within `maxDeviation` of the rescaled prior.
 * Knots and the fixed CPU time are the start profile's.
 *
 * Two things make it hold up on a shared, noisy machine. Each observation is Huber-weighted by
 * its prediction error when it arrived (an iteration stalled by another process counts for
 * less); and, optionally (`levelSmoothing`), the profile is the window's fit times a recent-speed
 * factor: the smoothed ratio measured / fitted of the latest iterations, applied once it
 * exceeds what noise explains — an engine slowed down for a while is predicted at its current
 * speed (when the profile reaches the estimators that often).
 * Cost: about 15 µs per observation (an 8-unknown bounded solve), `stats()` O(window).
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
  /** Smoothed log(measured / fitted) of the latest observations. */
  private logLevel = 0;
  /** Running σ of the relative prediction errors (from their median absolute value). */
  private noise = 0;
  private medianAbsError = 0;
  private version = 0;
  private taken = 0;
  private cached: LatencyProfile | undefined;

  /** @throws CalibrationError naming a bad option; RangeError for an unusable start profile. */
  constructor(start: LatencyProfile, options: CalibratorOptionsInput = {}) {
    this.start = start;
    this.options = resolveCalibratorOptions(options);
    this.rho = termScales(start);
    const u0 = toSlopes(start);
    this.v0 = u0.map((u, j) => u * this.rho[j]!);
    this.v = Float64Array.from(this.v0);
    this.sums = new WindowSums(this.options.windowSize);
  }

  /** Takes one observed iteration and refits. @throws CalibrationError naming a bad field. */
  observe(obs: IterationObservation): void {
    checkObservation(obs);
    const t = obs.durationMs;
    const fixedMs = this.start.cpuOverhead.fixedMs;
    slopeFeatures(obs, this.start.latency.knots, this.row);
    let shapeMs = fixedMs;
    for (let j = 0; j < TERMS; j++) shapeMs += (this.row[j]! * this.v[j]!) / this.rho[j]!;
    const predictedMs = shapeMs * this.levelFactor();
    // Residuals are relative to the current prediction, not to the measurement: a weight that
    // depends on the measured time favours the short (noise-shrunk) ones and biases the fit low
    // by about 1.5·σ² under lognormal noise. While the prediction is off by more than 2× (a
    // start profile far from the engine) the measurement is the better yardstick.
    const normMs = shapeMs > t / 2 && shapeMs < 2 * t ? shapeMs : t;
    for (let j = 0; j < TERMS; j++) this.row[j] = this.row[j]! / (normMs * this.rho[j]!);
    const r = (t - fixedMs) / normMs;
    // Huber weight on the relative error of the prediction (recent-speed factor included): an
    // iteration far off what the engine has been doing lately — stalled by something else on
    // the machine — weighs k·σ/|error| instead of 1. σ is a running mean absolute error.
    const error = (predictedMs - t) / t;
    const { huber, levelSmoothing: alpha } = this.options;
    let robust = 1;
    if (huber > 0 && this.taken >= ROBUST_FROM) {
      const delta = huber * Math.max(this.noise, HUBER_FLOOR);
      if (Math.abs(error) > delta) robust = delta / Math.abs(error);
    }
    // σ from a running median of |error| (a multiplicative step up or down toward it), which
    // the stalled iterations themselves do not inflate.
    const absError = Math.min(Math.abs(error), 1);
    if (this.taken === 0) this.medianAbsError = absError;
    else this.medianAbsError *= absError > this.medianAbsError ? MEDIAN_STEP : 1 / MEDIAN_STEP;
    this.medianAbsError = Math.max(this.medianAbsError, 1e-6);
    this.noise = MAD_TO_SIGMA * this.medianAbsError;
    this.sums.push(this.row, r, (obs.weight ?? 1) * robust, normMs / t, Math.abs(error));
    // The engine's recent speed against the fit (contention by other work on the machine).
    if (alpha > 0 && shapeMs > 0) {
      const q = Math.min(Math.max(Math.log(t / shapeMs), -MAX_LOG_LEVEL), MAX_LOG_LEVEL);
      this.logLevel += alpha * (q - this.logLevel);
    }
    this.taken++;
    this.version++;
    this.cached = undefined;
    this.refit();
  }

  /**
   * The recent-speed factor applied to the fit: the smoothed log ratio measured / fitted of the
   * latest iterations, shrunk toward 0 by twice what independent noise would give it
   * (σ·√(α/(2−α)), σ the running robust spread of the prediction errors) — so an engine whose
   * iterations only scatter keeps factor 1, and one slowed for a while by other work on the
   * machine is predicted at its current speed.
   */
  private levelFactor(): number {
    const alpha = this.options.levelSmoothing;
    if (alpha === 0 || this.taken < ROBUST_FROM) return 1;
    const threshold = 2 * this.noise * Math.sqrt(alpha / (2 - alpha));
    const x = Math.abs(this.logLevel) - threshold;
    return x <= 0 ? 1 : Math.exp(Math.sign(this.logLevel) * x);
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
      level: this.levelFactor(),
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
    const level = this.levelFactor();
    const u = this.v.map((x, j) => (level * x) / this.rho[j]!);
    const n = this.sums.size;
    const { latency, cpuOverhead } = fromSlopes(u, this.start);
    return {
      ...start,
      name: this.options.name ?? `${this.start.name}.calibrated`,
      derived: false,
      provenance: {
        source: `online calibration from profile ${this.start.name}`,
        method:
          'windowed ridge least squares (Huber-weighted) on relative error toward the start profile × a fitted factor, every segment slope (from the first token), b0, c2, c4 and the per-sequence time kept ≥ 0, times the recent-speed factor',
        notes: `version ${this.version}; ${n} observations in the window (of ${this.taken}); factor ${this.scale.toPrecision(4)} over the start profile; recent-speed factor ${level.toPrecision(4)}`,
      },
      latency,
      cpuOverhead: { fixedMs: level * cpuOverhead.fixedMs, perSeqMs: cpuOverhead.perSeqMs },
    };
  }
}

/** Observations before errors are reweighted and the recent-speed factor applies. */
const ROBUST_FROM = 16;
/** The recent-speed factor stays within e^±this (×/÷ 8) of the fit. */
const MAX_LOG_LEVEL = Math.log(8);
/** Smallest σ of the relative errors the Huber threshold uses (noiseless data would weigh 0). */
const HUBER_FLOOR = 0.01;
/** Multiplicative step of the running median of |error| per observation. */
const MEDIAN_STEP = 1.05;
/** σ of a normal distribution over its median absolute deviation. */
const MAD_TO_SIGMA = 1.4826;

function summarize(errors: Float64Array): ErrorSummary {
  if (errors.length === 0) return { median: 0, p90: 0, count: 0 };
  errors.sort();
  return {
    median: quantileSorted(errors, 0.5),
    p90: quantileSorted(errors, 0.9),
    count: errors.length,
  };
}
