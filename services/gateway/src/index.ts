export type { GatewayConfig } from './config.js';
export { gatewayConfigSchema } from './config.js';
export type { GatewayRuntime } from './service.js';
export { GATEWAY_VERSION, startGateway } from './service.js';
