/**
 * Balancer options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | balancerId | `bal-<random>` | this replica's id in placement notices |
 * | policy, seed, sloTtft, sloTpot, kvLink, controlDelayMs | `adagen`, 0, `5x:250`, `5x:50`, `rdma-400g`, 2 | the policy whose balance step runs here |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the view |
 * | shards, shard | 1, 0 | `shards` > 1 splits the agents among that many balancer shards by rank in id order; this replica (shard `shard`, 0-based) follows the states of, and places on, only its share. Cheaper per replica than a full view, at the price of balance across shards (docs/PERFORMANCE.md, "Balancer shards"); run at least one replica per shard |
 * | shardSpill | true | with `shards` > 1: a request the policy predicts to miss its SLO on every agent of this shard (AdaGen's `hopeless`) is offered to one other shard at random (`svc.balance.<shard>`), which takes it if it predicts a hit there; else this shard places it. Offers are held back in part while fewer than half of the recent ones were taken (an overloaded fleet). Every shard takes offers whatever this says |
 * | maxInFlight | 512 | requests in the chain at once before answering `overloaded` |
 * | admission | `slo` | `slo`: refuse (429 `overloaded`, `Retry-After` from the predicted backlog) only a request whose best predicted TTFT is above `admissionSlack` × its target, or when every instance queues `admissionMaxQueue` requests; `strict`: also what the policy predicts misses its SLO on every instance (AdaGen's `hopeless`); `saturation`: llm-d's saturation detector (every instance at waiting queue ≥ 5 or KV ≥ 0.8); `none` (alias `off`): place everything (packages/scheduler/src/admission.ts, the layer the simulator uses too) |
 * | admissionSlack | 4 | `slo`: how many times its TTFT target a request may be predicted to wait |
 * | admissionMaxQueue | 256 | requests queued on every instance before refusing |
 * | prefixBlockSize | 16 | tokens per block of the prompt hashes and the agents' cache events (as the classifier's and the agents') |
 * | prefixPlacedTtlMs | 120000 | an agent without cache events is taken to hold a placed prompt's blocks this long (Dynamo's approximate mode) |
 * | prefixPendingTtlMs | 10000 | an agent with cache events: a placed prompt's blocks count this long, until its `stored` events arrive |
 */
import { MAX_SHARD } from '@adagen/protocol';
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { ADMISSION_MODE_NAMES, DEFAULT_ADMISSION } from '@adagen/scheduler';
import {
  clockConfigShape,
  policyConfigShape,
  prefixConfigShape,
  viewConfigShape,
} from '@adagen/svc-shared';
import { z } from 'zod';

export const balancerConfigSchema = z
  .object({
    ...runtimeConfigShape,
    ...clockConfigShape,
    ...policyConfigShape,
    ...viewConfigShape,
    ...prefixConfigShape,
    prefixPlacedTtlMs: configField
      .number(0, 86_400_000)
      .default(120_000)
      .describe('agents without cache events: how long a placement counts as cached'),
    prefixPendingTtlMs: configField
      .number(0, 86_400_000)
      .default(10_000)
      .describe('agents with cache events: how long a placement counts until stored'),
    balancerId: configField.string().optional().describe('replica id (default bal-<random>)'),
    shards: configField
      .int(1, MAX_SHARD + 1)
      .default(1)
      .describe('split the agents among this many balancer shards (1: every replica sees all)'),
    shard: configField
      .int(0, MAX_SHARD)
      .default(0)
      .describe('this replica’s shard, 0 to shards-1: it follows and places on its share only'),
    shardSpill: configField
      .boolean()
      .default(true)
      .describe(
        'shards > 1: offer a request predicted to miss on every agent of this shard to another shard',
      ),
    maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
    admission: configField
      .oneOf(ADMISSION_MODE_NAMES)
      .default(DEFAULT_ADMISSION.mode)
      .describe(
        'slo: refuse only the clearly hopeless; strict: also the predicted misses; saturation: llm-d detector (every instance queue >= 5 or KV >= 0.8); none/off',
      ),
    admissionSlack: configField
      .number(1, 1000)
      .default(DEFAULT_ADMISSION.slack)
      .describe('slo: refuse past this many times the TTFT target'),
    admissionMaxQueue: configField
      .int(1, 1_000_000)
      .default(DEFAULT_ADMISSION.maxQueue)
      .describe('refuse when every instance queues this many requests'),
  })
  .refine((c) => c.shard < c.shards, {
    error: 'expected shard < shards (shards are numbered from 0)',
    path: ['shard'],
  });
export type BalancerConfig = z.output<typeof balancerConfigSchema>;
