#!/usr/bin/env node
// Entry point: `node services/classifier/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { classifierConfigSchema } from './config.js';
import { startClassifier } from './service.js';

void runMain(async () => {
  const config = parseConfig(classifierConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startClassifier(config);
  stopWithParent(rt);
  return rt;
});
