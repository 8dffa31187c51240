/**
 * Hostile input over HTTP at a real gateway (in front of a real fleet): malformed JSON, random
 * bytes, wrong types, unknown fields, empty and huge prompts, absurd `max_tokens`, invalid
 * UTF-8, oversized bodies, slow clients (slowloris headers, a trickled body), disconnects
 * mid-stream, and more connections than the gateway takes. Every input gets a clear OpenAI-style
 * error or a valid response — or, for the slow and the excess clients, a counted drop — never a
 * crash, a hang or a leak: afterwards nothing is in flight anywhere, the agents hold no KV, and
 * no per-request timer is left. Seeded (`ADAGEN_FUZZ_SEED`, `ADAGEN_FUZZ_RUNS` per class,
 * `ADAGEN_FUZZ_SUMMARY=<prefix>` writes the outcome counts).
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, waitFor } from './faults/metrics.js';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import { closedWithin, openSocket, pool, postRaw } from './http/raw.js';
import type { RawResponse } from './http/raw.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const SEED = Number(process.env.ADAGEN_FUZZ_SEED ?? 20_260_101);
const RUNS = Number(process.env.ADAGEN_FUZZ_RUNS ?? 120);
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const MAX_BODY = 65_536;
const sample = <T>(arb: fc.Arbitrary<T>, n = RUNS): T[] =>
  fc.sample(arb, { seed: SEED, numRuns: n });
const tally: Record<string, Record<string, number>> = {};
const count = (cls: string, outcome: string) => {
  const row = (tally[cls] ??= {});
  row[outcome] = (row[outcome] ?? 0) + 1;
};
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** The response must be a valid completion or an OpenAI error; returns a label for the tally. */
function check(r: RawResponse, what: string): string {
  if (r.status === 200) {
    if (String(r.headers['content-type']).includes('event-stream')) {
      expect(r.body.trimEnd().endsWith('data: [DONE]'), what).toBe(true);
      return r.body.includes('"error"') ? '200 stream with error event' : '200 stream';
    }
    expect(JSON.parse(r.body), what).toHaveProperty('choices');
    return '200';
  }
  expect([400, 404, 413, 429, 502, 503], `${what}: status ${r.status} ${r.body}`).toContain(
    r.status,
  );
  const body = JSON.parse(r.body) as { error: { message: string; type: string; code: string } };
  expect(typeof body.error.message, what).toBe('string');
  expect(body.error.message.length, what).toBeLessThanOrEqual(4096);
  expect(body.error.type, what).toMatch(/_error$/);
  return `${r.status} ${body.error.code}`;
}

const validBody = { model: MODEL, prompt: 'hello', max_tokens: 8 };
const json = fc.jsonValue({ maxDepth: 3 });
const inputClasses: Record<string, fc.Arbitrary<Buffer>> = {
  'malformed JSON (random text)': fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  'random bytes': fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  'truncated valid body': fc
    .nat({ max: JSON.stringify(validBody).length - 1 })
    .map((n) => Buffer.from(JSON.stringify(validBody).slice(0, n))),
  'wrong types and unknown fields': fc
    .record(
      {
        model: fc.oneof(fc.constant(MODEL), json),
        prompt: fc.oneof(fc.constant('hi'), json),
        messages: json,
        max_tokens: fc.oneof(fc.integer({ min: 1, max: 16 }), json),
        stream: fc.oneof(fc.boolean(), json),
        temperature: json,
        top_p: json,
        stop: json,
        stream_options: json,
      },
      { requiredKeys: [] },
    )
    .chain((r) =>
      fc
        .dictionary(fc.string({ minLength: 1, maxLength: 12 }), json, { maxKeys: 3 })
        .map((extra) => Buffer.from(JSON.stringify({ ...extra, ...r }))),
    ),
  'empty, huge or token-id prompts': fc
    .oneof(
      fc.constant(''),
      fc.constant(' '),
      fc.integer({ min: 1, max: 60_000 }).map((n) => 'word '.repeat(Math.floor(n / 5))),
      fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 9000 }),
      fc.array(fc.string(), { minLength: 0, maxLength: 3 }),
    )
    .map((prompt) => Buffer.from(JSON.stringify({ model: MODEL, prompt, max_tokens: 4 }))),
  'absurd max_tokens': fc
    .constantFrom<unknown>(
      0,
      -1,
      1.5,
      1e9,
      2 ** 31,
      4_194_304,
      4_194_305,
      '10',
      null,
      true,
      [],
      {},
      1e308,
    )
    .map((max_tokens) =>
      Buffer.from(JSON.stringify({ model: MODEL, prompt: 'x', max_tokens, stream: true })),
    ),
  'invalid UTF-8 inside strings': fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bad) => {
    const [head, tail] = ['{"model":"' + MODEL + '","max_tokens":4,"prompt":"', '"}'];
    const bytes = Buffer.from(bad.map((b) => 0x80 | (b & 0x7f)));
    return Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]);
  }),
  oversized: fc
    .integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY })
    .map((n) => Buffer.from(JSON.stringify({ model: MODEL, prompt: 'y'.repeat(n) }))),
};

