// The acceptance check, in virtual time: an engine whose TRUE profile differs from the
// start profile is recovered to ≤ 3 % median iteration error within 500 observed iterations.
import { describe, expect, it } from 'vitest';
import { A100, H100, runRecovery, scaledProfile } from './scenario.testutil.js';

const CHECKPOINTS = [500];
const slower = scaledProfile(A100, 1.2, 'a100x1.2');

describe('online calibration recovers the engine profile (virtual time)', () => {
  const cases = [
    { label: 'A100 x1.2', truth: slower, jitterSigma: 0, startAtLeast: 0.15 },
    { label: 'H100 shape', truth: H100, jitterSigma: 0, startAtLeast: 0.5 },
    {
      label: 'A100 x1.2, lognormal noise sigma 0.05',
      truth: slower,
      jitterSigma: 0.05,
      startAtLeast: 0.15,
    },
    {
      label: 'H100 shape, lognormal noise sigma 0.05',
      truth: H100,
      jitterSigma: 0.05,
      startAtLeast: 0.5,
    },
    {
      // A start profile 30× off (think a CPU engine): the prior is relative to the rescaled
      // start profile, so the fit is the same as at ×1 (same load: 1/30 of the rate).
      label: 'H100 shape x30, lognormal noise sigma 0.05',
      truth: scaledProfile(H100, 30, 'h100x30'),
      jitterSigma: 0.05,
      startAtLeast: 0.9,
      ratePerS: 20 / 30,
    },
  ];
  for (const c of cases) {
    it(`${c.label}: median iteration error ≤ 3 % after 500 iterations, starting from A100`, () => {
      const r = runRecovery(
        {
          truth: c.truth,
          start: A100,
          jitterSigma: c.jitterSigma,
          seed: 7,
          requests: 600,
          ratePerS: 'ratePerS' in c ? c.ratePerS : 20,
        },
        CHECKPOINTS,
      );
      expect(r.iterations).toBeGreaterThan(500);
      // Without calibration the start profile is far off: the check below is not vacuous.
      expect(r.startMedian).toBeGreaterThan(c.startAtLeast);
      const at500 = r.points[0]!;
      expect(at500.iterations).toBe(500);
      expect(at500.median).toBeLessThanOrEqual(0.03);
      expect(at500.stats.observations).toBe(500);
    });
  }

  it('is deterministic: same seed, same calibrated figures', () => {
    const run = () =>
      runRecovery(
        { truth: H100, start: A100, jitterSigma: 0.05, seed: 3, requests: 200 },
        [50, 200],
      );
    expect(run()).toEqual(run());
  });
});
