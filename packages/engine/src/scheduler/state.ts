import type { PrefixCache } from '../kv/prefix-cache.js';
import { copyReq } from './request.js';
import type { Req } from './request.js';

/**
 * The mutable state of one instance's scheduler: queues, KV block count and the batch of the
 * iteration in progress. Plain arrays of flat records so `copy()` is a tight loop.
 */
export class EngineState {
  /** Admitted, prefilling or decoding, in FCFS (arrival) order. */
  running: Req[] = [];
  /** Finished `prefill`/`segment` items holding KV until released. */
  held: Req[] = [];
  /** FCFS queue; live entries are `waiting[waitingHead..]`. */
  waiting: Req[] = [];
  waitingHead = 0;
  /** Every live request (waiting, running, held) by id. */
  byId = new Map<string, Req>();
  usedBlocks = 0;
  /** Cached blocks by hash, when prefix caching is on. */
  cache: PrefixCache | undefined = undefined;

  /** Batch of the iteration being formed or in progress. */
  batch: Req[] = [];
  batchLen = 0;
  prefillTokens = 0;
  prefillAttnWork = 0;
  decodeRequests = 0;
  decodeContextTokens = 0;
  admitted = 0;
  preempted = 0;
  /** Preempted while forming this step, latest admitted first (requeued after the step). */
  preemptedNow: Req[] = [];

  waitingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  waitingPeek(): Req | undefined {
    return this.waiting[this.waitingHead];
  }

  waitingShift(): void {
    this.waitingHead++;
    if (this.waitingHead >= 1024 && this.waitingHead * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  waitingUnshift(r: Req): void {
    if (this.waitingHead > 0) this.waiting[--this.waitingHead] = r;
    else this.waiting.unshift(r);
  }

  /** Live waiting requests in queue order (a new array). */
  waitingList(): Req[] {
    return this.waiting.slice(this.waitingHead);
  }

  /** Removes `r` from the waiting queue; false if absent. */
  waitingRemove(r: Req): boolean {
    const i = this.waiting.indexOf(r, this.waitingHead);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  resetBatch(): void {
    this.batchLen = 0;
    this.prefillTokens = 0;
    this.prefillAttnWork = 0;
    this.decodeRequests = 0;
    this.decodeContextTokens = 0;
    this.admitted = 0;
    this.preempted = 0;
  }

  /** A deep copy (records copied, the batch mapped onto the copies). */
  copy(): EngineState {
    const c = new EngineState();
    const byId = c.byId;
    const dup = (r: Req): Req => {
      const n = copyReq(r);
      byId.set(n.id, n);
      return n;
    };
    c.running = this.running.map(dup);
    c.held = this.held.map(dup);
    c.waiting = this.waitingList().map(dup);
    c.usedBlocks = this.usedBlocks;
    c.cache = this.cache?.copy();
    c.batchLen = this.batchLen;
    for (let i = 0; i < this.batchLen; i++) {
      const r = this.batch[i]!;
      // A request cancelled mid-iteration sits only in the batch (phase `done`).
      c.batch.push(r.phase === 'done' ? copyReq(r) : byId.get(r.id)!);
    }
    c.prefillTokens = this.prefillTokens;
    c.prefillAttnWork = this.prefillAttnWork;
    c.decodeRequests = this.decodeRequests;
    c.decodeContextTokens = this.decodeContextTokens;
    c.admitted = this.admitted;
    c.preempted = this.preempted;
    return c;
  }
}
