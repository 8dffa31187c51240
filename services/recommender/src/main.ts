#!/usr/bin/env node
// Entry point: `node services/recommender/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { recommenderConfigSchema } from './config.js';
import { startRecommender } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    recommenderConfigSchema,
    'AdaGen recommender: recommends how many instances the fleet needs, from decision and completion records.\nUsage: node services/recommender/dist/main.js [--flag value ...]',
  );
  const rt = await startRecommender(config);
  stopWithParent(rt);
  return rt;
});
