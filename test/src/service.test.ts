import {
  AdagenError,
  createCodec,
  estimateRequestSchema,
  estimateResponseSchema,
  subjects,
} from '@adagen/protocol';
import { ADAGEN_ERROR_CODE_HEADER, connectNats, request } from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  counter,
  estimateRequest,
  gate,
  handlersStarted,
  metricValue,
  startEstimator,
} from './helpers.js';
import { startNatsServer } from './natsServer.js';
import type { NatsServer } from './natsServer.js';

// The Service API's error headers, as they appear on the wire.
const ServiceErrorHeader = 'Nats-Service-Error';
const ServiceErrorCodeHeader = 'Nats-Service-Error-Code';
/** Encodes without validating, as a buggy or hostile publisher would. */
const unchecked = createCodec(estimateRequestSchema, { validateOnEncode: false });
const pack = (value: unknown) => unchecked.encode(value as never);

let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: [server.url], name: 'service-test' });
});

afterAll(async () => {
  await nc.drain();
  await server.stop();
});

const call = (value: unknown, timeoutMs = 5000) =>
  request(nc, subjects.estimate, estimateRequestSchema, estimateResponseSchema, value as never, {
    timeoutMs,
  });

/** Sends raw bytes, bypassing the client-side codec, as a buggy or hostile publisher would. */
const callRaw = (bytes: Uint8Array) => nc.request(subjects.estimate, bytes, { timeout: 5000 });

describe('service endpoints over real NATS', () => {
  it('answers a valid request with the handler result', async () => {
    const { lifecycle } = await startEstimator(nc);
    try {
      const result = await call(estimateRequest(250));
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.value.perInstance[0]?.newRequest.ttftMs).toBe(25);
    } finally {
      await lifecycle.stop();
    }
  });

  it('answers an invalid payload with a typed error naming the field, and keeps answering', async () => {
    const { lifecycle, registry } = await startEstimator(nc);
    try {
      const bad = {
        ...estimateRequest(),
        additions: [{ promptTokens: -5, predictedOutputTokens: 1 }],
      };
      const reply = await callRaw(pack(bad));
      expect(reply.headers?.get(ServiceErrorCodeHeader)).toBe('400');
      expect(reply.headers?.get(ADAGEN_ERROR_CODE_HEADER)).toBe('invalid_message');
      expect(reply.headers?.get(ServiceErrorHeader)).toMatch(
        /^additions\[0\]\.promptTokens: Too small/,
      );

      const garbage = await callRaw(new Uint8Array([0xc1, 0xff, 0x00]));
      expect(garbage.headers?.get(ServiceErrorHeader)).toMatch(/^\(payload\): expected msgpack/);

      const typed = await call({ ...estimateRequest(), horizonMs: 'soon' });
      expect(typed.ok).toBe(false);
      if (!typed.ok) {
        expect(typed.error).toBeInstanceOf(AdagenError);
        expect(typed.error.code).toBe('invalid_message');
        expect(typed.error.message).toContain('horizonMs');
      }

      const after = await call(estimateRequest(90));
      expect(after.ok && after.value.perInstance[0]?.newRequest.ttftMs).toBe(9);
      // All three were refused by the endpoint: `request` sends without validating (the
      // receiver's check is the one that counts), so the typed one's error came back from it too.
      expect(
        await metricValue(registry, 'adagen_endpoint_messages_total', { outcome: 'invalid' }),
      ).toBe(3);
      expect(await metricValue(registry, 'adagen_endpoint_messages_total', { outcome: 'ok' })).toBe(
        1,
      );
    } finally {
      await lifecycle.stop();
    }
  });

  it('answers a throwing handler with the error headers, keeping an AdagenError code', async () => {
    let thrown: Error = new Error('estimator exploded');
    const { lifecycle } = await startEstimator(nc, { handler: () => Promise.reject(thrown) });
    try {
      const reply = await callRaw(pack(estimateRequest()));
      expect(reply.headers?.get(ServiceErrorCodeHeader)).toBe('500');
      expect(reply.headers?.get(ServiceErrorHeader)).toBe('estimator exploded');
      expect(reply.headers?.get(ADAGEN_ERROR_CODE_HEADER)).toBe('internal');

      thrown = new AdagenError('no_instance', 'no instance can take it');
      const typed = await call(estimateRequest());
      expect(typed.ok).toBe(false);
      if (!typed.ok) {
        expect(typed.error.code).toBe('no_instance');
        expect(typed.error.httpStatus).toBe(503);
        expect(typed.error.retryable).toBe(true);
        expect(typed.error.message).toBe('no instance can take it');
      }
    } finally {
      await lifecycle.stop();
    }
  });

  it('answers an internal error naming the field when the handler returns an invalid response', async () => {
    const { lifecycle } = await startEstimator(nc, {
      handler: () =>
        Promise.resolve({
          v: 1,
          type: 'estimate_response',
          perInstance: [{ instanceId: 'bad id' }],
        } as never),
    });
    try {
      const result = await call(estimateRequest());
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('internal');
        expect(result.error.message).toMatch(/invalid response: .*perInstance\[0\]\.instanceId/);
      }
    } finally {
      await lifecycle.stop();
    }
  });

  it('answers overloaded beyond maxInFlight and finishes the admitted requests', async () => {
    const release = gate();
    const started = counter(2);
    const { lifecycle, registry } = await startEstimator(nc, {
      maxInFlight: 2,
      handler: async (req) => {
        started.count();
        await release.opened;
        return (await import('./helpers.js')).fakeEstimate(req);
      },
    });
    try {
      const first = call(estimateRequest(10));
      const second = call(estimateRequest(20));
      await handlersStarted(started.reached, [first, second]);
      const third = await call(estimateRequest(30));
      expect(third.ok).toBe(false);
      if (!third.ok) {
        expect(third.error.code).toBe('overloaded');
        expect(third.error.httpStatus).toBe(429);
        expect(third.error.message).toContain('max 2');
      }
      release.open();
      const results = await Promise.all([first, second]);
      expect(results.map((r) => r.ok && r.value.perInstance[0]?.newRequest.ttftMs)).toEqual([1, 2]);
      expect(
        await metricValue(registry, 'adagen_endpoint_messages_total', { outcome: 'overloaded' }),
      ).toBe(1);
    } finally {
      release.open();
      await lifecycle.stop();
    }
  });

  it('answers unavailable while the service is still starting', async () => {
    const { lifecycle } = await startEstimator(nc, { ready: false });
    try {
      const result = await call(estimateRequest());
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('unavailable');
        expect(result.error.message).toContain('starting');
      }
    } finally {
      await lifecycle.stop();
    }
  });

  it('reports no responders and timeouts as typed errors', async () => {
    const none = await call(estimateRequest());
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.error.code).toBe('unavailable');

    const silent = nc.subscribe(subjects.estimate);
    try {
      const timedOut = await call(estimateRequest(), 200);
      expect(timedOut.ok).toBe(false);
      if (!timedOut.ok) {
        expect(timedOut.error.code).toBe('deadline_exceeded');
        expect(timedOut.error.retryable).toBe(true);
      }
    } finally {
      silent.unsubscribe();
    }
  });
});
