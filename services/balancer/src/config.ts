/**
 * Balancer options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | balancerId | `bal-<random>` | this replica's id in placement notices |
 * | policy, seed, sloTtft, sloTpot, kvLink, controlDelayMs | `adagen`, 0, `5x:250`, `5x:50`, `rdma-400g`, 2 | the policy whose balance step runs here |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the view |
 * | maxInFlight | 512 | requests in the chain at once before answering `overloaded` |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const balancerConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...policyConfigShape,
  ...viewConfigShape,
  balancerId: configField.string().optional().describe('replica id (default bal-<random>)'),
  maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
});
export type BalancerConfig = z.output<typeof balancerConfigSchema>;
