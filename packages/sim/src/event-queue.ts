/**
 * The simulator's agenda: a binary min-heap of events ordered by time, ties broken by a
 * sequence number assigned at insertion (first scheduled, first processed). The order is
 * therefore a pure function of the inputs, which makes runs deterministic for a seed.
 */
export interface QueuedEvent<T> {
  readonly atMs: number;
  readonly seq: number;
  readonly payload: T;
}

export class EventQueue<T> {
  private readonly heap: Array<QueuedEvent<T>> = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, payload: T): void {
    if (!Number.isFinite(atMs)) throw new RangeError(`event time must be finite, got ${atMs}`);
    const heap = this.heap;
    const ev: QueuedEvent<T> = { atMs, seq: this.nextSeq++, payload };
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(ev, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  pop(): QueuedEvent<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before<T>(a: QueuedEvent<T>, b: QueuedEvent<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
