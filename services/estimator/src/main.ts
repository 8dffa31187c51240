#!/usr/bin/env node
// Entry point: `node services/estimator/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { estimatorConfigSchema } from './config.js';
import { startEstimator } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    estimatorConfigSchema,
    'AdaGen estimator: answers latency estimates of requests on the agents (svc.estimate).\nUsage: node services/estimator/dist/main.js [--flag value ...]',
  );
  const rt = await startEstimator(config);
  stopWithParent(rt);
  return rt;
});
