#!/usr/bin/env node
// Entry point: `node services/dashboard/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { dashboardConfigSchema } from './config.js';
import { startDashboard } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    dashboardConfigSchema,
    'AdaGen dashboard: live web view of the fleet: agents, their predicted layouts, decisions (read only).\nUsage: node services/dashboard/dist/main.js [--flag value ...]',
  );
  const rt = await startDashboard(config);
  stopWithParent(rt);
  return rt;
});
