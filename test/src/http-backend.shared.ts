/**
 * What the `http` backend's tests share: a fleet whose agents each sit in front of one
 * `adagen engine serve` process, a P/D split dispatched straight to two of them (so the plan
 * is known), and the engine's own gauges read from its `/metrics`.
 */
import { dispatchesFor } from '@adagen/fleet';
import {
  agentDispatchSchema,
  createCodec,
  dispatchAckSchema,
  streamMessageSchema,
  subjects,
} from '@adagen/protocol';
import type { StreamMessage } from '@adagen/protocol';
import { request } from '@adagen/runtime';
import type { EngineProcess } from './engine-server.js';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { MODEL } from './fleet/stream-check.js';

/** A fleet of `engines.length` http agents (agent-i in front of engines[i]), P/D over Nixl. */
export async function startHttpFleet(
  natsUrl: string,
  engines: readonly EngineProcess[],
  agentEnv: Readonly<Record<string, string>> = {},
): Promise<InProcessFleet> {
  return startInProcessFleet({
    natsUrl,
    agents: engines.length,
    policy: 'round-robin',
    agentEnv: (i) => ({
      ADAGEN_BACKEND: 'http',
      ADAGEN_ENGINE_URL: engines[i]!.url,
      ADAGEN_ENGINE_KV_TRANSFER: 'nixl',
      ADAGEN_ENGINE_SCRAPE_MS: '200',
      ...agentEnv,
    }),
    env: { ADAGEN_TOKENIZER: 'chars' },
  });
}

export interface SplitRun {
  readonly requestId: string;
  readonly messages: StreamMessage[];
  readonly text: string;
  readonly tokenCount: number;
}

/** Dispatches a P/D split (prefill on agent-0, decode on agent-1) and collects its stream. */
export async function runPdSplit(
  fleet: InProcessFleet,
  requestId: string,
  prompt: string,
  promptTokens: number,
  outputTokens: number,
  sampling?: { temperature?: number; seed?: number },
): Promise<SplitRun> {
  const nc = fleet.gateway.nc;
  const streamSubject = subjects.stream('gw-pd', requestId);
  const codec = createCodec(streamMessageSchema);
  const messages: StreamMessage[] = [];
  const sub = nc.subscribe(`${streamSubject}.*`);
  const collected = (async () => {
    for await (const m of sub) {
      const d = codec.decode(m.data);
      if (!d.ok) continue;
      messages.push(d.value);
      if (d.value.type !== 'token') break;
    }
  })();
  const now = Date.now();
  const parts = dispatchesFor(
    { kind: 'pd-split', prefillInstanceId: 'agent-0', decodeInstanceId: 'agent-1' },
    requestId,
    0,
    {
      model: MODEL,
      endpoint: 'completions',
      prompt,
      promptTokens,
      maxTokens: outputTokens,
      predictedOutputTokens: outputTokens,
      targetOutputTokens: outputTokens,
      ...(sampling === undefined ? {} : { sampling }),
      streamSubject,
      deadlineAtMs: now + 60_000,
      arrivalMs: now,
    },
  );
  const acks = await Promise.all(
    parts.map((d) =>
      request(nc, subjects.dispatch(d.instanceId), agentDispatchSchema, dispatchAckSchema, d, {
        timeoutMs: 10_000,
      }),
    ),
  );
  for (const a of acks)
    if (!(a.ok && a.value.status === 'accepted'))
      throw new Error(`dispatch not accepted: ${JSON.stringify(a)}`);
  await collected;
  let text = '';
  let tokenCount = 0;
  for (const m of messages)
    if (m.type === 'token') {
      text += m.text;
      tokenCount += m.tokenCount;
    }
  return { requestId, messages, text, tokenCount };
}

/** One gauge of an engine's `/metrics` (vLLM names). */
export async function engineGauge(engine: EngineProcess, name: string): Promise<number> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${name} not in ${engine.url}/metrics`);
  return Number(line.split(/\s+/).at(-1));
}

/** Polls `check` until it is true or `timeoutMs` passes; returns its last value. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
