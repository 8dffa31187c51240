#!/usr/bin/env node
// Entry point: `node services/agent/dist/main.js --instance-id a0 --profile a100` (see config.ts).
import { runMain, serviceConfig } from '@adagen/runtime';
import { stopWithParent } from '@adagen/svc-shared';
import { agentConfigSchema } from './config.js';
import { startAgent } from './service.js';

void runMain(async () => {
  const config = serviceConfig(
    agentConfigSchema,
    'AdaGen agent: one inference instance: runs its engine (sim, llama, http), takes dispatches, streams tokens, publishes its state.\nUsage: node services/agent/dist/main.js [--flag value ...]',
  );
  const rt = await startAgent(config);
  stopWithParent(rt);
  return rt;
});
