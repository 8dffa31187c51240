import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTokenChunk, tokenChunkSchema } from './stream.js';
import { plainRecord } from '../testing/plain-record.js';

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, 1, 2, 100, 101, 65_536, 65_537, 1e14, 1e14 + 1, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('token', 'done', 'r-1', 'a.b', 'gpu_1', '', 'x'.repeat(65)),
);

const chunkLike = plainRecord(
  {
    v: fc.oneof(fc.constant(1), anyValue),
    type: fc.oneof(fc.constant('token'), anyValue),
    requestId: fc.oneof(fc.constantFrom('req-1', 'R_2'), anyValue),
    attempt: fc.oneof(fc.nat(100), anyValue),
    instanceId: fc.oneof(fc.constantFrom('gpu-1', 'agent_0'), anyValue),
    seq: fc.oneof(fc.nat(), anyValue),
    text: fc.oneof(fc.string({ maxLength: 20 }), anyValue),
    tokenCount: fc.oneof(fc.integer({ min: 1, max: 64 }), anyValue),
    atMs: fc.oneof(fc.double({ min: 0, max: 1e14, noNaN: true }), anyValue),
  },
  { requiredKeys: [] },
);

describe('isTokenChunk (the hot path’s hand-written check)', () => {
  it('accepts exactly what the schema accepts, on valid, near-valid and random values', () => {
    fc.assert(
      fc.property(chunkLike, (value) => {
        expect(isTokenChunk(value)).toBe(tokenChunkSchema.safeParse(value).success);
      }),
      { numRuns: 5000, seed: 42 },
    );
  });
});
