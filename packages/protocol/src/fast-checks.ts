/**
 * The hand-written typed checks of the hot messages, by schema: `createCodec` takes a schema's
 * check from here when its caller gives none, so every codec of that schema — an endpoint's, a
 * client's, a subscription's — skips the schema walk for a message the check accepts. Each check
 * must accept only values its schema accepts *and returns unchanged* (a value with a key the
 * schema strips goes to the schema), which its property test checks against the schema; anything
 * it refuses still goes through the schema, so errors keep naming the field.
 */
import type { z } from 'zod';
import { agentDispatchSchema, dispatchAckSchema } from './messages/dispatch.js';
import { isAgentDispatch, isDispatchAck } from './messages/dispatch.fast.js';
import { isPlanResult } from './messages/plan.fast.js';
import { planResultSchema } from './messages/plan.js';
import { isDecisionRecord } from './messages/decision.fast.js';
import { decisionRecordSchema } from './messages/decision.js';
import {
  isClassification,
  isInferenceRequest,
  isPlacement,
  isPlacementNotice,
} from './messages/request.fast.js';
import {
  classificationSchema,
  inferenceRequestSchema,
  placementNoticeSchema,
  placementSchema,
} from './messages/request.js';
import {
  isInstanceState,
  isInstanceStateDelta,
  isStateMessageFast,
} from './messages/state.fast.js';
import {
  instanceStateDeltaSchema,
  instanceStateSchema,
  stateMessageSchema,
} from './messages/state.js';
import { isStreamChunkFast, streamMessageSchema } from './messages/stream.js';

export const FAST_CHECKS: ReadonlyMap<z.ZodType, (raw: unknown) => boolean> = new Map<
  z.ZodType,
  (raw: unknown) => boolean
>([
  [stateMessageSchema, isStateMessageFast],
  [instanceStateSchema, isInstanceState],
  [instanceStateDeltaSchema, isInstanceStateDelta],
  [streamMessageSchema, isStreamChunkFast],
  [agentDispatchSchema, isAgentDispatch],
  [dispatchAckSchema, isDispatchAck],
  [inferenceRequestSchema, isInferenceRequest],
  [classificationSchema, isClassification],
  [placementSchema, isPlacement],
  [planResultSchema, isPlanResult],
  [decisionRecordSchema, isDecisionRecord],
  [placementNoticeSchema, isPlacementNotice],
]);
