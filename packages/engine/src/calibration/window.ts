import { TERMS } from './basis.js';

/**
 * The last `capacity` scaled observations of a calibrator and their weighted normal-equation
 * sums Σ w·z·zᵀ (`gram`) and Σ w·z·r (`moment`), kept up to date as observations enter and
 * leave. The sums are rebuilt from the window every `capacity` evictions so rounding from the
 * subtractions cannot accumulate.
 */
export class WindowSums {
  readonly gram: Float64Array[] = Array.from({ length: TERMS }, () => new Float64Array(TERMS));
  readonly moment = new Float64Array(TERMS);
  private readonly z: Float64Array;
  private readonly r: Float64Array;
  private readonly w: Float64Array;
  private readonly toMeasured: Float64Array;
  private readonly predErr: Float64Array;
  private next = 0;
  private count = 0;
  private evictions = 0;

  constructor(private readonly capacity: number) {
    this.z = new Float64Array(capacity * TERMS);
    this.r = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
    this.toMeasured = new Float64Array(capacity);
    this.predErr = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds an observation: row z and target r (normalised by some time n), weight w, the ratio
   * n / measured time (to report errors relative to the measurement), and its relative
   * prediction error before it was taken.
   */
  push(
    z: ArrayLike<number>,
    r: number,
    w: number,
    toMeasured: number,
    predictionError: number,
  ): void {
    const i = this.next;
    if (this.count === this.capacity) {
      this.accumulate(i, -1);
      this.evictions++;
    } else {
      this.count++;
    }
    for (let j = 0; j < TERMS; j++) this.z[i * TERMS + j] = z[j]!;
    this.r[i] = r;
    this.w[i] = w;
    this.toMeasured[i] = toMeasured;
    this.predErr[i] = predictionError;
    this.next = (i + 1) % this.capacity;
    if (this.evictions >= this.capacity) {
      this.evictions = 0;
      this.rebuild();
    } else {
      this.accumulate(i, 1);
    }
  }

  /** Relative error |predicted − measured| / measured of the profile with scaled coefficients v on every windowed observation. */
  relativeErrors(v: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      let p = 0;
      for (let j = 0; j < TERMS; j++) p += this.z[i * TERMS + j]! * v[j]!;
      out[i] = Math.abs(p - this.r[i]!) * this.toMeasured[i]!;
    }
    return out;
  }

  /** The prediction errors recorded as each windowed observation entered. */
  predictionErrors(): Float64Array {
    return this.predErr.slice(0, this.count);
  }

  private accumulate(i: number, sign: 1 | -1): void {
    const w = sign * this.w[i]!;
    const base = i * TERMS;
    for (let j = 0; j < TERMS; j++) {
      const zj = this.z[base + j]!;
      if (zj === 0) continue;
      this.moment[j]! += w * zj * this.r[i]!;
      const g = this.gram[j]!;
      for (let k = 0; k < TERMS; k++) g[k]! += w * zj * this.z[base + k]!;
    }
  }

  private rebuild(): void {
    for (const g of this.gram) g.fill(0);
    this.moment.fill(0);
    for (let i = 0; i < this.count; i++) this.accumulate(i, 1);
  }
}
