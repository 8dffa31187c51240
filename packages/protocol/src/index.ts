// Public API of @adagen/protocol: subjects, message schemas and types, codec, error codes.
export { LIMITS, DEFAULT_MAX_MESSAGE_BYTES } from './limits.js';
export type { Result } from './result.js';
export { ok, err } from './result.js';
export { ID_PATTERN, MAX_ID_LENGTH, idSchema, isValidId, idProblem } from './ids.js';
export type { ErrorCode, ErrorSpec, OpenAiErrorType, AdagenErrorOptions } from './errors.js';
export {
  ERROR_CODES,
  ERROR_TABLE,
  HTTP_STATUS_BY_CODE,
  OPENAI_ERROR_TYPES,
  AdagenError,
  errorCodeForStatus,
  errorCodeSchema,
  isErrorCode,
  normalizeError,
} from './errors.js';
export type { FieldIssue } from './issues.js';
export { ProtocolError, formatPath, issuesFromZod } from './issues.js';
export type { Codec, CodecOptions } from './codec.js';
export { createCodec } from './codec.js';
export type { AgentVerb, ParsedSubject, ServiceEndpoint } from './subjects.js';
export {
  AGENT_VERBS,
  MAX_SHARD,
  SERVICE_ENDPOINTS,
  SUBJECT_PREFIX,
  TOKEN_POSITIONS,
  bodyMatchesSubject,
  parseSubject,
  subjects,
  wildcards,
} from './subjects.js';
export type {
  EngineKind,
  FinishReason,
  LatencyPrediction,
  LengthClass,
  RequestRole,
  TokenRange,
} from './messages/primitives.js';
export {
  PROTOCOL_VERSION,
  engineKind,
  finishReason,
  latencyPrediction,
  lengthClass,
  requestRole,
  tokenRange,
} from './messages/primitives.js';
export type {
  Classification,
  InferenceRequest,
  ChatMessage,
  LayoutEstimate,
  Placement,
  PlacementCandidate,
  PlacementNotice,
  RequestSlo,
  SamplingParams,
} from './messages/request.js';
export {
  chatMessageSchema,
  priorityField,
  promptTokenIdsSchema,
  requestSloSchema,
  classificationSchema,
  inferenceRequestSchema,
  layoutEstimateSchema,
  placementCandidateSchema,
  placementNoticeSchema,
  placementSchema,
  samplingParams,
} from './messages/request.js';
export type { ShardAnswer, ShardOffer } from './messages/shard.js';
export { shardAnswerSchema, shardOfferSchema } from './messages/shard.js';
export type { ExecutionPlan, PlanKind, PlanResult, PlanSegment } from './messages/plan.js';
export {
  PLAN_KINDS,
  executionPlanSchema,
  planInstanceIds,
  planResultSchema,
  planSegmentSchema,
} from './messages/plan.js';
export type {
  AgentDispatch,
  DispatchAck,
  DispatchRequest,
  EngineTransfer,
  KvHandoffNotice,
  KvStreamState,
} from './messages/dispatch.js';
export {
  agentDispatchSchema,
  dispatchAckSchema,
  dispatchRequestSchema,
  engineTransferSchema,
  kvHandoffNoticeSchema,
  kvStreamStateSchema,
} from './messages/dispatch.js';
export type {
  Outcome,
  OutcomeDone,
  OutcomeError,
  StreamMessage,
  TokenChunk,
} from './messages/stream.js';
export {
  isStreamChunkFast,
  isTokenChunk,
  outcomeDoneSchema,
  outcomeErrorSchema,
  outcomeSchema,
  streamMessageSchema,
  tokenChunkSchema,
} from './messages/stream.js';
export type {
  AgentAnnounce,
  AgentProbe,
  EngineCapabilities,
  LatencyCalibration,
  ProbeAck,
  EngineConfig,
  InstanceState,
  InstanceStateDelta,
  IterationSample,
  RequestPatch,
  RequestProgress,
  StateMessage,
  WireRequestPhase,
} from './messages/state.js';
export {
  agentAnnounceSchema,
  agentProbeSchema,
  engineCapabilitiesSchema,
  latencyCalibrationSchema,
  probeAckSchema,
  engineConfigSchema,
  instanceStateDeltaSchema,
  instanceStateSchema,
  iterationSampleSchema,
  requestPatchSchema,
  requestPhase,
  requestProgressSchema,
  stateMessageSchema,
} from './messages/state.js';
export { isInstanceStateDelta, isStateMessageFast } from './messages/state.fast.js';
export { isClassification, isInferenceRequest, isPlacement } from './messages/request.fast.js';
// The building blocks of the typed checks, for checks of other packages (the gateway's OpenAI bodies).
export type { Fields } from './messages/fast-primitives.js';
export {
  everyIn,
  isInt,
  isName,
  isNumber,
  isNumberAbove,
  isObject,
  isString,
  keysOf,
  onlyKeys,
  optional,
} from './messages/fast-primitives.js';
export { tokenIdsProblem } from './messages/request.js';
export type { CancelReason, RequestCancel } from './messages/cancel.js';
export { CANCEL_REASONS, requestCancelSchema } from './messages/cancel.js';
export type { CompletionRecord } from './messages/completion.js';
export { completionRecordSchema } from './messages/completion.js';
export type { DecisionCandidate, DecisionOutcome, DecisionRecord } from './messages/decision.js';
export {
  DECISION_OUTCOMES,
  decisionCandidateSchema,
  decisionRecordSchema,
} from './messages/decision.js';
export type {
  AffectedRequest,
  EstimateAddition,
  EstimateRequest,
  EstimateResponse,
  InstanceEstimate,
} from './messages/estimate.js';
export {
  affectedRequestSchema,
  estimateAdditionSchema,
  estimateRequestSchema,
  estimateResponseSchema,
  instanceEstimateSchema,
} from './messages/estimate.js';
export type {
  KvCacheEvent,
  KvCacheMessage,
  KvCacheSnapshot,
  KvEventBatch,
  PromptPrefix,
} from './messages/cache.js';
export {
  blockHash,
  blockSizeField,
  kvAllClearedSchema,
  kvBlockRemovedSchema,
  kvBlockStoredSchema,
  kvCacheEventSchema,
  kvCacheMessageSchema,
  kvCacheSnapshotSchema,
  kvEventBatchSchema,
  promptPrefixSchema,
} from './messages/cache.js';
export type { MessageName } from './messages.js';
export { MESSAGE_SCHEMAS } from './messages.js';
