#!/usr/bin/env node
// Entry point: `node services/balancer/dist/main.js [--flags]` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { balancerConfigSchema } from './config.js';
import { startBalancer } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    balancerConfigSchema,
    'AdaGen balancer: places each classified request on an agent from its predicted compute layouts (the balance step).\nUsage: node services/balancer/dist/main.js [--flag value ...]',
  );
  const rt = await startBalancer(config);
  stopWithParent(rt);
  return rt;
});
