/** Shared helpers for score-based balancers. */
import type { Classification, ClusterView, InstanceView, Placement } from '../types.js';
import { readyIndices } from './signals.js';

/**
 * Index of the ready instance with the lexicographically smallest score tuple; ties go to the
 * lower index, so a decision is a pure function of the view.
 */
export function argminReady(
  view: ClusterView,
  score: (instance: InstanceView) => readonly number[],
): { index: number; candidates: number } {
  const ready = readyIndices(view.instances);
  let best = ready[0]!;
  let bestScore = score(view.instances[best]!);
  for (let k = 1; k < ready.length; k++) {
    const i = ready[k]!;
    const s = score(view.instances[i]!);
    if (lexLess(s, bestScore)) {
      best = i;
      bestScore = s;
    }
  }
  return { index: best, candidates: ready.length };
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return true;
    if (x > y) return false;
  }
  return false;
}

export function placementOn(
  classification: Classification,
  view: ClusterView,
  index: number,
  candidates: number,
): Placement {
  return { classification, instanceId: view.instances[index]!.id, candidates };
}
