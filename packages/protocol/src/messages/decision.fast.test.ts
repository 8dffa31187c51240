import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTypedCheckLaw,
  expectCodecRefuses,
  expectLeftToSchema,
} from '../testing/typed-check-law.js';
import { createCodec } from '../codec.js';
import { FAST_CHECKS } from '../fast-checks.js';
import { sample } from '../testing/fixtures.js';
import {
  attempt,
  duration,
  edge,
  id,
  maybeExtra,
  name,
  or,
  plainRecord,
  plan,
  prediction,
  time,
  tokens,
} from '../testing/fast-arbitraries.js';
import { isDecisionCandidate, isDecisionRecord } from './decision.fast.js';
import { decisionCandidateSchema, decisionRecordSchema } from './decision.js';
import type { DecisionRecord } from './decision.js';

const candidate = (extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        instanceId: or(id),
        predicted: or(prediction(extras)),
        newlyViolated: or(edge(fc.nat(5), 4096, 4097)),
        meetsSlo: or(fc.boolean()),
        cachedBlocks: or(edge(fc.nat(100), 65_536, 65_537)),
      },
      { requiredKeys: ['instanceId'] },
    ),
    extras,
  );

const reason = edge(
  fc.string({ minLength: 1, maxLength: 40 }),
  'x'.repeat(512),
  'x'.repeat(513),
  '',
);

/**
 * A decision record: the outcome and the plan drawn apart, so the superRefine (a plan iff
 * placed) is broken often; `uncommon` sometimes draws a split-prefill plan; `extras` sometimes
 * adds an unknown key at some depth.
 */
const record = (uncommon: boolean, extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(edge(fc.constant('decision'), 'placement_notice')),
        balancerId: or(id),
        requestId: or(id),
        attempt: or(attempt),
        atMs: or(time),
        policy: or(name),
        promptTokens: or(tokens),
        predictedOutputTokens: or(tokens),
        maxTokens: or(tokens),
        slo: or(prediction(extras)),
        outcome: or(edge(fc.constantFrom('placed', 'shed', 'failed'), 'dropped')),
        chosen: or(id),
        plan: fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 1 },
          { arbitrary: or(plan(uncommon, extras)), weight: 2 },
        ),
        predicted: or(prediction(extras)),
        hopeless: or(fc.boolean()),
        considered: or(edge(fc.nat(20), 1024, 1025)),
        candidates: or(
          fc.oneof(
            { arbitrary: fc.array(candidate(extras), { maxLength: 4 }), weight: 8 },
            { arbitrary: fc.array(candidate(false), { minLength: 16, maxLength: 17 }), weight: 1 },
          ),
        ),
        reasons: or(
          fc.oneof(
            { arbitrary: fc.array(reason, { maxLength: 3 }), weight: 8 },
            { arbitrary: fc.array(reason, { minLength: 8, maxLength: 9 }), weight: 1 },
          ),
        ),
        errorCode: or(name),
        decideMs: or(duration),
      },
      {
        requiredKeys: [
          'v',
          'type',
          'balancerId',
          'requestId',
          'attempt',
          'atMs',
          'policy',
          'promptTokens',
          'predictedOutputTokens',
          'outcome',
          'considered',
          'candidates',
          'reasons',
          'decideMs',
        ],
      },
    ),
    extras,
  );

/** The shared fixture (testing/fixtures.ts): a placed record with two candidates and a reason. */
const validRecord = sample<DecisionRecord>('decisionRecord');
const shedRecord: DecisionRecord = {
  ...validRecord,
  outcome: 'shed',
  plan: undefined,
  hopeless: true,
  errorCode: 'overloaded',
};

