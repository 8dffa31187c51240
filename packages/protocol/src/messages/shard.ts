/**
 * Between balancer shards (`adagen.v1.svc.balance.<shard>`): a shard whose policy predicts that a
 * request misses its SLO on every one of its own agents offers it to another shard, which either
 * takes it — places it on its own agents and answers with the chain's result — or declines,
 * predicting a miss there too; the offering shard then places it itself.
 */
import { z } from 'zod';
import { planResultSchema } from './plan.js';
import { idSchema, messageString, versionField } from './primitives.js';
import { classificationSchema } from './request.js';
import { MAX_SHARD } from '../subjects.js';

const shardNumber = z.number().int().min(0).max(MAX_SHARD);

export const shardOfferSchema = z.object({
  v: versionField,
  type: z.literal('shard_offer'),
  /** The offering shard (it found no agent of its own predicted to meet the SLO). */
  fromShard: shardNumber,
  /** The balancer replica that offers. */
  balancerId: idSchema,
  classification: classificationSchema,
});
export type ShardOffer = z.infer<typeof shardOfferSchema>;

export const shardAnswerSchema = z.discriminatedUnion('taken', [
  z.object({
    v: versionField,
    type: z.literal('shard_answer'),
    requestId: idSchema,
    /** Placed on this shard's agents: the decision chain's result, as `svc.balance` answers. */
    taken: z.literal(true),
    result: planResultSchema,
  }),
  z.object({
    v: versionField,
    type: z.literal('shard_answer'),
    requestId: idSchema,
    /** Not taken: this shard predicts a miss on all of its agents too. */
    taken: z.literal(false),
    why: messageString.min(1),
  }),
]);
export type ShardAnswer = z.infer<typeof shardAnswerSchema>;
