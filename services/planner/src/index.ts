export type { PlannerConfig } from './config.js';
export { plannerConfigSchema } from './config.js';
export type { PlannerRuntime } from './service.js';
export { PLANNER_VERSION, startPlanner } from './service.js';
export { dispatchPlan, dispatchRequestOf, rollback } from './dispatch.js';
