/**
 * Planner options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | plannerId | `plan-<random>` | this replica's id (logs, metrics) |
 * | policy, seed, sloTtft, sloTpot, kvLink, controlDelayMs | `adagen`, 0, `5x:250`, `5x:50`, `rdma-400g`, 2 | the policy whose distribute step runs here |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the view |
 * | dispatchTimeoutMs | 2000 | wall ms to wait for an agent's ack |
 * | maxInFlight | 512 | requests being planned and dispatched at once |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const plannerConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...policyConfigShape,
  ...viewConfigShape,
  plannerId: configField.string().optional().describe('replica id (default plan-<random>)'),
  dispatchTimeoutMs: configField
    .int(1, 600_000)
    .default(2000)
    .describe('wall ms to wait for an agent’s dispatch ack'),
  maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
});
export type PlannerConfig = z.output<typeof plannerConfigSchema>;
