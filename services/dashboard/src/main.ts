#!/usr/bin/env node
// Entry point: `node services/dashboard/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { dashboardConfigSchema } from './config.js';
import { startDashboard } from './service.js';

void runMain(async () => {
  const config = parseConfig(dashboardConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startDashboard(config);
  stopWithParent(rt);
  return rt;
});
