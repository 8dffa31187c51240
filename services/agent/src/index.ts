export type { AgentConfig } from './config.js';
export { agentConfigSchema } from './config.js';
export type { AgentRuntime } from './service.js';
export { AGENT_VERSION, startAgent } from './service.js';
