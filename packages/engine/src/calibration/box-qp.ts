import { solveSymmetric } from '../latency/lsq.js';

/**
 * Minimises ½·vᵀHv − gᵀv subject to lo ≤ v ≤ hi, for a small symmetric positive-definite H
 * (the calibrator's ridge keeps it so), by a primal active-set method: solve for the free
 * unknowns with the others pinned at a bound; step to the first bound crossed and pin it; when
 * the free solution is feasible, release the pinned unknown whose gradient points most into
 * the box; stop when none does. Starts from `start` clipped into the box. Exact in finitely many
 * steps for a strictly convex problem; `maxSteps` guards against cycling on degenerate input.
 */
export function boxQp(
  h: ReadonlyArray<ArrayLike<number>>,
  g: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  start: ArrayLike<number>,
  maxSteps = 100,
): Float64Array {
  const n = g.length;
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = Math.min(Math.max(start[j]!, lo[j]!), hi[j]!);
  const pinned = new Array<boolean>(n).fill(false);
  for (let step = 0; step < maxSteps; step++) {
    const target = solveFree(h, g, v, pinned);
    let alpha = 1;
    let hit = -1;
    let hitBound = 0;
    for (let j = 0; j < n; j++) {
      if (pinned[j]) continue;
      const d = target[j]! - v[j]!;
      if (d === 0) continue;
      const bound = d > 0 ? hi[j]! : lo[j]!;
      const a = (bound - v[j]!) / d;
      if (a < alpha) {
        alpha = Math.max(a, 0);
        hit = j;
        hitBound = bound;
      }
    }
    for (let j = 0; j < n; j++) if (!pinned[j]) v[j]! += alpha * (target[j]! - v[j]!);
    if (hit >= 0) {
      v[hit] = hitBound;
      pinned[hit] = true;
      continue;
    }
    const release = mostViolated(h, g, v, pinned, lo, hi);
    if (release < 0) return v;
    pinned[release] = false;
  }
  return v;
}

/** The minimiser over the free unknowns with the pinned ones held at their values in `v`. */
function solveFree(
  h: ReadonlyArray<ArrayLike<number>>,
  g: ArrayLike<number>,
  v: Float64Array,
  pinned: readonly boolean[],
): Float64Array {
  const free: number[] = [];
  for (let j = 0; j < g.length; j++) if (!pinned[j]) free.push(j);
  const mat = free.map((r) => free.map((c) => h[r]![c]!));
  const rhs = free.map((r) => {
    let s = g[r]!;
    for (let c = 0; c < g.length; c++) if (pinned[c]) s -= h[r]![c]! * v[c]!;
    return s;
  });
  const y = solveSymmetric(mat, rhs);
  const out = Float64Array.from(v);
  free.forEach((j, i) => (out[j] = y[i]!));
  return out;
}

/** The pinned unknown whose objective gradient most wants it back inside the box, or −1. */
function mostViolated(
  h: ReadonlyArray<ArrayLike<number>>,
  g: ArrayLike<number>,
  v: Float64Array,
  pinned: readonly boolean[],
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
): number {
  let best = -1;
  let worst = 1e-12;
  for (let j = 0; j < g.length; j++) {
    if (!pinned[j] || lo[j] === hi[j]) continue;
    let grad = -g[j]!;
    for (let k = 0; k < g.length; k++) grad += h[j]![k]! * v[k]!;
    // At the lower bound a negative gradient means "increase"; at the upper, a positive one.
    const want = v[j] === lo[j] ? -grad : v[j] === hi[j] ? grad : Math.abs(grad);
    if (want > worst) {
      worst = want;
      best = j;
    }
  }
  return best;
}
