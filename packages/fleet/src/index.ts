// @adagen/fleet — the live fleet's logic, shared by the services (no NATS, no wall clock).
export {
  admission,
  backlogMs,
  boundTtftMs,
  drainMs,
  fleetModelOf,
  sloTargets,
  ttftTargetMs,
} from './admission.js';
export type { DecisionInput } from './decision.js';
export { decisionRecord } from './decision.js';
export { FALLBACK_MAX_TOKENS, contextLimit, fitToContext } from './context.js';
export type { FleetClock, FleetClockOptions } from './clock.js';
export { createFleetClock } from './clock.js';
export {
  PROFILE_ALIASES,
  calibratedProfileName,
  findProfile,
  registerCalibrated,
  requireProfile,
} from './profiles.js';
export type { PlanPart } from './convert.js';
export {
  calibrationOf,
  classificationFromWire,
  classificationToWire,
  dispatchesFor,
  noticesFor,
  pendingOf,
  placementFromWire,
  placementToWire,
  planParts,
  planToWire,
  requestInfoOf,
  snapshotOf,
  stateOf,
} from './convert.js';
export type { FleetViewOptions, Member } from './view.js';
export { FleetView } from './view.js';
export { applyStateDelta, changesNoWork, diffState } from './state-delta.js';
export type { PolicyHostOptions } from './policy-host.js';
export { PolicyHost } from './policy-host.js';
export type { AgentHost } from './agent/host.js';
export type { AgentOptions } from './agent/agent.js';
export { Agent } from './agent/agent.js';
export type { BackendSink, EngineBackend } from './agent/backend.js';
export type { EngineReport, Job } from './agent/job.js';
export type { SimBackendOptions } from './agent/sim-backend.js';
export { SimBackend } from './agent/sim-backend.js';
export type { SimAgentOptions } from './agent/sim-agent.js';
export { SimAgent } from './agent/sim-agent.js';
export type { ChunkOut, TokenStep } from './agent/stream-text.js';
export { StreamText } from './agent/stream-text.js';
export { outputTokensOf } from './agent/job.js';
export type { SimTextInput } from './agent/text.js';
export { simText, simTextSeed, simToken } from './agent/text.js';
export type { StopStep } from './agent/stop.js';
export { StopMatcher } from './agent/stop.js';
export type { ChatBody, CompletionsBody, OpenAiEndpoint } from './openai/schema.js';
export { OPENAI_ENDPOINTS, chatBodySchema, completionsBodySchema } from './openai/schema.js';
export type { GatewayRequest } from './openai/request.js';
export {
  BadFieldError,
  SLO_HEADERS,
  parseOpenAiBody,
  parseSloHeaders,
  renderChat,
} from './openai/request.js';
export type { FieldProblem } from './openai/fields.js';
export { fieldProblem } from './openai/fields.js';
export { fleetMaxModelLen, honours, unhonouredField } from './openai/capabilities.js';
export type { ResponseMeta, Usage } from './openai/format.js';
export {
  SSE_DONE,
  completionResponse,
  errorBody,
  modelCard,
  modelsList,
  responseId,
  sseData,
  streamChunk,
  textEventWriter,
  usageChunk,
} from './openai/format.js';
export type {
  AgentCacheIndexCounters,
  AgentCacheIndexOptions,
  AgentCacheStatus,
  ApplyOutcome,
} from './prefix/agent-cache-index.js';
export { AgentCacheIndex } from './prefix/agent-cache-index.js';
export type { PlacedIndexOptions } from './prefix/placed-index.js';
export { PlacedIndex } from './prefix/placed-index.js';
export type { PrefixLocatorOptions, PrefixMatch } from './prefix/locator.js';
export { PrefixLocator } from './prefix/locator.js';
export type { CacheFeedOptions, PrefixCacheSource } from './prefix/cache-feed.js';
export { CacheFeed, heldChanges } from './prefix/cache-feed.js';
export { promptPrefixOf } from './prefix/prompt-prefix.js';
export type { VllmEvent, VllmEventBatch, VllmHashKey } from './prefix/vllm-events.js';
export { VllmEventError, VllmEventTranslator, decodeVllmEventBatch } from './prefix/vllm-events.js';
export type { ShardOptions } from './shards.js';
export { FleetShards } from './shards.js';
