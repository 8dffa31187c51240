/** Pairs of benchmark runs made back to back (bench:scale's replica section). */

/**
 * The 2-to-1 ratio of each pair of runs made back to back (runs 0 and 1, 2 and 3, … in run
 * order; a pair of one count is skipped). This box's speed drifts over minutes (one replica:
 * 187–392 decisions/s in a morning), more than a peer costs, so a pair shares most of the drift
 * that the pooled ratio mixes in; their spread says how far one pooled figure can be trusted.
 */
export function pairedRatios(runs: ReadonlyArray<{ replicas: number; perS: number }>): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const [a, b] = [runs[i]!, runs[i + 1]!];
    if (a.replicas === b.replicas || ![1, 2].includes(a.replicas) || ![1, 2].includes(b.replicas))
      continue;
    const [one, two] = a.replicas === 1 ? [a, b] : [b, a];
    out.push(two.perS / one.perS);
  }
  return out;
}
