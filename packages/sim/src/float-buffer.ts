/**
 * An append-only Float32Array that doubles when full: 4 bytes per pooled token gap, so an hour
 * of a busy cluster (millions of gaps) stays in tens of megabytes and percentiles stay exact
 * (float32 keeps ~7 significant digits: well under a microsecond at these magnitudes).
 */
export class FloatBuffer {
  private data: Float32Array;
  private length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float32Array(Math.max(16, initialCapacity));
  }

  get size(): number {
    return this.length;
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** The values in insertion order (a view: valid until the next push). */
  values(): Float32Array {
    return this.data.subarray(0, this.length);
  }

  /** A sorted copy (ascending) of the values. */
  sorted(): Float32Array {
    return this.data.slice(0, this.length).sort();
  }
}
