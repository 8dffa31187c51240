#!/usr/bin/env node
// Entry point: `node services/estimator/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { estimatorConfigSchema } from './config.js';
import { startEstimator } from './service.js';

void runMain(async () => {
  const config = parseConfig(estimatorConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startEstimator(config);
  stopWithParent(rt);
  return rt;
});