describe('isDecisionRecord (the balancer’s decision record’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged (valid, near-valid, uncommon values)', () => {
    const n = checkTypedCheckLaw(isDecisionRecord, decisionRecordSchema, record(true, true), {
      seed: 41,
    });
    // Both sides of the rule were exercised, not one.
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('without a split-prefill plan, accepts exactly what the schema returns unchanged', () => {
    const n = checkTypedCheckLaw(isDecisionRecord, decisionRecordSchema, record(false, true), {
      seed: 42,
      leftToSchema: () => false,
    });
    expect(n.accepted).toBeGreaterThan(200);
  });

  it('leaves to the schema what it would change, and a split-prefill plan', () => {
    expect(isDecisionRecord(validRecord)).toBe(true);
    expect(isDecisionRecord(shedRecord)).toBe(true);
    const changed = [
      { ...validRecord, extra: 1 },
      { ...validRecord, plan: { kind: 'single', instanceId: 'agent-0', extra: 1 } },
      { ...validRecord, slo: { ttftMs: 1, tpotMs: 1, extra: 1 } },
      { ...validRecord, candidates: [{ instanceId: 'agent-0', extra: 1 }] },
      {
        ...validRecord,
        candidates: [Object.assign(Object.create(null) as object, { instanceId: 'agent-0' })],
      },
      {
        ...validRecord,
        plan: {
          kind: 'split-prefill',
          segments: [
            { instanceId: 's-1', startToken: 0, endToken: 100 },
            { instanceId: 's-2', startToken: 100, endToken: 200 },
          ],
          decodeInstanceId: 'd-1',
        },
      },
    ];
    expectLeftToSchema(isDecisionRecord, decisionRecordSchema, changed);
  });

  it('keeps the schema’s rules: a plan iff placed, the candidate and reason bounds', () => {
    const candidates17 = new Array(17).fill({ instanceId: 'agent-0' });
    const bad = [
      { ...validRecord, plan: undefined },
      { ...shedRecord, plan: { kind: 'single', instanceId: 'agent-0' } },
      { ...validRecord, outcome: 'failed' },
      { ...validRecord, candidates: candidates17 },
      { ...validRecord, reasons: [''] },
      { ...validRecord, reasons: ['x'.repeat(513)] },
      { ...validRecord, reasons: new Array(9).fill('why') },
      { ...validRecord, considered: 1025 },
      { ...validRecord, candidates: [{ instanceId: 'agent-0', newlyViolated: 4097 }] },
      { ...validRecord, plan: { kind: 'pd-split', prefillInstanceId: 'a', decodeInstanceId: 'a' } },
    ];
    for (const value of bad) {
      expect(isDecisionRecord(value)).toBe(false);
      expect(decisionRecordSchema.safeParse(value).success).toBe(false);
    }
    const edges = [
      { ...validRecord, candidates: new Array(16).fill({ instanceId: 'agent-0' }) },
      { ...validRecord, reasons: new Array(8).fill('x'.repeat(512)) },
      { ...validRecord, candidates: [], reasons: [], considered: 0 },
    ];
    for (const value of edges) {
      expect(isDecisionRecord(value)).toBe(true);
      expect(decisionRecordSchema.safeParse(value).success).toBe(true);
    }
  });

  it('checks a candidate alone as the candidate schema does', () => {
    const c = validRecord.candidates[0];
    expect(isDecisionCandidate(c)).toBe(true);
    expect(decisionCandidateSchema.safeParse(c).success).toBe(true);
  });
});

describe('the decision record codec with the fast check', () => {
  it('is registered, so every codec of the schema uses it', () => {
    expect(FAST_CHECKS.get(decisionRecordSchema)).toBe(isDecisionRecord);
  });

  const codec = createCodec(decisionRecordSchema);

  it('encodes and decodes a record as the schema does', () => {
    expect(codec.decode(codec.encode(validRecord))).toEqual({ ok: true, value: validRecord });
    const { plan: _, ...shed } = shedRecord;
    expect(codec.decode(codec.encode(shedRecord))).toEqual({ ok: true, value: shed });
  });

  it('refuses a malformed record with the schema’s error naming the field', () => {
    const noPlan = { ...validRecord, plan: undefined };
    expect(() => codec.encode(noPlan)).toThrow(/^plan: expected a plan when placed/);
    expectCodecRefuses(decisionRecordSchema, { ...validRecord, reasons: ['ok', ''] }, 'reasons[1]');
  });
});
