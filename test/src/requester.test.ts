/**
 * The runtime's request/reply (`inboxRequest`: one inbox subscription per connection, one timer
 * for all pending requests) over a real nats-server: replies reach their own requests, each
 * request times out on its own deadline whatever the order, late replies are dropped, and
 * no-responders, a closed connection and headers behave as the NATS client's own request.
 */
import { connectNats, inboxRequest } from '@adagen/runtime';
import {
  ClosedConnectionError,
  NoRespondersError,
  TimeoutError,
  headers,
} from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer } from './natsServer.js';
import type { NatsServer } from './natsServer.js';

let server: NatsServer;
let nc: NatsConnection;
const enc = new TextEncoder();
const dec = new TextDecoder();

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ servers: [server.url], name: 'requester-test' });
});

afterAll(async () => {
  await nc.drain();
  await server.stop();
});

describe('inboxRequest', () => {
  it('gives each of many concurrent requests its own reply, answered out of order', async () => {
    const responder = await connectNats({ servers: [server.url], name: 'responder' });
    try {
      responder.subscribe('rq.echo', {
        callback: (_e, m) => {
          const n = Number(dec.decode(m.data));
          setTimeout(() => m.respond(enc.encode(`re ${n}`)), (n * 7) % 23);
        },
      });
      await responder.flush();
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          inboxRequest(nc, 'rq.echo', enc.encode(String(i)), 5000),
        ),
      );
      expect(replies.map((m) => dec.decode(m.data))).toEqual(
        Array.from({ length: 200 }, (_, i) => `re ${i}`),
      );
    } finally {
      await responder.close();
    }
  });

  it('times each request out on its own deadline (a shorter one sent after a longer one first)', async () => {
    const silent = nc.subscribe('rq.silent');
    await nc.flush();
    try {
      const order: string[] = [];
      const note = (name: string) => (error: unknown) => {
        expect(error).toBeInstanceOf(TimeoutError);
        order.push(name);
      };
      const t0 = performance.now();
      const long = inboxRequest(nc, 'rq.silent', enc.encode('a'), 600).then(
        () => order.push('long answered'),
        note('long'),
      );
      const short = inboxRequest(nc, 'rq.silent', enc.encode('b'), 100).then(
        () => order.push('short answered'),
        note('short'),
      );
      await Promise.all([long, short]);
      expect(order).toEqual(['short', 'long']);
      // Not before its own deadline (no timing bound above: the machine may be slow).
      expect(performance.now() - t0).toBeGreaterThanOrEqual(599);
    } finally {
      silent.unsubscribe();
    }
  });

  it('drops a reply that comes after its request timed out, and keeps serving', async () => {
    const responder = await connectNats({ servers: [server.url], name: 'late' });
    try {
      responder.subscribe('rq.late', {
        callback: (_e, m) => {
          const late = dec.decode(m.data) === 'late';
          setTimeout(() => m.respond(m.data), late ? 300 : 0);
        },
      });
      await responder.flush();
      await expect(inboxRequest(nc, 'rq.late', enc.encode('late'), 50)).rejects.toBeInstanceOf(
        TimeoutError,
      );
      await new Promise((r) => setTimeout(r, 400)); // the late reply arrives and is dropped
      const ok = await inboxRequest(nc, 'rq.late', enc.encode('now'), 5000);
      expect(dec.decode(ok.data)).toBe('now');
    } finally {
      await responder.close();
    }
  });

  it('fails at once with no responders, and carries headers', async () => {
    await expect(inboxRequest(nc, 'rq.nobody', enc.encode('x'), 5000)).rejects.toBeInstanceOf(
      NoRespondersError,
    );
    const responder = await connectNats({ servers: [server.url], name: 'headers' });
    try {
      responder.subscribe('rq.headers', {
        callback: (_e, m) => {
          m.respond(enc.encode(m.headers?.get('x-test') ?? 'none'));
        },
      });
      await responder.flush();
      const h = headers();
      h.set('x-test', 'carried');
      const reply = await inboxRequest(nc, 'rq.headers', enc.encode('x'), 5000, h);
      expect(dec.decode(reply.data)).toBe('carried');
    } finally {
      await responder.close();
    }
  });

  it('fails pending requests when the connection closes, and new ones at once', async () => {
    const own = await connectNats({ servers: [server.url], name: 'closing' });
    const silent = nc.subscribe('rq.closing');
    await nc.flush();
    try {
      const pending = inboxRequest(own, 'rq.closing', enc.encode('x'), 30_000);
      await own.flush();
      await own.close();
      await expect(pending).rejects.toBeInstanceOf(ClosedConnectionError);
      await expect(inboxRequest(own, 'rq.closing', enc.encode('y'), 30_000)).rejects.toBeInstanceOf(
        ClosedConnectionError,
      );
    } finally {
      silent.unsubscribe();
    }
  });
});
