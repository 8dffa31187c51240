export type { EstimatorConfig } from './config.js';
export { estimatorConfigSchema } from './config.js';
export { ESTIMATOR_VERSION, startEstimator } from './service.js';
