/** A fixed ring of the latest iterations (start, duration, prefill tokens, decodes). */
export class RecentIterations {
  private readonly data: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(Math.max(0, capacity) * 4);
  }

  push(startMs: number, durationMs: number, prefillTokens: number, decodeRequests: number): void {
    if (this.capacity === 0) return;
    const o = this.next * 4;
    this.data[o] = startMs;
    this.data[o + 1] = durationMs;
    this.data[o + 2] = prefillTokens;
    this.data[o + 3] = decodeRequests;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first. */
  list(): Array<{
    startMs: number;
    durationMs: number;
    prefillTokens: number;
    decodeRequests: number;
  }> {
    const out = [];
    for (let i = 0; i < this.count; i++) {
      const o = ((this.next - this.count + i + this.capacity) % this.capacity) * 4;
      out.push({
        startMs: this.data[o]!,
        durationMs: this.data[o + 1]!,
        prefillTokens: this.data[o + 2]!,
        decodeRequests: this.data[o + 3]!,
      });
    }
    return out;
  }

  copy(): RecentIterations {
    const c = new RecentIterations(this.capacity);
    c.data.set(this.data);
    c.next = this.next;
    c.count = this.count;
    return c;
  }
}
