import type { SimInstance, WorkItem } from '@adagen/engine';
import type { Addition } from './types.js';

/** Work that reaches the instance at `atMs` (enqueued only once simulated time gets there). */
export interface Arrival {
  item: WorkItem;
  atMs: number;
}

/**
 * Work due to reach an instance, in time order. A decode hand-off for a request whose prefill
 * or segment is still on the same instance waits until that part is done (then its held KV is
 * released first), as the simulator's hand-off does.
 */
export class ArrivalQueue {
  private items: Arrival[];
  private deferred: Arrival[] = [];

  constructor(items: readonly Arrival[] = []) {
    this.items = [...items].sort((a, b) => a.atMs - b.atMs);
  }

  get size(): number {
    return this.items.length + this.deferred.length;
  }

  /** The earliest time something may arrive (Infinity if nothing). */
  nextAtMs(): number {
    return this.items[0]?.atMs ?? (this.deferred.length > 0 ? -Infinity : Infinity);
  }

  add(a: Arrival): void {
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.atMs > a.atMs) i--;
    this.items.splice(i, 0, a);
  }

  copy(): ArrivalQueue {
    const q = new ArrivalQueue();
    q.items = this.items.slice();
    q.deferred = this.deferred.slice();
    return q;
  }

  /** Enqueues into `inst` everything due at or before `t`. */
  deliver(inst: SimInstance, t: number): void {
    if (this.deferred.length > 0) {
      const again = this.deferred;
      this.deferred = [];
      for (const a of again) this.place(inst, a, t);
    }
    let n = 0;
    while (n < this.items.length && this.items[n]!.atMs <= t) n++;
    if (n === 0) return;
    const due = this.items.slice(0, n);
    this.items = this.items.slice(n);
    for (const a of due) this.place(inst, a, a.atMs);
  }

  private place(inst: SimInstance, a: Arrival, t: number): void {
    const phase = inst.phaseOf(a.item.id);
    if (phase === 'held') inst.release(a.item.id);
    else if (phase !== undefined) {
      this.deferred.push(a);
      return;
    }
    inst.enqueue(a.item, Math.max(a.atMs, t));
  }
}

export interface ForwardLimits {
  /** Stop once this many iterations ran. */
  maxIterations: number;
  /** Do not start iterations at or after this virtual time. */
  untilMs: number;
  /**
   * What `untilMs` bounds. `start` (the default): only the start of an iteration; one started
   * before `untilMs` runs to its end, and arrivals after `untilMs` may already be enqueued.
   * `end`: the instance as it is at `untilMs` — an iteration ending after it is left running,
   * nothing arriving after it is let in, and everything due by it is delivered.
   */
  stop?: 'start' | 'end';
}

/**
 * Runs `inst` forward iteration by iteration, delivering `arrivals` when simulated time reaches
 * them, until `goal()` holds, no work is left, or a limit is hit. Returns the iterations run and
 * whether the goal was reached. `arrivals` is consumed.
 */
export function runForward(
  inst: SimInstance,
  arrivals: ArrivalQueue,
  goal: () => boolean,
  limits: ForwardLimits,
): { iterations: number; reachedGoal: boolean } {
  const { untilMs } = limits;
  const atEnd = limits.stop === 'end';
  let iterations = 0;
  const stop = (reachedGoal: boolean) => {
    if (atEnd) arrivals.deliver(inst, untilMs);
    return { iterations, reachedGoal };
  };
  for (;;) {
    if (goal()) return stop(true);
    const busyUntil = inst.busyUntilMs();
    if (busyUntil !== undefined) {
      if (atEnd && busyUntil > untilMs) return stop(false);
      inst.finishIteration();
      iterations++;
      arrivals.deliver(inst, inst.clockMs);
      continue;
    }
    if (iterations >= limits.maxIterations) return stop(false);
    let t = inst.clockMs;
    if (atEnd && t >= untilMs) return stop(false);
    arrivals.deliver(inst, t);
    if (!inst.hasWork()) {
      const next = arrivals.nextAtMs();
      if (atEnd ? !(next < untilMs) : !Number.isFinite(next)) return stop(goal());
      t = Math.max(t, next);
      arrivals.deliver(inst, t);
    }
    if (t >= untilMs) return stop(false);
    if (inst.startIteration(t) === undefined) {
      // Nothing runnable yet (the head waits for KV only an arrival can free, or not here yet).
      if (atEnd) return stop(false);
      const next = arrivals.nextAtMs();
      if (!Number.isFinite(next) || next <= t) return stop(goal());
      arrivals.deliver(inst, next);
      if (inst.startIteration(next) === undefined) return stop(goal());
    }
  }
}

/** The engine work item for an addition (its prediction carried as metadata). */
export function additionItem(add: Addition): WorkItem {
  const meta = {
    predictedOutputTokens: add.outputTokens,
    originArrivalMs: add.originArrivalMs ?? add.arrivalMs,
    ...(add.maxTokens === undefined ? {} : { maxTokens: add.maxTokens }),
  };
  const prefix =
    add.cachedTokens !== undefined && add.cachedTokens > 0
      ? { prefix: { assumedCachedTokens: add.cachedTokens } }
      : {};
  switch (add.role) {
    case 'full':
      return {
        kind: 'full',
        id: add.id,
        promptTokens: add.promptTokens,
        outputTokens: Math.max(1, add.outputTokens),
        meta,
        ...prefix,
      };
    case 'prefill':
      return { kind: 'prefill', id: add.id, promptTokens: add.promptTokens, meta, ...prefix };
    case 'decode': {
      const g = add.generatedTokens ?? 1;
      return {
        kind: 'decode',
        id: add.id,
        promptTokens: add.promptTokens,
        outputTokens: Math.max(add.outputTokens, g + 1),
        generatedTokens: g,
        meta,
      };
    }
    case 'segment':
      return {
        kind: 'segment',
        id: add.id,
        promptTokens: add.promptTokens,
        startToken: add.startToken ?? 0,
        endToken: add.endToken ?? add.promptTokens,
        meta,
      };
  }
}
