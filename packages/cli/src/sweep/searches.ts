/** The sweep's optional searches: goodput per trace × policy, instances needed at a rate. */
import { searchGoodput, searchInstances } from '@adagen/sim';
import type { SweepPlan } from '../commands/sweep.js';
import { groupLabel, scaledBase } from './slo-scales.js';
import type { GoodputEntry, InstancesEntry } from '../report/result-json.js';
import type { CellSpec } from './cell.js';
import type { CellRunner } from './pool.js';
import type { Progress } from './progress.js';

export async function runSearches(
  plan: SweepPlan,
  runner: CellRunner,
  progress: Progress,
): Promise<{ goodput: GoodputEntry[]; instancesNeeded: InstancesEntry[] }> {
  const pairs = plan.traces.flatMap((trace) =>
    plan.sloScales.flatMap((scale) => plan.policies.map((policy) => ({ trace, scale, policy }))),
  );
  const run = async (spec: CellSpec) => {
    progress.total(1);
    const c = await runner.run(spec);
    progress.tick(
      `${groupLabel(spec.workload.trace, spec.sloScale)} ${spec.policy} probe: ${(c.result.metrics.slo.attainment * 100).toFixed(1)}%`,
    );
    return { slo: c.result.metrics.slo };
  };
  const goodput = plan.goodput
    ? await Promise.all(
        pairs.map(async ({ trace, scale, policy }): Promise<GoodputEntry> => {
          const lo = plan.rates[0]!;
          const hi = plan.rates.length > 1 ? plan.rates[plan.rates.length - 1]! : 2 * lo;
          const r = await searchGoodput(
            (ratePerS): CellSpec => ({
              ...scaledBase(plan, scale),
              policy,
              workload: { ...plan.workloadBase, trace, ratePerS },
            }),
            {
              loRatePerS: lo,
              hiRatePerS: hi,
              target: plan.target,
              toleranceRel: plan.goodputToleranceRel,
            },
            run,
          );
          return {
            trace,
            ...(plan.sloScales.length > 1 ? { sloScale: scale } : {}),
            policy,
            target: plan.target,
            goodputRatePerS: r.goodputRatePerS ?? null,
            failingRatePerS: r.failingRatePerS ?? null,
            probes: r.probes.map((p) => ({ ratePerS: p.ratePerS, attainment: p.attainment })),
          };
        }),
      )
    : [];
  const need = plan.instancesNeeded;
  const instancesNeeded = need
    ? await Promise.all(
        pairs.map(async ({ trace, scale, policy }): Promise<InstancesEntry> => {
          const r = await searchInstances(
            (instances): CellSpec => ({
              ...scaledBase(plan, scale),
              instances,
              policy,
              workload: { ...plan.workloadBase, trace, ratePerS: need.ratePerS },
            }),
            { maxInstances: need.maxInstances, target: plan.target },
            run,
          );
          return {
            trace,
            policy,
            ratePerS: need.ratePerS,
            target: plan.target,
            instances: r.instances ?? null,
            probes: r.probes.map((p) => ({ instances: p.instances, attainment: p.attainment })),
          };
        }),
      )
    : [];
  return { goodput, instancesNeeded };
}
