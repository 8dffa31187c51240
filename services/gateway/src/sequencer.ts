/**
 * Puts one attempt's token chunks in `seq` order and hands each on exactly once: a repeat is
 * dropped, an early chunk waits for the ones before it. What is still missing is reported, so the
 * flight can give up on a gap that does not fill.
 */
import type { TokenChunk } from '@adagen/protocol';

export type PushResult = 'delivered' | 'buffered' | 'duplicate';

export class ChunkSequencer {
  /** The next `seq` to hand on (chunks 0 … next − 1 were delivered). */
  next = 0;
  private readonly early = new Map<number, TokenChunk>();

  constructor(private readonly deliver: (chunk: TokenChunk) => void) {}

  push(chunk: TokenChunk): PushResult {
    if (chunk.seq < this.next || this.early.has(chunk.seq)) return 'duplicate';
    if (chunk.seq > this.next) {
      this.early.set(chunk.seq, chunk);
      return 'buffered';
    }
    this.deliver(chunk);
    this.next += 1;
    for (let c = this.early.get(this.next); c !== undefined; c = this.early.get(this.next)) {
      this.early.delete(this.next);
      this.deliver(c);
      this.next += 1;
    }
    return 'delivered';
  }

  /** Chunks received out of order, waiting for an earlier one. */
  get waiting(): number {
    return this.early.size;
  }

  /** Whether chunks 0 … `chunks` − 1 have all been delivered. */
  complete(chunks: number): boolean {
    return this.next >= chunks;
  }

  reset(): void {
    this.next = 0;
    this.early.clear();
  }
}
