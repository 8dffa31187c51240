/**
 * Recommender options (flags / `ADAGEN_*` variables), on top of the runtime's (NATS, logs,
 * `/metrics` on `--http-port`), the fleet clock and the policy's:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | policy, seed, sloTtft, sloTpot, kvLink, controlDelayMs | `adagen`, 0, `5x:250`, `5x:50`, `rdma-400g`, 2 | the policy and SLOs simulated |
 * | windowMs | 30000 | fleet ms of observed traffic each recommendation replays (and how often one is made) |
 * | target | 0.95 | SLO attainment the recommended fleet must reach in simulation (above the operator's 90 %: headroom for what the simulation does not see) |
 * | minInstances, maxInstances | 1, 64 | the range recommended |
 * | profile | `a100` | latency profile when no agent is seen yet (else the agents') |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const recommenderConfigSchema = z
  .object({
    ...runtimeConfigShape,
    ...clockConfigShape,
    ...policyConfigShape,
    ...viewConfigShape,
    windowMs: configField
      .int(1000, 3_600_000)
      .default(30_000)
      .describe('fleet ms of observed traffic per recommendation'),
    target: configField.number(0.01, 1).default(0.95).describe('simulated attainment to reach'),
    minInstances: configField.int(1, 100_000).default(1).describe('fewest instances recommended'),
    maxInstances: configField.int(1, 100_000).default(64).describe('most instances recommended'),
    profile: configField.string().default('a100').describe('profile before any agent is seen'),
  })
  .refine((c) => c.maxInstances >= c.minInstances, {
    error: 'expected maxInstances >= minInstances',
    path: ['maxInstances'],
  });
export type RecommenderConfig = z.output<typeof recommenderConfigSchema>;
