#!/usr/bin/env node
// Entry point: `node services/balancer/dist/main.js [--flags]` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { balancerConfigSchema } from './config.js';
import { startBalancer } from './service.js';

void runMain(async () => {
  const config = parseConfig(balancerConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startBalancer(config);
  stopWithParent(rt);
  return rt;
});
