/**
 * The SGLang P/D dialect of the http backend, over real HTTP: two agents (prefill, decode) in
 * front of a recording server that answers as SGLang's prefill and decode servers do. The
 * prefill server holds its answer until the decode leg has arrived, as SGLang's bootstrap
 * handshake needs both legs at once; the bootstrap fields must be the same on both legs.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, createFleetClock, dispatchesFor, requireProfile } from '@adagen/fleet';
import type { AgentHost } from '@adagen/fleet';
import type { StreamMessage } from '@adagen/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from './http.js';

interface Seen {
  readonly port: 'prefill' | 'decode';
  readonly body: Record<string, unknown>;
  readonly requestId: string | undefined;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const c of req as AsyncIterable<Buffer>) text += c.toString();
  return JSON.parse(text) as Record<string, unknown>;
}

describe('P/D split in SGLang’s dialect (bootstrap fields on both legs at once)', () => {
  const seen: Seen[] = [];
  let decodeArrived: () => void = () => undefined;
  const decodeLeg = new Promise<void>((r) => (decodeArrived = r));
  const servers: Server[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    for (const role of ['prefill', 'decode'] as const) {
      const server = createServer((req, res) => {
        if (req.url === '/metrics') return void res.writeHead(404).end();
        void body(req).then(async (b) => {
          const id = req.headers['x-request-id'];
          seen.push({ port: role, body: b, requestId: Array.isArray(id) ? id[0] : id });
          if (role === 'prefill') {
            await decodeLeg; // SGLang's prefill waits for the decode side to connect
            res.writeHead(200, { 'content-type': 'application/json' });
            return void res.end(
              JSON.stringify({
                choices: [{ index: 0, text: 'A', finish_reason: 'length' }],
                usage: { prompt_tokens: 5, completion_tokens: 1 },
              }),
            );
          }
          decodeArrived();
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const t of ['A', 'B', 'C'])
            res.write(
              `data: ${JSON.stringify({ choices: [{ index: 0, text: t, finish_reason: null }] })}\n\n`,
            );
          res.write(
            `data: ${JSON.stringify({ choices: [{ index: 0, text: '', finish_reason: 'length' }] })}\n\n`,
          );
          res.write(
            `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } })}\n\n`,
          );
          res.end('data: [DONE]\n\n');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('sends both legs with one bootstrap room; the decode leg’s tokens are the stream, once', async () => {
    const streams: StreamMessage[] = [];
    const agents = new Map<string, Agent>();
    const clock = createFleetClock({ wallNowMs: () => Date.now() });
    const host: AgentHost = {
      clock,
      setTimer: (ms, fn) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
      stream: (_subject, m) => streams.push(m),
      kv: (to, n) => setTimeout(() => agents.get(to)?.kvNotice(n), 1),
      completion: () => undefined,
      changed: () => undefined,
      warn: () => undefined,
    };
    const profile = requireProfile('a100');
    ['agent-0', 'agent-1'].forEach((id, i) =>
      agents.set(
        id,
        new Agent({
          instanceId: id,
          host,
          backend: (sink) =>
            new HttpBackend(
              {
                instanceId: id,
                engineUrl: urls[i]!,
                profile,
                kvTransfer: 'sglang',
                metrics: 'off',
              },
              sink,
            ),
        }),
      ),
    );
    const now = Date.now();
    const parts = dispatchesFor(
      { kind: 'pd-split', prefillInstanceId: 'agent-0', decodeInstanceId: 'agent-1' },
      'sgl1',
      0,
      {
        model: 'm',
        prompt: 'hello there',
        promptTokens: 5,
        maxTokens: 3,
        predictedOutputTokens: 3,
        targetOutputTokens: 3,
        streamSubject: 'adagen.v1.stream.gw1.sgl1',
        deadlineAtMs: now + 10_000,
        arrivalMs: now,
      },
    );
    for (const d of parts) expect(agents.get(d.instanceId)!.dispatch(d).status).toBe('accepted');
    const until = Date.now() + 10_000;
    while (!streams.some((m) => m.type !== 'token') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    const prefill = seen.find((s) => s.port === 'prefill')!;
    const decode = seen.find((s) => s.port === 'decode')!;
    const room = prefill.body.bootstrap_room;
    expect(typeof room).toBe('number');
    for (const leg of [prefill, decode]) {
      expect(leg.requestId).toBe('sgl1');
      expect(leg.body).toMatchObject({
        bootstrap_host: '127.0.0.1',
        bootstrap_port: 8998,
        bootstrap_room: room,
        prompt: 'hello there',
      });
    }
    expect(prefill.body.stream).toBe(false);
    expect(decode.body.stream).toBe(true);
    const text = streams.flatMap((m) => (m.type === 'token' ? [m.text] : [])).join('');
    expect(text).toBe('ABC');
    expect(streams.at(-1)).toMatchObject({
      type: 'done',
      instanceId: 'agent-1',
      usage: { completionTokens: 3 },
    });
    for (const a of agents.values()) {
      expect(a.activeRequests).toBe(0);
      a.stop();
    }
  });
});
