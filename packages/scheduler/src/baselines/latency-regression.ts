/**
 * An online latency regression in the manner of the Gateway API Inference Extension's latency
 * predictor (its `bayesian_ridge` model type; PEERS.md, GIE proposal "SLO-Aware Routing with
 * Latency Prediction"): samples (features observed when a request was routed, latency observed
 * when it finished) go into a bounded window; every `retrainEvery` new samples the model is refit
 * on the window — standardised features, ridge regression — and a quantile prediction is the mean
 * prediction plus that quantile of the window's residuals (GIE predicts p90; the newer predictor
 * calibrates its quantiles the same, conformal way). Until the first fit it predicts nothing.
 * Pure and deterministic.
 */

export interface LatencyRegressionOptions {
  /** Most recent samples the fit uses. @default 5000 (GIE's max training data per bucket) */
  windowSize?: number;
  /** Refit after this many new samples. @default 100 (GIE's LATENCY_MIN_SAMPLES_FOR_RETRAIN) */
  retrainEvery?: number;
  /** Ridge penalty on the standardised coefficients. @default 1 */
  ridge?: number;
  /** Quantile predicted. @default 0.9 */
  quantile?: number;
}

interface Fit {
  mean: Float64Array;
  scale: Float64Array;
  weights: Float64Array;
  intercept: number;
  residualQuantile: number;
}

export class OnlineLatencyRegression {
  private readonly windowSize: number;
  private readonly retrainEvery: number;
  private readonly ridge: number;
  private readonly quantile: number;
  private readonly xs: Float64Array[] = [];
  private readonly ys: number[] = [];
  private next = 0;
  private sinceFit = 0;
  private fit: Fit | undefined;
  /** Samples taken since creation. */
  samples = 0;
  /** Fits performed. */
  fits = 0;

  constructor(
    readonly features: number,
    options: LatencyRegressionOptions = {},
  ) {
    this.windowSize = options.windowSize ?? 5000;
    this.retrainEvery = options.retrainEvery ?? 100;
    this.ridge = options.ridge ?? 1;
    this.quantile = options.quantile ?? 0.9;
    if (!Number.isInteger(features) || features < 1) {
      throw new RangeError(`features must be a positive integer, got ${features}`);
    }
    if (!Number.isInteger(this.windowSize) || this.windowSize < 2) {
      throw new RangeError(`windowSize must be an integer ≥ 2, got ${this.windowSize}`);
    }
    if (!Number.isInteger(this.retrainEvery) || this.retrainEvery < 1) {
      throw new RangeError(`retrainEvery must be a positive integer, got ${this.retrainEvery}`);
    }
    if (!(this.quantile > 0 && this.quantile < 1)) {
      throw new RangeError(`quantile must be in (0, 1), got ${this.quantile}`);
    }
  }

  /** Takes one observed sample; refits every `retrainEvery` samples. */
  add(x: readonly number[], y: number): void {
    if (x.length !== this.features) {
      throw new RangeError(`expected ${this.features} features, got ${x.length}`);
    }
    if (!Number.isFinite(y) || x.some((v) => !Number.isFinite(v))) return;
    const row = Float64Array.from(x);
    if (this.xs.length < this.windowSize) {
      this.xs.push(row);
      this.ys.push(y);
    } else {
      this.xs[this.next] = row;
      this.ys[this.next] = y;
      this.next = (this.next + 1) % this.windowSize;
    }
    this.samples++;
    if (++this.sinceFit >= this.retrainEvery) {
      this.sinceFit = 0;
      this.refit();
    }
  }

  /** True once a model was fitted. */
  get ready(): boolean {
    return this.fit !== undefined;
  }

  /** The predicted quantile for `x` (≥ 0), or undefined before the first fit. */
  predict(x: readonly number[]): number | undefined {
    const f = this.fit;
    if (f === undefined) return undefined;
    let y = f.intercept;
    for (let j = 0; j < this.features; j++) {
      y += (f.weights[j]! * (x[j]! - f.mean[j]!)) / f.scale[j]!;
    }
    return Math.max(0, y + f.residualQuantile);
  }

  private refit(): void {
    const n = this.xs.length;
    const d = this.features;
    const mean = new Float64Array(d);
    const scale = new Float64Array(d);
    let yMean = 0;
    for (let i = 0; i < n; i++) {
      yMean += this.ys[i]!;
      for (let j = 0; j < d; j++) mean[j]! += this.xs[i]![j]!;
    }
    yMean /= n;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) scale[j]! += (this.xs[i]![j]! - mean[j]!) ** 2;
    }
    for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]! / n) || 1;
    // Normal equations on standardised features, centred target: (ZᵀZ + λI) w = Zᵀy.
    const a = Array.from({ length: d }, () => new Float64Array(d + 1));
    const z = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) z[j] = (this.xs[i]![j]! - mean[j]!) / scale[j]!;
      const y = this.ys[i]! - yMean;
      for (let j = 0; j < d; j++) {
        const row = a[j]!;
        for (let k = 0; k < d; k++) row[k]! += z[j]! * z[k]!;
        row[d]! += z[j]! * y;
      }
    }
    for (let j = 0; j < d; j++) a[j]![j]! += this.ridge;
    const weights = solve(a, d);
    const fit: Fit = { mean, scale, weights, intercept: yMean, residualQuantile: 0 };
    this.fit = fit;
    const residuals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let y = yMean;
      for (let j = 0; j < d; j++) y += (weights[j]! * (this.xs[i]![j]! - mean[j]!)) / scale[j]!;
      residuals[i] = this.ys[i]! - y;
    }
    residuals.sort();
    fit.residualQuantile = residuals[Math.min(n - 1, Math.floor(this.quantile * n))]!;
    this.fits++;
  }
}

/** Gaussian elimination with partial pivoting on an augmented d × (d+1) system. */
function solve(a: Float64Array[], d: number): Float64Array {
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pivot = a[c]![c]!;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k <= d; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return Float64Array.from({ length: d }, (_, j) => {
    const pivot = a[j]![j]!;
    return Math.abs(pivot) < 1e-12 ? 0 : a[j]![d]! / pivot;
  });
}
