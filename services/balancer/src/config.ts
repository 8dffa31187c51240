/**
 * Balancer options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | balancerId | `bal-<random>` | this replica's id in placement notices |
 * | policy, seed, sloTtft, sloTpot, kvLink, controlDelayMs | `adagen`, 0, `5x:250`, `5x:50`, `rdma-400g`, 2 | the policy whose balance step runs here |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the view |
 * | maxInFlight | 512 | requests in the chain at once before answering `overloaded` |
 * | admission | `slo` | `slo`: refuse (429 `overloaded`, `Retry-After` from the predicted backlog) a request the policy predicts misses its SLO on every instance (AdaGen's `hopeless`; baselines predict nothing and admit all); `off`: place everything, as the simulator does |
 */
import { ADMISSION_MODES } from '@adagen/fleet';
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
  admission: configField
    .oneOf(ADMISSION_MODES)
    .default('slo')
    .describe('slo: refuse requests predicted to miss their SLO everywhere; off: place all'),
});
export type BalancerConfig = z.output<typeof balancerConfigSchema>;
