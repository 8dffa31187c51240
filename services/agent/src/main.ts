#!/usr/bin/env node
// Entry point: `node services/agent/dist/main.js --instance-id a0 --profile a100` (see config.ts).
import { parseConfig, runMain } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { agentConfigSchema } from './config.js';
import { startAgent } from './service.js';

void runMain(async () => {
  const config = parseConfig(agentConfigSchema, {
    env: process.env,
    argv: process.argv.slice(2),
  });
  const rt = await startAgent(config);
  stopWithParent(rt);
  return rt;
});
