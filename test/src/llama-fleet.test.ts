/**
 * Real inference behind the fleet: agents with the `llama` backend (llama.cpp in the agent's
 * process, a generated random-weight GGUF, threads 1) serve the official `openai` client through
 * the gateway — chat and completions, streamed and whole, stop strings, and a cancelled stream
 * frees its sequence. The text is meaningless (random weights); tokens, KV and batching are real.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import {
  expectChatOfLength,
  expectStopBeforeGreedyText,
  streamThenGoAway,
} from './fleet/openai-checks.js';
import { MODEL } from './fleet/stream-check.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

describe('llama agents behind the gateway', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adagen-llama-'));
    const model = join(dir, 'model.gguf');
    writeFileSync(model, generateRandomLlama({ seed: 7 }));
    nats = await startNatsServer();
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 1,
      policy: 'adagen',
      agentEnv: () => ({
        ADAGEN_BACKEND: 'llama',
        ADAGEN_MODEL_FILE: model,
        ADAGEN_LLAMA_MAX_SEQUENCES: '2',
        ADAGEN_LLAMA_CONTEXT_SIZE: '512',
      }),
      // The classifier counts with a character rule: the engine's own tokenizer is the model's.
      env: { ADAGEN_TOKENIZER: 'chars' },
    });
    await fleet.waitForAgents(1, 60_000);
    client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams real tokens for chat and completions; usage is the engine’s', async () => {
    await expectChatOfLength(client, 'Hello there', 12);
    const whole = await client.completions.create({
      model: MODEL,
      prompt: 'Once upon a time',
      max_tokens: 8,
      temperature: 0,
    });
    expect(whole.choices[0]!.text.length).toBeGreaterThan(0);
    expect(whole.usage!.completion_tokens).toBeLessThanOrEqual(8);
  });

  it('ends before a stop string found in the greedy text, finish_reason stop', async () => {
    await expectStopBeforeGreedyText(client, 24);
  });

  it('a client that goes away mid-stream frees the sequence on the engine', async () => {
    await streamThenGoAway(client, 400);
    const agent = fleet.agents[0]!.agent;
    const until = Date.now() + 10_000;
    while (Date.now() < until && (agent.activeRequests > 0 || agent.snapshot().kv.usedBlocks > 0))
      await new Promise((r) => setTimeout(r, 50));
    expect(agent.activeRequests).toBe(0);
    expect(agent.snapshot().kv.usedBlocks).toBe(0);
  });
});
