/** `adagen sweep --slo-scales`: the same sweep under tighter or looser SLOs (DistServe-style). */
import { scaleSloSpec } from '@adagen/scheduler';
import type { SweepPlan } from '../commands/sweep.js';

/** The base cell spec with both SLO targets × `scale` (and the scale recorded), or as is at 1. */
export function scaledBase(plan: SweepPlan, scale: number): SweepPlan['base'] {
  if (plan.sloScales.length === 1 && scale === 1) return plan.base;
  return { ...plan.base, slo: scaleSloSpec(plan.base.slo, scale), sloScale: scale };
}

/** A table's title: the trace, and the SLO scale when the sweep has several. */
export function groupLabel(trace: string, scale: number | undefined): string {
  return scale === undefined ? trace : `${trace} · SLO ×${scale}`;
}
