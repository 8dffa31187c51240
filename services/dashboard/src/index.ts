export type { DashboardConfig } from './config.js';
export { dashboardConfigSchema } from './config.js';
export type { DashboardRuntime } from './service.js';
export { startDashboard } from './service.js';
