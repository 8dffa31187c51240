import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCodec } from './codec.js';
import { MESSAGE_SCHEMAS } from './messages.js';
import type { MessageName } from './messages.js';
import { inferenceRequestSchema } from './messages/request.js';
import { VALID_MESSAGES, sample } from './testing/fixtures.js';

const names = Object.keys(MESSAGE_SCHEMAS) as MessageName[];

describe('codec round trip', () => {
  it.each(names)('%s: encode → decode gives the same value', (name) => {
    const codec = createCodec<unknown>(MESSAGE_SCHEMAS[name]);
    const value = VALID_MESSAGES[name];
    const decoded = codec.decode(codec.encode(value));
    expect(decoded).toEqual({ ok: true, value });
  });

  it('writes plain msgpack maps that any msgpack reader can read', () => {
    const codec = createCodec(inferenceRequestSchema);
    const value = sample<Record<string, unknown>>('inferenceRequest');
    expect(unpack(Buffer.from(codec.encode(value as never)))).toEqual(value);
  });

  it('omits undefined optional fields instead of sending nil', () => {
    const codec = createCodec(inferenceRequestSchema);
    const value = { ...sample<Record<string, unknown>>('inferenceRequest'), tenant: undefined };
    const raw = unpack(Buffer.from(codec.encode(value as never))) as Record<string, unknown>;
    expect('tenant' in raw).toBe(false);
    expect(codec.decode(codec.encode(value as never)).ok).toBe(true);
  });

  it('drops unknown fields (tolerant reader)', () => {
    const codec = createCodec(inferenceRequestSchema);
    const decoded = codec.decode(pack({ ...sample('inferenceRequest'), extra: 1 }));
    expect(decoded.ok && 'extra' in decoded.value).toBe(false);
    expect(decoded.ok).toBe(true);
  });
});

describe('codec rejects bad bytes without throwing', () => {
  const codec = createCodec(inferenceRequestSchema, { maxBytes: 4096 });

  it('random bytes', () => {
    const result = codec.decode(new Uint8Array([0xc1, 0x02, 0x03, 0xff, 0x10]));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_message');
      expect(result.error.issues[0]?.path).toBe('(payload)');
    }
  });

  it('text that is not msgpack', () => {
    const result = codec.decode(new TextEncoder().encode('{"hello": "json"}'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^\(payload\): expected msgpack/);
  });

  it('an empty payload', () => {
    const result = codec.decode(new Uint8Array(0));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('0 bytes');
  });

  it('a valid msgpack value of the wrong shape', () => {
    const result = codec.decode(pack(42));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^\(root\): .*expected object/);
  });

  it('a huge bad id or many bad fields give a short error, not an echo of the input', () => {
    const big = createCodec(inferenceRequestSchema);
    const hugeId = big.decode(
      pack({ ...sample('inferenceRequest'), requestId: '.'.repeat(900_000) }),
    );
    expect(hugeId.ok).toBe(false);
    if (!hugeId.ok) {
      expect(hugeId.error.message).toMatch(/^requestId: expected 1-64 characters/);
      expect(hugeId.error.message.length).toBeLessThan(600);
    }
    const state = createCodec(MESSAGE_SCHEMAS.instanceState);
    const many = state.decode(
      pack({
        ...sample('instanceState'),
        waiting: new Array(4000).fill({ requestId: 'x'.repeat(100) }),
      }),
    );
    expect(many.ok).toBe(false);
    if (!many.ok) {
      expect(many.error.issues.length).toBe(100);
      expect(many.error.message).toMatch(/; and \d{4,} more$/);
    }
  });

  it('trailing bytes after a message are an error', () => {
    const bytes = Buffer.concat([codec.encode(sample('inferenceRequest')), Buffer.from([1])]);
    const result = codec.decode(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^\(payload\): expected msgpack/);
  });

  it('a payload over maxBytes', () => {
    const result = codec.decode(new Uint8Array(4097));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('payload_too_large');
      expect(result.error.message).toContain('expected at most 4096 bytes, got 4097');
    }
  });

  it('encode refuses an oversized message', () => {
    const big = { ...sample('inferenceRequest'), prompt: 'x'.repeat(5000) };
    expect(() => codec.encode(big as never)).toThrow(/payload_too_large|at most 4096 bytes/);
  });

  it('encode refuses an invalid message and names the field', () => {
    const bad = { ...sample('inferenceRequest'), maxTokens: -1 };
    expect(() => codec.encode(bad as never)).toThrow(/^maxTokens: /);
  });

  it('encode can skip validation when asked', () => {
    const loose = createCodec(inferenceRequestSchema, { validateOnEncode: false });
    const bad = { ...sample('inferenceRequest'), maxTokens: -1 };
    const result = loose.decode(loose.encode(bad as never));
    expect(result.ok).toBe(false);
  });
});

