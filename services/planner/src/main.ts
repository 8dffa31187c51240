#!/usr/bin/env node
// Entry point: `node services/planner/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { plannerConfigSchema } from './config.js';
import { startPlanner } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    plannerConfigSchema,
    'AdaGen planner: turns a placement into an execution plan (single, P/D split, split prefill) and dispatches it.\nUsage: node services/planner/dist/main.js [--flag value ...]',
  );
  const rt = await startPlanner(config);
  stopWithParent(rt);
  return rt;
});
