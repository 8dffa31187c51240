import { describe, expect, it } from 'vitest';
import { createRng } from '@adagen/stats';
import { boxQp } from './box-qp.js';

/** ½vᵀHv − gᵀv */
function objective(h: number[][], g: number[], v: ArrayLike<number>): number {
  let f = 0;
  for (let i = 0; i < g.length; i++) {
    f -= g[i]! * v[i]!;
    for (let j = 0; j < g.length; j++) f += 0.5 * v[i]! * h[i]![j]! * v[j]!;
  }
  return f;
}

describe('boxQp', () => {
  it('returns the unconstrained minimiser when it is inside the box', () => {
    const v = boxQp(
      [
        [2, 0],
        [0, 4],
      ],
      [2, 8],
      [-10, -10],
      [10, 10],
      [0, 0],
    );
    expect([...v]).toEqual([1, 2]);
  });

  it('pins at the bound and re-solves the rest (coupled unknowns)', () => {
    // Unconstrained minimiser of H = [[2,1],[1,2]], g = [-3, 3] is (-3, 3); with v ≥ 0 the
    // first is pinned at 0 and the second minimises 2·v²/2 − 3·v → 1.5.
    const v = boxQp(
      [
        [2, 1],
        [1, 2],
      ],
      [-3, 3],
      [0, 0],
      [10, 10],
      [5, 5],
    );
    expect(v[0]).toBe(0);
    expect(v[1]).toBeCloseTo(1.5, 12);
  });

  it('is no worse than any feasible point on random 6-unknown problems', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 50; trial++) {
      const a = Array.from({ length: 8 }, () =>
        Array.from({ length: 6 }, () => rng.next() * 2 - 1),
      );
      const h = Array.from({ length: 6 }, (_, i) =>
        Array.from(
          { length: 6 },
          (_, j) => a.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? 0.01 : 0),
        ),
      );
      const g = Array.from({ length: 6 }, () => rng.next() * 4 - 2);
      const lo = Array.from({ length: 6 }, () => -rng.next());
      const hi = Array.from({ length: 6 }, () => rng.next());
      const v = boxQp(h, g, lo, hi, new Array<number>(6).fill(0));
      for (let j = 0; j < 6; j++) {
        expect(v[j]).toBeGreaterThanOrEqual(lo[j]!);
        expect(v[j]).toBeLessThanOrEqual(hi[j]!);
      }
      const best = objective(h, g, v);
      for (let k = 0; k < 200; k++) {
        const u = lo.map((l, j) => l + rng.next() * (hi[j]! - l));
        expect(objective(h, g, u)).toBeGreaterThanOrEqual(best - 1e-9);
      }
    }
  });
});
