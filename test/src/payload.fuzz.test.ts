// Hostile payloads over real NATS: random bytes, msgpack of the wrong shape, requests with one
// hostile field and oversized payloads, fired at an AdagenService endpoint and at a subscribe()
// subject. The endpoint answers each with a typed error (or a valid reply), keeps serving, and
// leaks no in-flight handler; the subscription counts drops and keeps delivering valid messages.
import { writeFile } from 'node:fs/promises';
import {
  createCodec,
  estimateRequestSchema,
  estimateResponseSchema,
  streamMessageSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { StreamMessage } from '@adagen/protocol';
import {
  ADAGEN_ERROR_CODE_HEADER,
  codecFor,
  connectNats,
  createMetricsRegistry,
  request,
  subscribe,
} from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRequest, gate, metricValue, startEstimator } from './helpers.js';
import { startNatsServer } from './natsServer.js';
import type { NatsServer } from './natsServer.js';

const SEED = Number(process.env.ADAGEN_FUZZ_SEED ?? 20_260_101);
const PER_CLASS = Number(process.env.ADAGEN_FUZZ_RUNS ?? 300);
const ONE_MIB = 1_048_576;
const sample = <T>(arb: fc.Arbitrary<T>, n = PER_CLASS): T[] =>
  fc.sample(arb, { seed: SEED, numRuns: n });
/** Encodes without validating, as a buggy or hostile publisher would. */
const unchecked = createCodec(estimateRequestSchema, {
  validateOnEncode: false,
  maxBytes: 4 * ONE_MIB,
});
const packOrSkip = (value: unknown): Uint8Array[] => {
  try {
    return [unchecked.encode(value as never)];
  } catch {
    return [];
  }
};

const hostile = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0.5,
    2 ** 64,
    '',
    'a.b',
    'x'.repeat(10_000),
    null,
    [],
    {},
  ),
  fc.anything({ maxDepth: 3 }),
);

/** Payload classes, each a list of byte strings. */
const CLASSES: Record<string, Uint8Array[]> = {
  'random bytes': sample(fc.uint8Array({ maxLength: 1024 })),
  'wrong-shape msgpack': sample(
    fc.anything({ maxDepth: 4, withBigInt: true, withMap: true, withDate: true }),
  ).flatMap(packOrSkip),
  'one hostile field': sample(
    fc.tuple(
      fc.constantFrom('v', 'type', 'additions', 'horizonMs', 'instanceIds', 'promptTokens'),
      hostile,
    ),
  ).flatMap(([key, value]) => {
    const base = estimateRequest() as unknown as Record<string, unknown>;
    if (key === 'promptTokens')
      return packOrSkip({
        ...base,
        additions: [{ promptTokens: value, predictedOutputTokens: 1 }],
      });
    return packOrSkip({ ...base, [key]: value });
  }),
  oversized: sample(fc.integer({ min: ONE_MIB + 1, max: ONE_MIB + 200_000 }), 5).map((n) =>
    new Uint8Array(n).fill(0x90),
  ),
};

let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  // Above the endpoint's 1 MiB limit, so oversized payloads reach the endpoint's own check.
  server = await startNatsServer({ config: 'max_payload: 2097152' });
  nc = await connectNats({ servers: [server.url], name: 'payload-fuzz' });
});
afterAll(async () => {
  await nc.drain();
  await server.stop();
});

const validCall = (promptTokens: number) =>
  request(
    nc,
    subjects.estimate,
    estimateRequestSchema,
    estimateResponseSchema,
    estimateRequest(promptTokens),
    {
      timeoutMs: 10_000,
    },
  );

