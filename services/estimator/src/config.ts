/**
 * Estimator options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | sloTtft, sloTpot | `5x:250`, `5x:50` | targets used to count requests an addition would push over |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the view |
 * | maxInFlight | 64 | estimates computed at once |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const estimatorConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...policyConfigShape,
  ...viewConfigShape,
  maxInFlight: configField.int(1, 100_000).default(64).describe('estimates in flight at most'),
});
export type EstimatorConfig = z.output<typeof estimatorConfigSchema>;
