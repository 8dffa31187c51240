import { describe, expect, it } from 'vitest';
import { pairedRatios } from './paired-runs.js';

describe('pairedRatios (bench:scale)', () => {
  it('takes each pair of runs back to back, 2 replicas over 1 whichever came first', () => {
    const runs = [
      { replicas: 1, perS: 100 },
      { replicas: 2, perS: 180 },
      { replicas: 2, perS: 150 },
      { replicas: 1, perS: 100 },
      { replicas: 1, perS: 90 },
      { replicas: 1, perS: 95 }, // one count twice: no ratio
      { replicas: 2, perS: 200 }, // left alone at the end: no pair
    ];
    expect(pairedRatios(runs)).toEqual([1.8, 1.5]);
  });

  it('has nothing to pair in fewer than two runs', () => {
    expect(pairedRatios([])).toEqual([]);
    expect(pairedRatios([{ replicas: 1, perS: 1 }])).toEqual([]);
  });
});
