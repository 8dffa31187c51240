/** Picking among equal scores with a seeded generator (the peers' pickers break ties at random). */
import type { Rng } from '@adagen/stats';

/** Index into `scores` of the smallest value; equal values (within 1e-12) drawn at random. */
export function argminRandomTies(scores: readonly number[], rng: Rng): number {
  let best = Number.POSITIVE_INFINITY;
  let ties = 0;
  let pick = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < best - 1e-12) {
      best = s;
      ties = 1;
      pick = i;
    } else if (Math.abs(s - best) <= 1e-12) {
      // Reservoir sampling: each tied index ends up chosen with probability 1 / ties.
      ties++;
      if (rng.int(ties) === 0) pick = i;
    }
  }
  return pick;
}