describe('hostile input over HTTP', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;
  let timersAtStart = 0;

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 2,
      policy: 'adagen',
      timeScale: 20,
      env: {
        ADAGEN_TOKENIZER: 'chars',
        ADAGEN_MAX_BODY_BYTES: String(MAX_BODY),
        ADAGEN_REQUEST_TIMEOUT_MS: '10000',
        ADAGEN_HTTP_HEADERS_TIMEOUT_MS: '500',
        ADAGEN_HTTP_REQUEST_TIMEOUT_MS: '1000',
        ADAGEN_HTTP_MAX_CONNECTIONS: '64',
      },
    });
    timersAtStart = timers();
  });
  afterAll(async () => {
    const file = process.env.ADAGEN_FUZZ_SUMMARY;
    if (file !== undefined && file !== '')
      writeFileSync(`${file}.http.json`, `${JSON.stringify(tally, null, 2)}\n`);
    process.stderr.write(`[fuzz] http outcomes: ${JSON.stringify(tally)}\n`);
    await fleet?.stop();
    await nats?.stop();
  });

  it.each(Object.keys(inputClasses))(
    '%s: a valid response or a clear error, never a hang',
    async (cls) => {
      const url = `${fleet.url}/v1/completions`;
      const inputs = sample(inputClasses[cls]!);
      const results = await pool(
        inputs.map((body) => async () => ({ body, r: await postRaw(url, body, 15_000) })),
        8,
      );
      for (const { body, r } of results)
        count(cls, check(r, `${cls}: ${body.toString('utf8', 0, 200)}`));
      // Still serving.
      const ok = await postRaw(url, JSON.stringify(validBody), 15_000);
      expect(ok.status, ok.body).toBe(200);
    },
  );

  it('a client sending its headers slowly (slowloris) is cut off and counted', async () => {
    const before = await metricValue(fleet.gateway.registry, 'adagen_http_rejected_total', {
      reason: 'timeout',
    });
    const s = await openSocket(fleet.url);
    s.write('POST /v1/completions HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 100);
    const closed = await closedWithin(s, 5000).finally(() => clearInterval(drip));
    expect(closed.data).toMatch(/^HTTP\/1.1 408/);
    expect(
      await metricValue(fleet.gateway.registry, 'adagen_http_rejected_total', {
        reason: 'timeout',
      }),
    ).toBe(before + 1);
    count('slow clients', `headers: closed after ${Math.round(closed.ms / 100) * 100} ms`);
  });

  it('a client trickling its body is cut off; nothing stays in flight', async () => {
    const s = await openSocket(fleet.url);
    s.write(
      `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"model":`,
    );
    const drip = setInterval(() => s.writable && s.write(' '), 100);
    const closed = await closedWithin(s, 5000).finally(() => clearInterval(drip));
    count('slow clients', `body: closed after ${Math.round(closed.ms / 100) * 100} ms`);
    await waitFor('the gateway holds nothing', () => fleet.gateway.inFlight() === 0, 2000);
  });

  it('more connections than httpMaxConnections: the excess is dropped and counted, service goes on', async () => {
    const sockets = await Promise.all(Array.from({ length: 100 }, () => openSocket(fleet.url)));
    await waitFor(
      'excess connections dropped',
      async () =>
        (await metricValue(fleet.gateway.registry, 'adagen_http_rejected_total', {
          reason: 'max_connections',
        })) >= 30,
      3000,
    );
    for (const s of sockets) s.destroy();
    const url = `${fleet.url}/v1/completions`;
    // Once the server has seen those sockets close, new clients get in again.
    await waitFor(
      'a request is served again after the sockets closed',
      () =>
        postRaw(url, JSON.stringify(validBody), 5000).then(
          (r) => r.status === 200,
          () => false,
        ),
      5000,
    );
    const burst = await pool(
      Array.from(
        { length: 20 },
        (_, i) => () => postRaw(url, JSON.stringify({ ...validBody, stream: i % 2 === 0 }), 15_000),
      ),
      20,
    );
    for (const r of burst) count('many connections', check(r, 'burst'));
    count(
      'many connections',
      `dropped ${await metricValue(fleet.gateway.registry, 'adagen_http_rejected_total', { reason: 'max_connections' })} of 100 idle sockets`,
    );
  });

  it('streams dropped by their clients at random points free everything', async () => {
    const url = `${fleet.url}/v1/completions`;
    const cuts = sample(fc.integer({ min: 0, max: 40 }), 30);
    await Promise.all(
      cuts.map(async (afterChunks) => {
        const controller = new AbortController();
        try {
          const res = await fetch(url, {
            method: 'POST',
            signal: controller.signal,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: MODEL,
              prompt: 'cut '.repeat(100),
              max_tokens: 2000,
              ignore_eos: true,
              stream: true,
            }),
          });
          let seen = 0;
          for await (const chunk of res.body! as AsyncIterable<Uint8Array>) {
            seen += (new TextDecoder().decode(chunk).match(/finish_reason/g) ?? []).length;
            if (seen >= afterChunks) break;
          }
          controller.abort();
        } catch {
          // aborted
        }
      }),
    );
    count('disconnects mid-stream', `${cuts.length} streams cut after 0-40 chunks`);
  });

  it('leaves nothing behind: in-flight gauges 0, agents idle with no KV, no request timers', async () => {
    const services = [
      fleet.gateway,
      ...fleet.classifiers,
      ...fleet.balancers,
      ...fleet.planners,
      fleet.estimator,
      ...fleet.agents,
    ];
    await waitFor(
      'every in-flight gauge back to 0 and every agent idle',
      async () => {
        const gauges = await Promise.all(
          services.map((s) => metricValue(s.registry, 'adagen_endpoint_in_flight')),
        );
        return (
          fleet.gateway.inFlight() === 0 &&
          (await metricValue(fleet.gateway.registry, 'adagen_gateway_in_flight')) === 0 &&
          gauges.every((g) => g === 0) &&
          fleet.agents.every(
            (a) => a.agent.activeRequests === 0 && a.agent.snapshot().kv.usedBlocks === 0,
          )
        );
      },
      5000,
    );
    await waitFor(
      `timers back to ${timersAtStart} (now ${timers()})`,
      () => timers() <= timersAtStart,
      5000,
    );
    for (const s of services) expect(s.lifecycle.state).toBe('ready');
  });
});
