#!/usr/bin/env node
// Entry point: `node services/gateway/dist/main.js --http-port 8080` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { gatewayConfigSchema } from './config.js';
import { startGateway } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    gatewayConfigSchema,
    'AdaGen gateway: the OpenAI-compatible HTTP entry: streams each request through the decision chain and back.\nUsage: node services/gateway/dist/main.js [--flag value ...]',
  );
  const rt = await startGateway(config);
  stopWithParent(rt);
  return rt;
});
