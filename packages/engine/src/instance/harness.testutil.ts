// Test helpers: random workloads and an observer that records every event.
import { createRng, interArrivalMs } from '@adagen/stats';
import type { InstanceObserver, IterationReport, WorkItem } from '../types.js';

export interface Arrival {
  item: WorkItem & { kind: 'full' };
  atMs: number;
}

/** Poisson arrivals of `full` requests with uniform prompt/output lengths. */
export function randomArrivals(
  seed: number,
  n: number,
  opts: { ratePerS?: number; maxPrompt?: number; maxOutput?: number } = {},
): Arrival[] {
  const rng = createRng(seed);
  const out: Arrival[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += interArrivalMs(rng, opts.ratePerS ?? 20, 1);
    out.push({
      atMs: t,
      item: {
        kind: 'full',
        id: `r${i}`,
        promptTokens: 1 + rng.int(opts.maxPrompt ?? 2000),
        outputTokens: 1 + rng.int(opts.maxOutput ?? 200),
      },
    });
  }
  return out;
}

/** Records events; `log` is a flat text trace for equality checks. */
export class Recorder implements InstanceObserver {
  readonly log: string[] = [];
  readonly iterations: IterationReport[] = [];
  readonly tokens = new Map<string, number[]>();
  readonly tokenTimes = new Map<string, number[]>();
  readonly admitted: string[] = [];
  readonly finished = new Map<string, number>();
  readonly preempted: string[] = [];
  readonly prefillDone = new Map<string, number>();
  readonly rejected: string[] = [];
  readonly chunkTokens = new Map<string, number>();

  onIteration(r: IterationReport): void {
    this.iterations.push(r);
    this.log.push(
      `it ${r.index} ${r.startMs} ${r.durationMs} ${r.prefillTokens} ${r.decodeRequests}`,
    );
    for (const c of r.chunks ?? []) {
      this.chunkTokens.set(c.id, (this.chunkTokens.get(c.id) ?? 0) + c.prefillTokens);
    }
  }
  onAdmitted(id: string, atMs: number): void {
    this.admitted.push(id);
    this.log.push(`adm ${id} ${atMs}`);
  }
  onToken(id: string, index: number, atMs: number): void {
    let list = this.tokens.get(id);
    if (!list) {
      list = [];
      this.tokens.set(id, list);
      this.tokenTimes.set(id, []);
    }
    list.push(index);
    this.tokenTimes.get(id)!.push(atMs);
    this.log.push(`tok ${id} ${index} ${atMs}`);
  }
  onPrefillDone(id: string, atMs: number, kvTokens: number): void {
    this.prefillDone.set(id, kvTokens);
    this.log.push(`pd ${id} ${atMs} ${kvTokens}`);
  }
  onFinished(id: string, atMs: number): void {
    this.finished.set(id, atMs);
    this.log.push(`fin ${id} ${atMs}`);
  }
  onPreempted(id: string, atMs: number): void {
    this.preempted.push(id);
    this.log.push(`pre ${id} ${atMs}`);
  }
  onRejected(id: string, atMs: number, reason: string): void {
    this.rejected.push(id);
    this.log.push(`rej ${id} ${atMs} ${reason}`);
  }
}

/** Drives an instance through arrivals: runs until each arrival, enqueues it, then drains. */
export function drive(
  inst: {
    runUntil(t: number): number;
    enqueue(item: WorkItem, atMs: number): void;
    runToCompletion(): number;
  },
  arrivals: ReadonlyArray<Arrival>,
): void {
  for (const a of arrivals) {
    inst.runUntil(a.atMs);
    inst.enqueue(a.item, a.atMs);
  }
  inst.runToCompletion();
}
