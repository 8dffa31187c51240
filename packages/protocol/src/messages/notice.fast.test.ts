import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTypedCheckLaw,
  expectCodecRefuses,
  expectLeftToSchema,
} from '../testing/typed-check-law.js';
import { createCodec } from '../codec.js';
import { FAST_CHECKS } from '../fast-checks.js';
import {
  edge,
  id,
  maybeExtra,
  or,
  plainRecord,
  time,
  tokens,
} from '../testing/fast-arbitraries.js';
import { isPlacementNotice } from './request.fast.js';
import { placementNoticeSchema } from './request.js';
import type { PlacementNotice } from './request.js';

const prefix = (extras: boolean) =>
  maybeExtra(
    plainRecord({
      blockSize: or(edge(fc.constantFrom(16, 32), 1, 4096, 0, 4097)),
      blockHashes: or(
        edge(
          fc.array(fc.nat(), { maxLength: 4 }),
          [Number.MAX_SAFE_INTEGER],
          [2 ** 53],
          [-1],
          [0.5],
        ),
      ),
    }),
    extras,
  );

/**
 * A placement notice: the role and the segment bounds drawn apart, so the refine (role
 * `segment` needs both bounds) is broken often; `extras` sometimes adds an unknown key.
 */
const notice = (extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(edge(fc.constant('placement_notice'), 'placement')),
        balancerId: or(id),
        requestId: or(id),
        instanceId: or(id),
        promptTokens: or(tokens),
        predictedOutputTokens: or(tokens),
        atMs: or(time),
        role: or(edge(fc.constantFrom('full', 'prefill', 'decode', 'segment'), 'other')),
        startToken: or(tokens),
        endToken: or(tokens),
        maxTokens: or(tokens),
        prefix: or(prefix(extras)),
      },
      {
        requiredKeys: [
          'v',
          'type',
          'balancerId',
          'requestId',
          'instanceId',
          'promptTokens',
          'predictedOutputTokens',
          'atMs',
        ],
      },
    ),
    extras,
  );

const validNotice: PlacementNotice = {
  v: 1,
  type: 'placement_notice',
  balancerId: 'bal-1',
  requestId: 'r-1',
  instanceId: 'agent-0',
  promptTokens: 120,
  predictedOutputTokens: 200,
  atMs: 1_700_000_000_000,
  role: 'full',
  maxTokens: 256,
};

describe('isPlacementNotice (the placement notice’s hand-written check)', () => {
  it('accepts exactly what the schema accepts and returns unchanged', () => {
    const n = checkTypedCheckLaw(isPlacementNotice, placementNoticeSchema, notice(true), {
      seed: 51,
      leftToSchema: () => false,
    });
    // Both sides of the rule were exercised, not one.
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('keeps the refine (role segment needs both bounds), and leaves what the schema changes', () => {
    expect(isPlacementNotice(validNotice)).toBe(true);
    const segment = { ...validNotice, role: 'segment', startToken: 0, endToken: 64 };
    expect(isPlacementNotice(segment)).toBe(true);
    expect(
      isPlacementNotice({ ...validNotice, prefix: { blockSize: 16, blockHashes: [1, 2] } }),
    ).toBe(true);
    const bad = [
      { ...segment, endToken: undefined },
      { ...segment, startToken: undefined },
      { ...validNotice, role: 'other' },
      { ...validNotice, prefix: { blockSize: 0, blockHashes: [] } },
    ];
    for (const value of bad) {
      expect(isPlacementNotice(value)).toBe(false);
      expect(placementNoticeSchema.safeParse(value).success).toBe(false);
    }
    const changed = [
      { ...validNotice, extra: 1 },
      { ...validNotice, prefix: { blockSize: 16, blockHashes: [], extra: 1 } },
      {
        ...validNotice,
        prefix: Object.assign(Object.create(null) as object, { blockSize: 16, blockHashes: [] }),
      },
    ];
    expectLeftToSchema(isPlacementNotice, placementNoticeSchema, changed);
  });
});

describe('the placement notice codec with the fast check', () => {
  it('is registered, so every codec of the schema uses it', () => {
    expect(FAST_CHECKS.get(placementNoticeSchema)).toBe(isPlacementNotice);
  });

  const codec = createCodec(placementNoticeSchema);

  it('encodes and decodes a notice as the schema does', () => {
    expect(codec.decode(codec.encode(validNotice))).toEqual({ ok: true, value: validNotice });
  });

  it('refuses a malformed notice with the schema’s error naming the field', () => {
    const bad = { ...validNotice, role: 'segment' as const, endToken: 64 };
    expect(() => codec.encode(bad)).toThrow(/^startToken: expected startToken and endToken/);
    expectCodecRefuses(placementNoticeSchema, bad, 'startToken');
  });
});