describe('typed checks by schema (FAST_CHECKS)', () => {
  it('a codec of a listed schema skips the schema walk for what its check accepts, and uses the schema for the rest', async () => {
    const { vi } = await import('vitest');
    const { streamMessageSchema } = await import('./messages/stream.js');
    const { pack } = await import('msgpackr');
    const codec = createCodec(streamMessageSchema);
    const chunk = {
      v: 1,
      type: 'token',
      requestId: 'req-1',
      attempt: 0,
      instanceId: 'gpu-1',
      seq: 3,
      text: 'hi',
      tokenCount: 1,
      atMs: 5,
    };
    const walk = vi.spyOn(streamMessageSchema, 'safeParse');
    try {
      const fast = codec.decode(pack(chunk));
      expect(fast.ok && fast.value).toEqual(chunk);
      expect(walk).not.toHaveBeenCalled();
      // A key the schema strips: the check refuses it, the schema answers (and strips it).
      const extra = codec.decode(pack({ ...chunk, extra: 1 }));
      expect(walk).toHaveBeenCalledTimes(1);
      expect(extra.ok && extra.value).toEqual(chunk);
      // A bad field: refused by the schema, with the field named.
      const bad = codec.decode(pack({ ...chunk, seq: -1 }));
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error.message).toMatch(/^seq: /);
    } finally {
      walk.mockRestore();
    }
  });

  it('encode with validation skips the schema walk for a value the check accepts, and names the field of an invalid one', async () => {
    const { vi } = await import('vitest');
    const schema = z.object({ n: z.int().min(0), s: z.string().optional() });
    type V = z.infer<typeof schema>;
    let checks = 0;
    const fastCheck = (raw: unknown): raw is V => {
      checks++;
      return (
        typeof raw === 'object' &&
        raw !== null &&
        Object.keys(raw).length === 1 &&
        Number.isInteger((raw as { n?: unknown }).n) &&
        (raw as { n: number }).n >= 0
      );
    };
    const codec = createCodec(schema, { fastCheck });
    const walk = vi.spyOn(schema, 'safeParse');
    try {
      // Accepted by the check: encoded without the walk, the same bytes as a validated encode.
      const bytes = codec.encode({ n: 3 });
      expect(checks).toBe(1);
      expect(walk).not.toHaveBeenCalled();
      expect(unpack(Buffer.from(bytes))).toEqual({ n: 3 });
      // Refused by the check (a shape it leaves to the schema): the schema validates it.
      expect(unpack(Buffer.from(codec.encode({ n: 3, s: 'x' })))).toEqual({ n: 3, s: 'x' });
      expect(walk).toHaveBeenCalledTimes(1);
      // Invalid: the check refuses, the schema throws naming the field.
      expect(() => codec.encode({ n: -1 })).toThrow(/^n: /);
      expect(walk).toHaveBeenCalledTimes(2);
      // Without validation neither runs.
      const loose = createCodec(schema, { fastCheck, validateOnEncode: false });
      const before = checks;
      loose.encode({ n: -1 });
      expect(checks).toBe(before);
      expect(walk).toHaveBeenCalledTimes(2);
    } finally {
      walk.mockRestore();
    }
  });

  it('encode of a listed schema takes its check from FAST_CHECKS', async () => {
    const { vi } = await import('vitest');
    const { streamMessageSchema } = await import('./messages/stream.js');
    const codec = createCodec(streamMessageSchema);
    const chunk = {
      v: 1 as const,
      type: 'token' as const,
      requestId: 'req-1',
      attempt: 0,
      instanceId: 'gpu-1',
      seq: 3,
      text: 'hi',
      tokenCount: 1,
      atMs: 5,
    };
    const walk = vi.spyOn(streamMessageSchema, 'safeParse');
    try {
      codec.encode(chunk);
      expect(walk).not.toHaveBeenCalled();
      expect(() => codec.encode({ ...chunk, seq: -1 })).toThrow(/^seq: /);
      expect(walk).toHaveBeenCalledTimes(1);
    } finally {
      walk.mockRestore();
    }
  });
});
