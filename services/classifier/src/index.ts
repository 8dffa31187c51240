export type { ClassifierConfig } from './config.js';
export { classifierConfigSchema } from './config.js';
export { CLASSIFIER_VERSION, startClassifier } from './service.js';
