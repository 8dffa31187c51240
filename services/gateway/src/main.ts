#!/usr/bin/env node
// Entry point: `node services/gateway/dist/main.js --http-port 8080` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { gatewayConfigSchema } from './config.js';
import { startGateway } from './service.js';

void runMain(async () => {
  const config = parseConfig(gatewayConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startGateway(config);
  stopWithParent(rt);
  return rt;
});
