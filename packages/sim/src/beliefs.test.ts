import { builtinProfiles, scaledProfile } from '@adagen/engine';
import type { ClusterView, Policy } from '@adagen/scheduler';
import {
  composePolicy,
  DefaultClassifier,
  RoundRobinBalancer,
  SinglePlanner,
} from '@adagen/scheduler';
import { describe, expect, it } from 'vitest';
import type { PolicyContext } from './config.js';
import { runSimulation } from './run.js';
import { workloadOf } from './testing.js';

const a100 = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const h100 = builtinProfiles['llama-3-8b_h100-80gb_tp1']!;

const work = workloadOf(
  Array.from({ length: 120 }, (_, i) => [i * 40, 300 + ((i * 97) % 900), 20 + (i % 30)] as const),
);

/** Round-robin that records the context it was built with and the profiles its views named. */
interface Seen {
  ctx?: PolicyContext;
  names: Set<string>;
  resolved: number[];
}

function spy(seen: Seen) {
  return (ctx: PolicyContext): Policy => {
    seen.ctx = ctx;
    const rr = new RoundRobinBalancer();
    return composePolicy(
      'spy',
      new DefaultClassifier(),
      {
        name: 'spy',
        place: (c, view: ClusterView) => {
          for (const v of view.instances) {
            seen.names.add(v.profile);
            const p =
              ctx.instances.find((i) => i.profile.name === v.profile)?.profile ??
              ctx.profileFor?.(v.profile);
            if (p === undefined) throw new Error(`cannot resolve ${v.profile}`);
            seen.resolved.push(p.latency.b0);
          }
          return rr.place(c, view);
        },
      },
      new SinglePlanner(),
    );
  };
}

describe('model error and calibration', () => {
  it('tells policies the estimator profile, never the engine’s, and scores against true targets', () => {
    const seen: Seen = { names: new Set<string>(), resolved: [] };
    const r = runSimulation({
      instances: { count: 2, profile: h100 },
      policy: spy(seen),
      workload: work,
      estimatorProfile: a100,
    });
    expect(seen.ctx!.instances.map((i) => i.profile.name)).toEqual([a100.name, a100.name]);
    expect(seen.ctx!.sloReference!.name).toBe(h100.name);
    expect([...seen.names]).toEqual([a100.name]);
    expect(r.settings.estimatorProfile).toBe(a100.name);
    expect(r.instances[0]!.profile).toBe(h100.name);
    expect(r.calibration).toBeUndefined();
  });

  it('with calibrate, snapshots announce calibrated profiles that converge to the engine’s', () => {
    const seen: Seen = { names: new Set<string>(), resolved: [] };
    const biased = scaledProfile(a100, 1.2, 'a100x1.2');
    const r = runSimulation({
      instances: { count: 2, profile: a100 },
      policy: spy(seen),
      workload: work,
      estimatorProfile: biased,
      calibrate: true,
    });
    expect([...seen.names].some((n) => /^a100x1\.2\.cal-i0\.v\d+$/.test(n))).toBe(true);
    // Every name a view carried resolved; the last b0 is back near the engine's.
    const last = seen.resolved[seen.resolved.length - 1]!;
    expect(Math.abs(last / a100.latency.b0 - 1)).toBeLessThan(0.05);
    expect(r.calibration).toHaveLength(2);
    expect(r.calibration![0]!.scale).toBeCloseTo(1 / 1.2, 2);
    expect(r.calibration![0]!.fitErrorMedian).toBeLessThan(0.02);
    expect(r.calibration![0]!.startErrorMedian).toBeGreaterThan(0.15);
  });
});
