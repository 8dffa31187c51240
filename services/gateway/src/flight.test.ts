import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { GatewayRequest } from '@adagen/fleet';
import { AdagenError } from '@adagen/protocol';
import type { PlanResult, StreamMessage } from '@adagen/protocol';
import { silentLogger } from '@adagen/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Flight } from './flight.js';
import type { FlightEnd } from './flight.js';
import { gatewayMetrics } from './metrics.js';

/** Just enough of a ServerResponse to see what the client would get. */
class FakeResponse extends EventEmitter {
  status = 0;
  body = '';
  headersSent = false;
  writableEnded = false;
  writableNeedDrain = false;
  destroyed = false;
  destroy(): void {
    this.destroyed = true;
  }
  setHeader(): void {}
  writeHead(status: number): this {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.body += chunk;
    return true;
  }
  end(chunk?: string): void {
    if (chunk !== undefined) this.body += chunk;
    this.writableEnded = true;
  }
  /** Streamed text, in the order the client saw it. */
  text(): string {
    return this.body
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)) as { choices?: { text?: string }[] })
      .map((j) => j.choices?.[0]?.text ?? '')
      .join('');
  }
}

function flight(stream: boolean, gapTimeoutMs = 40) {
  const res = new FakeResponse();
  const ends: FlightEnd[] = [];
  const metrics = gatewayMetrics(new Registry());
  const req: GatewayRequest = {
    endpoint: 'completions',
    model: 'm',
    prompt: 'p',
    stream,
    includeUsage: false,
  };
  const f = new Flight({
    requestId: 'r1',
    req,
    meta: { id: 'cmpl-r1', endpoint: 'completions', model: 'm', created: 0 },
    res: res as unknown as ServerResponse,
    receivedWallMs: 0,
    wallNowMs: () => Date.now(),
    metrics,
    logger: silentLogger(),
    retryAfterS: 1,
    gapTimeoutMs,
    mayRetry: (n) => n < 3,
    onEnd: (how) => ends.push(how),
  });
  return { f, res, ends, metrics };
}

const tick = () => new Promise((r) => setImmediate(r));

const plan = (attempt: number): PlanResult => ({
  v: 1,
  type: 'plan_result',
  requestId: 'r1',
  attempt,
  plan: { kind: 'single', instanceId: 'a' },
  dispatchedAtMs: 1,
});
const token = (attempt: number, seq: number, text = `<${seq}>`): StreamMessage => ({
  v: 1,
  type: 'token',
  requestId: 'r1',
  attempt,
  instanceId: 'a',
  seq,
  text,
  tokenCount: 1,
  atMs: 1,
});
const done = (attempt: number, chunks: number): StreamMessage => ({
  v: 1,
  type: 'done',
  requestId: 'r1',
  attempt,
  instanceId: 'a',
  finishReason: 'length',
  usage: { promptTokens: 1, completionTokens: chunks },
  chunks,
  timings: { ttftMs: 1, e2eMs: 2 },
  atMs: 2,
});

describe('Flight', () => {
  it('drops a late acceptance and the tokens of an attempt it gave up on: one stream, once', async () => {
    const { f, res, ends } = flight(true);
    const first = f.startAttempt(0);
    f.attemptFailed(0, new AdagenError('unavailable', 'no placement in time'), true);
    expect(await first).toMatchObject({ retry: expect.any(AdagenError) as unknown });
    // During the backoff, attempt 0 is accepted after all and streams: none of it may show.
    f.accept(0, plan(0));
    f.message(token(0, 0));
    f.message(token(0, 1));
    expect(res.headersSent).toBe(false);
    void f.startAttempt(1);
    f.accept(1, plan(1));
    f.message(token(0, 2)); // still the old attempt: dropped
    for (let i = 0; i < 4; i++) f.message(token(1, i));
    f.message(done(1, 4));
    await tick();
    expect(res.text()).toBe('<0><1><2><3>');
    expect(ends).toEqual(['ok']);
  });

  it('delivers chunks in seq order exactly once and ends only when all are out', async () => {
    const { f, res, ends } = flight(true);
    void f.startAttempt(0);
    f.accept(0, plan(0));
    for (const m of [token(0, 1), token(0, 0), token(0, 0), done(0, 4), token(0, 3)]) f.message(m);
    expect(ends).toEqual([]); // chunk 2 is missing: the outcome waits
    f.message(token(0, 2));
    await tick();
    expect(res.text()).toBe('<0><1><2><3>');
    expect(ends).toEqual(['ok']);
  });

  it('drops a client that stops reading once its buffer is over the bound', async () => {
    const { f, res, ends, metrics } = flight(true);
    void f.startAttempt(0);
    f.accept(0, plan(0));
    await tick();
    res.writableNeedDrain = true; // the socket stopped taking data
    for (let i = 0; i < 2000; i++) f.message(token(0, i, 'x'.repeat(4096)));
    expect(ends).toEqual(['client_closed']);
    expect(res.destroyed).toBe(true);
    expect((await metrics.slowClients.get()).values[0]!.value).toBe(1);
  });

  it('ends a stream whose gap does not fill with an error event, never a truncated 200', async () => {
    const { f, res, ends } = flight(true);
    void f.startAttempt(0);
    f.accept(0, plan(0));
    f.message(token(0, 0));
    f.message(token(0, 2));
    f.message(done(0, 3));
    await new Promise((r) => setTimeout(r, 100));
    expect(ends).toEqual(['unavailable']);
    expect(res.body).toMatch(/the stream lost chunk 1/);
    expect(res.body).not.toMatch(/"finish_reason":"length"/);
    expect(res.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('places a whole response again when its gap does not fill (nothing was sent)', async () => {
    const { f, ends } = flight(false);
    const first = f.startAttempt(0);
    f.accept(0, plan(0));
    f.message(token(0, 1));
    expect(await first).toMatchObject({ retry: expect.any(AdagenError) as unknown });
    expect(ends).toEqual([]);
  });
});
