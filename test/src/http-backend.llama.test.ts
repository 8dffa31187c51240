/**
 * The `http` backend in front of two `adagen engine serve --backend llama` processes (llama.cpp,
 * a generated random-weight GGUF, one thread each): the official `openai` client through the
 * gateway streams real tokens (chat and completions), stop strings are honoured, a client that
 * goes away frees the engine's sequence, and a P/D split over vLLM's NixlConnector fields gives
 * every token once (prefill leg `max_tokens: 1`, as the engines saw it). The text is meaningless
 * (random weights); tokens, KV and batching are real. llama.cpp cannot import KV, so its decode
 * leg recomputes the prompt: the split's text is the engine's greedy text for the prompt.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineProcess } from './engine-server.js';
import { cliBuilt, startEngineProcess } from './engine-server.js';
import type { InProcessFleet } from './fleet/in-process.js';
import {
  expectChatOfLength,
  expectStopBeforeGreedyText,
  streamThenGoAway,
} from './fleet/openai-checks.js';
import { MODEL } from './fleet/stream-check.js';
import { engineGauge, eventually, runPdSplit, startHttpFleet } from './http-backend.shared.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

describe.skipIf(!cliBuilt())('http agents in front of llama.cpp engine servers', () => {
  let nats: NatsServer;
  let engines: EngineProcess[] = [];
  let fleet: InProcessFleet;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adagen-http-llama-'));
    const model = join(dir, 'model.gguf');
    writeFileSync(model, generateRandomLlama({ seed: 7 }));
    const args = ['--backend', 'llama', '--model', model, '--max-sequences', '2'];
    engines = await Promise.all(
      [0, 1].map((i) =>
        startEngineProcess(dir, `llama-${i}`, [...args, '--context-size', '512'], 120_000),
      ),
    );
    nats = await startNatsServer();
    fleet = await startHttpFleet(nats.url, engines, {
      ADAGEN_MAX_MODEL_LEN: '512',
      ADAGEN_MAX_NUM_SEQS: '2',
    });
    client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
    await Promise.all(engines.map((e) => e.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams real tokens for chat and completions; usage is the engine’s', async () => {
    await expectChatOfLength(client, 'Hello there', 10);
    const completion = await client.completions.create({
      model: MODEL,
      prompt: 'Once upon a time',
      max_tokens: 8,
      temperature: 0,
      stream: true,
      ...({ ignore_eos: true } as object),
    });
    let streamed = '';
    for await (const chunk of completion) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed.length).toBeGreaterThan(0);
    expect(engines.every((e) => e.records().length > 0)).toBe(true);
  });

  it('ends before a stop string found in the greedy text, finish_reason stop', async () => {
    await expectStopBeforeGreedyText(client, 20);
  });

  it('a client that goes away mid-stream frees the sequence on the engine', async () => {
    const chunks = await streamThenGoAway(client, 400);
    expect(chunks).toBe(3);
    const idle = await eventually(async () => {
      const running = await Promise.all(
        engines.map((e) => engineGauge(e, 'vllm:num_requests_running')),
      );
      const kv = await Promise.all(engines.map((e) => engineGauge(e, 'vllm:kv_cache_usage_perc')));
      return (
        running.every((n) => n === 0) &&
        kv.every((u) => u === 0) &&
        fleet.agents.every((a) => a.agent.activeRequests === 0)
      );
    }, 30_000);
    expect(idle).toBe(true);
  });

  it('P/D split over NixlConnector fields: every token once, prefill leg max_tokens 1', async () => {
    const prompt = 'Split me between two engines';
    // The decode engine's greedy text for this prompt, asked directly.
    const direct = (await (
      await fetch(`${engines[1]!.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          prompt,
          max_tokens: 10,
          temperature: 0,
          ignore_eos: true,
        }),
      })
    ).json()) as { choices: { text: string }[] };
    const run = await runPdSplit(fleet, 'pdllama1', prompt, 8, 10, { temperature: 0 });
    const tokens = run.messages.filter((m) => m.type === 'token');
    expect(tokens.map((m) => m.seq)).toEqual([...tokens.keys()]);
    expect(run.tokenCount).toBe(10);
    expect(run.text).toBe(direct.choices[0]!.text);
    expect(run.messages.at(-1)).toMatchObject({
      type: 'done',
      instanceId: 'agent-1',
      usage: { completionTokens: 10 },
    });
    const prefill = engines[0]!.records().filter((r) => r.requestId === 'pdllama1');
    const decode = engines[1]!.records().filter((r) => r.requestId === 'pdllama1');
    expect(prefill).toHaveLength(1);
    expect(prefill[0]).toMatchObject({
      stream: false,
      maxTokens: 1,
      kvTransferParams: { do_remote_decode: true },
    });
    expect(decode).toHaveLength(1);
    expect(decode[0]).toMatchObject({
      stream: true,
      maxTokens: 10,
      kvTransferParams: { do_remote_prefill: true, remote_engine_id: engines[0]!.engineId },
    });
  });
});
