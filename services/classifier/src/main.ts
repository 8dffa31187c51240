#!/usr/bin/env node
// Entry point: `node services/classifier/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { classifierConfigSchema } from './config.js';
import { startClassifier } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    classifierConfigSchema,
    'AdaGen classifier: counts prompt tokens, predicts output length and classifies each request (the first step).\nUsage: node services/classifier/dist/main.js [--flag value ...]',
  );
  const rt = await startClassifier(config);
  stopWithParent(rt);
  return rt;
});
