/**
 * The last `capacity` values of a stream, kept both in arrival order (to evict the oldest) and
 * sorted (to read quantiles in O(1)). Insert and evict are O(capacity) array moves, which is
 * cheap for the few hundred values a window holds.
 */
export class SlidingQuantiles {
  private readonly ring: Float64Array;
  private readonly sorted: number[] = [];
  private head = 0;
  private count = 0;
  private sum = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.ring = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(value: number): void {
    if (this.count === this.capacity) {
      const oldest = this.ring[this.head]!;
      this.sorted.splice(lowerBound(this.sorted, oldest), 1);
      this.sum -= oldest;
    } else {
      this.count++;
    }
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    this.sorted.splice(lowerBound(this.sorted, value), 0, value);
    this.sum += value;
  }

  /** Interpolated q-quantile of the window; NaN when empty. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
    const lo = Math.floor(pos);
    const a = this.sorted[lo]!;
    const frac = pos - lo;
    return frac === 0 ? a : a + (this.sorted[lo + 1]! - a) * frac;
  }

  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
}

function lowerBound(xs: readonly number[], value: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
