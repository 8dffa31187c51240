import { AdagenError } from '@adagen/protocol';
import { headers } from '@nats-io/nats-core';
import { ServiceErrorCodeHeader, ServiceErrorHeader } from '@nats-io/services';
import { describe, expect, it } from 'vitest';
import { errorFromReply, headerSafe, serviceErrorReply } from './service-errors.js';

function asReply(error: AdagenError) {
  const { status, description, headers: h } = serviceErrorReply(error);
  // What ServiceMsg.respondError adds.
  h.set(ServiceErrorCodeHeader, String(status));
  h.set(ServiceErrorHeader, description);
  return { headers: h };
}

describe('service error headers', () => {
  it('round-trip code, message and retryability', () => {
    const sent = new AdagenError('rate_limited', 'tenant a: 10 req/s', { retryable: false });
    const reply = asReply(sent);
    expect(reply.headers.get(ServiceErrorCodeHeader)).toBe('429');
    const received = errorFromReply(reply);
    expect(received).toBeInstanceOf(AdagenError);
    expect(received?.code).toBe('rate_limited');
    expect(received?.message).toBe('tenant a: 10 req/s');
    expect(received?.retryable).toBe(false);
  });

  it('round-trip retryAfterMs (overload backlog); a foreign value is ignored', () => {
    const received = errorFromReply(
      asReply(new AdagenError('overloaded', 'fleet full', { retryAfterMs: 2345.6 })),
    );
    expect(received?.retryAfterMs).toBe(2346);
    expect(errorFromReply(asReply(new AdagenError('overloaded', 'x')))?.retryAfterMs).toBe(
      undefined,
    );
    const h = asReply(new AdagenError('overloaded', 'x')).headers;
    h.set('Adagen-Retry-After-Ms', 'soon');
    expect(errorFromReply({ headers: h })?.retryAfterMs).toBe(undefined);
  });

  it('falls back to the status when a foreign service sent no AdaGen code', () => {
    const h = headers();
    h.set(ServiceErrorCodeHeader, '503');
    h.set(ServiceErrorHeader, 'busy');
    const error = errorFromReply({ headers: h });
    expect(error?.code).toBe('unavailable');
    expect(error?.retryable).toBe(true);
  });

  it('reads a normal reply as no error', () => {
    expect(errorFromReply({ headers: undefined })).toBeUndefined();
  });

  it('keeps descriptions on one line and bounded', () => {
    expect(headerSafe('a\r\nb\nc')).toBe('a b c');
    expect(headerSafe('x'.repeat(5000))).toHaveLength(1024);
  });
});
