#!/usr/bin/env node
// Entry point: `node services/recommender/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { recommenderConfigSchema } from './config.js';
import { startRecommender } from './service.js';

void runMain(async () => {
  const config = parseConfig(recommenderConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startRecommender(config);
  stopWithParent(rt);
  return rt;
});
