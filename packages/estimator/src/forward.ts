import type { SimInstance, WorkItem } from '@adagen/engine';
import type { Addition } from './types.js';

/** Work that reaches the instance at `atMs` (enqueued only once simulated time gets there). */
export interface Arrival {
  item: WorkItem;
  atMs: number;
}

export interface ForwardLimits {
  /** Stop once this many iterations ran. */
  maxIterations: number;
  /** Do not start iterations at or after this virtual time. */
  untilMs: number;
}

/**
 * Runs `inst` forward iteration by iteration, enqueuing `arrivals` (sorted by `atMs`) when
 * simulated time reaches them, until `goal()` holds, no work is left, or a limit is hit.
 * Returns the iterations run and whether the goal was reached.
 */
export function runForward(
  inst: SimInstance,
  arrivals: readonly Arrival[],
  goal: () => boolean,
  limits: ForwardLimits,
): { iterations: number; reachedGoal: boolean } {
  let next = 0;
  let iterations = 0;
  const enqueueDue = (t: number): void => {
    while (next < arrivals.length && arrivals[next]!.atMs <= t) {
      const a = arrivals[next++]!;
      inst.enqueue(a.item, a.atMs);
    }
  };
  for (;;) {
    if (goal()) return { iterations, reachedGoal: true };
    const busyUntil = inst.busyUntilMs();
    if (busyUntil !== undefined) {
      enqueueDue(busyUntil);
      inst.finishIteration();
      iterations++;
      continue;
    }
    if (iterations >= limits.maxIterations) return { iterations, reachedGoal: false };
    let t = inst.clockMs;
    enqueueDue(t);
    if (!inst.hasWork()) {
      if (next >= arrivals.length) return { iterations, reachedGoal: goal() };
      t = arrivals[next]!.atMs;
      enqueueDue(t);
    }
    if (t >= limits.untilMs) return { iterations, reachedGoal: false };
    if (inst.startIteration(t) === undefined) {
      // Nothing runnable yet (e.g. the head waits for KV that only an arrival can change).
      if (next >= arrivals.length) return { iterations, reachedGoal: goal() };
      const at = arrivals[next]!.atMs;
      enqueueDue(at);
      if (inst.startIteration(at) === undefined) return { iterations, reachedGoal: goal() };
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
  switch (add.role) {
    case 'full':
      return {
        kind: 'full',
        id: add.id,
        promptTokens: add.promptTokens,
        outputTokens: Math.max(1, add.outputTokens),
        meta,
      };
    case 'prefill':
      return { kind: 'prefill', id: add.id, promptTokens: add.promptTokens, meta };
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
