export type { RecommenderConfig } from './config.js';
export { recommenderConfigSchema } from './config.js';
export type { Recommendation, RecommenderRuntime } from './service.js';
export { startRecommender } from './service.js';
