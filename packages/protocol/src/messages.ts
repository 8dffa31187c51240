/** A catalogue of every message schema, by name, for tools and tests that iterate over them. */
import { kvCacheSnapshotSchema, kvEventBatchSchema } from './messages/cache.js';
import { requestCancelSchema } from './messages/cancel.js';
import { completionRecordSchema } from './messages/completion.js';
import { decisionRecordSchema } from './messages/decision.js';
import {
  agentDispatchSchema,
  dispatchAckSchema,
  kvHandoffNoticeSchema,
} from './messages/dispatch.js';
import { estimateRequestSchema, estimateResponseSchema } from './messages/estimate.js';
import { executionPlanSchema, planResultSchema } from './messages/plan.js';
import {
  classificationSchema,
  inferenceRequestSchema,
  placementNoticeSchema,
  placementSchema,
} from './messages/request.js';
import { shardAnswerSchema, shardOfferSchema } from './messages/shard.js';
import {
  agentAnnounceSchema,
  agentProbeSchema,
  instanceStateDeltaSchema,
  instanceStateSchema,
  probeAckSchema,
} from './messages/state.js';
import { outcomeSchema, streamMessageSchema, tokenChunkSchema } from './messages/stream.js';

export const MESSAGE_SCHEMAS = {
  inferenceRequest: inferenceRequestSchema,
  classification: classificationSchema,
  placement: placementSchema,
  placementNotice: placementNoticeSchema,
  executionPlan: executionPlanSchema,
  planResult: planResultSchema,
  agentDispatch: agentDispatchSchema,
  dispatchAck: dispatchAckSchema,
  kvHandoffNotice: kvHandoffNoticeSchema,
  tokenChunk: tokenChunkSchema,
  outcome: outcomeSchema,
  streamMessage: streamMessageSchema,
  instanceState: instanceStateSchema,
  instanceStateDelta: instanceStateDeltaSchema,
  agentAnnounce: agentAnnounceSchema,
  agentProbe: agentProbeSchema,
  probeAck: probeAckSchema,
  completionRecord: completionRecordSchema,
  estimateRequest: estimateRequestSchema,
  estimateResponse: estimateResponseSchema,
  requestCancel: requestCancelSchema,
  decisionRecord: decisionRecordSchema,
  kvEventBatch: kvEventBatchSchema,
  kvCacheSnapshot: kvCacheSnapshotSchema,
  shardOffer: shardOfferSchema,
  shardAnswer: shardAnswerSchema,
} as const;

export type MessageName = keyof typeof MESSAGE_SCHEMAS;
