/**
 * The `http` backend over real HTTP, in front of two `adagen engine serve --backend sim`
 * processes (the simulated engine in real time; its text is a function of the request, so every
 * stream is checked exactly): the official `openai` client through the gateway (chat and
 * completions, streamed and whole, stop strings), a client that goes away frees the engine's
 * sequence, a P/D split over vLLM's NixlConnector fields (prefill leg `max_tokens: 1` and not
 * streamed, its kv_transfer_params verbatim to the decode leg, one request id, every token
 * once), and traffic the agent did not send shows in its snapshot through the engine's metrics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simText, simTextSeed } from '@adagen/fleet';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineProcess } from './engine-server.js';
import { cliBuilt, startEngineProcess } from './engine-server.js';
import type { InProcessFleet } from './fleet/in-process.js';
import { streamChat, streamThenGoAway } from './fleet/openai-checks.js';
import { MODEL, expectedChat } from './fleet/stream-check.js';
import { engineGauge, eventually, runPdSplit, startHttpFleet } from './http-backend.shared.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

describe.skipIf(!cliBuilt())('http agents in front of simulated engine servers', () => {
  let nats: NatsServer;
  let engines: EngineProcess[] = [];
  let fleet: InProcessFleet;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adagen-http-'));
    engines = await Promise.all(
      [0, 1].map((i) => startEngineProcess(dir, `engine-${i}`, ['--backend', 'sim'])),
    );
    nats = await startNatsServer();
    fleet = await startHttpFleet(nats.url, engines);
    client = new OpenAI({ baseURL: `${fleet.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }, 90_000);
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
    await Promise.all(engines.map((e) => e.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams chat and completions from the engines, exactly their text; usage is theirs', async () => {
    const content = 'Hello over HTTP';
    const { text, finish, usage } = await streamChat(client, content, 9);
    expect(text).toBe(expectedChat(content, 9));
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(9);
    const prompt = 'Once upon a time';
    const whole = await client.completions.create({
      model: MODEL,
      prompt,
      max_tokens: 7,
      ...({ ignore_eos: true } as object),
    });
    expect(whole.choices[0]!.text).toBe(simText(simTextSeed({ prompt }), 7));
    expect(whole.usage!.completion_tokens).toBe(7);
    // Both engines served: round-robin over the two agents, each calibrating from token gaps.
    expect(engines.every((e) => e.records().length > 0)).toBe(true);
    for (const a of fleet.agents)
      expect(a.agent.calibrator?.stats().observations ?? 0).toBeGreaterThan(0);
  });

  it('ends before a stop string, finish_reason stop', async () => {
    const prompt = 'The quick brown fox';
    const free = simText(simTextSeed({ prompt }), 20);
    const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 3);
    const cut = await client.completions.create({
      model: MODEL,
      prompt,
      max_tokens: 20,
      stop: [stop],
      ...({ ignore_eos: true } as object),
    });
    expect(cut.choices[0]!.finish_reason).toBe('stop');
    expect(cut.choices[0]!.text).toBe(free.slice(0, free.indexOf(stop)));
  });

  it('a client that goes away mid-stream frees the sequence on the engine', async () => {
    const chunks = await streamThenGoAway(client, 2000);
    expect(chunks).toBe(3);
    const idle = await eventually(async () => {
      const running = await Promise.all(
        engines.map((e) => engineGauge(e, 'vllm:num_requests_running')),
      );
      return (
        running.every((n) => n === 0) && fleet.agents.every((a) => a.agent.activeRequests === 0)
      );
    });
    expect(idle).toBe(true);
  });

  it('P/D split over NixlConnector fields: prefill leg max_tokens 1, its params verbatim to the decode leg, every token once', async () => {
    const prompt = 'Split me between two engines, please';
    const run = await runPdSplit(fleet, 'pdnixl1', prompt, 10, 12);
    const tokens = run.messages.filter((m) => m.type === 'token');
    expect(tokens.map((m) => m.seq)).toEqual([...tokens.keys()]);
    expect(run.tokenCount).toBe(12);
    // The decode engine sampled every token from the transferred KV: the request's text, once.
    expect(run.text).toBe(simText(simTextSeed({ prompt }), 12));
    expect(run.messages.at(-1)).toMatchObject({
      type: 'done',
      instanceId: 'agent-1',
      usage: { completionTokens: 12 },
    });
    const prefill = engines[0]!.records().filter((r) => r.requestId === 'pdnixl1');
    const decode = engines[1]!.records().filter((r) => r.requestId === 'pdnixl1');
    expect(prefill).toHaveLength(1);
    expect(prefill[0]).toMatchObject({
      stream: false,
      maxTokens: 1,
      kvTransferParams: { do_remote_decode: true, do_remote_prefill: false },
    });
    expect(decode).toHaveLength(1);
    expect(decode[0]).toMatchObject({
      stream: true,
      maxTokens: 12,
      kvTransferParams: {
        do_remote_prefill: true,
        do_remote_decode: false,
        remote_engine_id: engines[0]!.engineId,
        remote_host: '127.0.0.1',
        remote_port: Number(new URL(engines[0]!.url).port),
      },
    });
    expect(decode[0]!.kvTransferParams!.remote_block_ids).toEqual(expect.any(Array));
    for (const a of fleet.agents) expect(a.agent.activeRequests).toBe(0);
  });

  it('traffic the agent did not send shows in its snapshot through the engine’s metrics', async () => {
    const controller = new AbortController();
    // Two long requests straight to engine 0, not through agent-0.
    const foreign = [0, 1].map((k) =>
      fetch(`${engines[0]!.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          prompt: `foreign ${k}`,
          max_tokens: 3000,
          ignore_eos: true,
          stream: true,
        }),
        signal: controller.signal,
      }).catch(() => undefined),
    );
    const agent = fleet.agents[0]!.agent;
    const seen = await eventually(
      () => agent.snapshot().running.filter((p) => p.id.startsWith('foreign-')).length === 2,
    );
    controller.abort();
    await Promise.all(foreign);
    expect(seen).toBe(true);
    const gone = await eventually(() =>
      agent.snapshot().running.every((p) => !p.id.startsWith('foreign-')),
    );
    expect(gone).toBe(true);
  });
});