describe('an AdagenService endpoint under hostile payloads', () => {
  it('answers every one with a typed error or a valid reply, and keeps serving', async () => {
    const { lifecycle, registry } = await startEstimator(nc, { maxInFlight: 4 });
    const responses = codecFor(estimateResponseSchema);
    const seen: Record<string, Record<string, number>> = {};
    let sent = 0;
    let invalidSent = 0;
    for (const [inputClass, payloads] of Object.entries(CLASSES)) {
      const row: Record<string, number> = {};
      for (const payload of payloads) {
        const reply = await nc.request(subjects.estimate, payload, { timeout: 10_000 });
        sent += 1;
        const code = reply.headers?.get(ADAGEN_ERROR_CODE_HEADER) ?? '';
        const outcome =
          code === '' ? (responses.decode(reply.data).ok ? 'valid reply' : 'bad reply') : code;
        row[outcome] = (row[outcome] ?? 0) + 1;
        if (code !== '') invalidSent += 1;
        // Every few hostile payloads, a valid request must still be answered correctly.
        if (sent % 50 === 0) expect((await validCall(sent)).ok).toBe(true);
      }
      seen[inputClass] = row;
    }
    expect(Object.values(seen).every((row) => row['bad reply'] === undefined)).toBe(true);
    expect(Object.keys(seen.oversized ?? {})).toEqual(['payload_too_large']);
    for (const row of Object.values(seen))
      expect(
        Object.keys(row).every((k) =>
          ['invalid_message', 'payload_too_large', 'valid reply'].includes(k),
        ),
      ).toBe(true);
    // maxInFlight is 4: a leaked handler slot would turn these into `overloaded`.
    const after = await Promise.all([1, 2, 3, 4].map((i) => validCall(i * 10)));
    expect(after.every((r) => r.ok)).toBe(true);
    const invalid = await metricValue(registry, 'adagen_endpoint_messages_total', {
      outcome: 'invalid',
    });
    expect(invalid).toBe(invalidSent);
    await lifecycle.stop();
    expect(
      await metricValue(registry, 'adagen_endpoint_messages_total', { outcome: 'aborted' }),
    ).toBe(0);
    expect(await metricValue(registry, 'adagen_endpoint_in_flight', {})).toBe(0);
    expect(sent).toBe(Object.values(CLASSES).reduce((n, list) => n + list.length, 0));
    const summary = process.env.ADAGEN_FUZZ_SUMMARY;
    if (summary !== undefined && summary !== '')
      await writeFile(`${summary}.endpoint.json`, `${JSON.stringify({ sent, seen }, null, 2)}\n`);
  });
});

describe('a subscribe() subject under hostile payloads', () => {
  it('drops and counts every invalid message and still delivers valid ones, in order', async () => {
    const registry = createMetricsRegistry({ service: 'gateway', collectDefault: false });
    const received: StreamMessage[] = [];
    const last = gate();
    const sub = subscribe(nc, wildcards.gatewayStreams('gw-1'), {
      schema: streamMessageSchema,
      registry,
      handler: (message) => {
        received.push(message);
        if (message.type === 'token' && message.seq === 1) last.open();
        return Promise.resolve();
      },
    });
    await nc.flush();
    const chunk = (seq: number): StreamMessage => ({
      v: 1,
      type: 'token',
      requestId: 'req-1',
      attempt: 0,
      instanceId: 'gpu-1',
      seq,
      text: 'hi',
      tokenCount: 1,
      atMs: 1,
    });
    const codec = codecFor(streamMessageSchema);
    const encode = (m: StreamMessage) => codec.encode(m);
    const garbage = [...(CLASSES['random bytes'] ?? []), ...(CLASSES['wrong-shape msgpack'] ?? [])];
    const subject = subjects.streamFrom(subjects.stream('gw-1', 'req-1'), 'gpu-1');
    nc.publish(subject, encode(chunk(0)));
    for (const payload of garbage) nc.publish(subject, payload);
    nc.publish(subject, encode(chunk(1)));
    await last.opened;
    await sub.drain();
    expect(received.map((m) => (m.type === 'token' ? m.seq : -1))).toEqual([0, 1]);
    const count = (outcome: string) =>
      metricValue(registry, 'adagen_subscription_messages_total', { outcome });
    expect(await count('invalid')).toBe(garbage.length);
    expect(await count('ok')).toBe(2);
  });
});
