// @adagen/svc-engine-server — an OpenAI-compatible engine server (`adagen engine serve`).
export type { ServedEngine, SubmitOptions } from './engine.js';
export { servedLlama } from './engine.js';
export type { SimEngineOptions } from './sim-engine.js';
export { SimServedEngine } from './sim-engine.js';
export type { EngineServer, EngineServerOptions, RequestRecord } from './server.js';
export { startEngineServer } from './server.js';
export type { EngineRequest, KvTransferParams, PdLeg } from './request.js';
export { generationOf, parseEngineRequest } from './request.js';
export { vllmMetrics } from './metrics.js';
