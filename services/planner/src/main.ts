#!/usr/bin/env node
// Entry point: `node services/planner/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { plannerConfigSchema } from './config.js';
import { startPlanner } from './service.js';

void runMain(async () => {
  const config = parseConfig(plannerConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startPlanner(config);
  stopWithParent(rt);
  return rt;
});
