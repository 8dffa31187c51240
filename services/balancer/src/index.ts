export type { BalancerConfig } from './config.js';
export { balancerConfigSchema } from './config.js';
export type { BalancerRuntime } from './service.js';
export { BALANCER_VERSION, startBalancer } from './service.js';
