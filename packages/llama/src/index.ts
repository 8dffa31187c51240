export { LlamaEngine } from './engine.js';
export type { LlamaEngineDeps } from './engine.js';
export type { LlamaEngineConfig, LlamaEngineOptionsInput } from './options.js';
export {
  LlamaEngineOptionsError,
  LlamaEngineOptionsSchema,
  resolveEngineOptions,
} from './options.js';
export type {
  ChatMessage,
  FinishReason,
  GenerationEvent,
  GenerationRequest,
  GenerationRequestInput,
  GenerationSink,
  PromptSource,
  TokenLogprob,
  Usage,
} from './request.js';
export { FINISH_REASONS, GenerationRequestSchema, generationInputOf } from './request.js';
export type { EngineCapabilities, EngineCounters, ModelInfo } from './types.js';
export type { DecodeObservation, IterationObservation } from './observe.js';
export type { LlamaLogger } from './runtime.js';
export type { StopPush } from './stop-matcher.js';
export { StopMatcher } from './stop-matcher.js';
