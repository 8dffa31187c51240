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
import { isCommonPlan, isPlanResult } from './plan.fast.js';
import { executionPlanSchema, planResultSchema } from './plan.js';
import type { PlanResult } from './plan.js';

/**
 * A plan result: `uncommon` adds what the check leaves to the schema (a split-prefill plan);
 * `extras` sometimes adds an unknown key at some depth.
 */
const planResult = (uncommon: boolean, extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(edge(fc.constant('plan_result'), 'placement')),
        requestId: or(id),
        attempt: or(attempt),
        plan: or(plan(uncommon, extras)),
        dispatchedAtMs: or(time),
        acceptedAtMs: or(time),
        policy: or(name),
        promptTokens: or(tokens),
        predictedOutputTokens: or(tokens),
        predicted: or(prediction(extras)),
        decisionMs: or(
          maybeExtra(
            plainRecord(
              { classify: or(duration), balance: or(duration), plan: or(duration) },
              { requiredKeys: [] },
            ),
            extras,
          ),
        ),
      },
      { requiredKeys: ['v', 'type', 'requestId', 'attempt', 'plan', 'dispatchedAtMs'] },
    ),
    extras,
  );

const validResult: PlanResult = {
  v: 1,
  type: 'plan_result',
  requestId: 'r-1',
  attempt: 0,
  plan: { kind: 'single', instanceId: 'agent-0' },
  dispatchedAtMs: 1_700_000_000_000,
  acceptedAtMs: 1_700_000_000_003,
  policy: 'adagen',
  promptTokens: 120,
  predictedOutputTokens: 200,
  predicted: { ttftMs: 80, tpotMs: 12.5 },
  decisionMs: { classify: 0.4, balance: 1.2, plan: 0.8 },
};

describe('isPlanResult (the decision chain reply’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged (valid, near-valid, uncommon values)', () => {
    const n = checkTypedCheckLaw(isPlanResult, planResultSchema, planResult(true, true), {
      seed: 31,
    });
    // Both sides of the rule were exercised, not one.
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('without a split-prefill plan, accepts exactly what the schema returns unchanged', () => {
    const n = checkTypedCheckLaw(isPlanResult, planResultSchema, planResult(false, true), {
      seed: 32,
      leftToSchema: () => false,
    });
    expect(n.accepted).toBeGreaterThan(200);
  });

  it('leaves to the schema what it would change: unknown keys at any depth, a Date for an object', () => {
    expect(isPlanResult(validResult)).toBe(true);
    const changed = [
      { ...validResult, extra: 1 },
      { ...validResult, plan: { ...validResult.plan, extra: 1 } },
      { ...validResult, predicted: { ttftMs: 1, tpotMs: 1, extra: 1 } },
      { ...validResult, decisionMs: { plan: 1, extra: 1 } },
      // A Date (msgpack's timestamp) where an all-optional object goes: the schema returns a
      // new plain object in its place.
      { ...validResult, decisionMs: new Date(0) },
      { ...validResult, decisionMs: Object.assign(Object.create(null) as object, { plan: 1 }) },
    ];
    expectLeftToSchema(isPlanResult, planResultSchema, changed);
  });

  it('leaves a split-prefill plan to the schema, and keeps the pd-split rule', () => {
    const split = {
      ...validResult,
      plan: {
        kind: 'split-prefill',
        segments: [
          { instanceId: 's-1', startToken: 0, endToken: 100 },
          { instanceId: 's-2', startToken: 100, endToken: 200 },
        ],
        decodeInstanceId: 'd-1',
      },
    };
    expect(isPlanResult(split)).toBe(false);
    expect(planResultSchema.safeParse(split).success).toBe(true);
    const pd = { kind: 'pd-split', prefillInstanceId: 'p-1', decodeInstanceId: 'd-1' };
    expect(isPlanResult({ ...validResult, plan: pd })).toBe(true);
    expect(isCommonPlan(pd)).toBe(true);
    expect(executionPlanSchema.safeParse(pd).success).toBe(true);
    const same = { ...pd, decodeInstanceId: 'p-1' };
    expect(isCommonPlan(same)).toBe(false);
    expect(executionPlanSchema.safeParse(same).success).toBe(false);
    const bad = [
      { ...validResult, plan: same },
      { ...validResult, plan: { kind: 'single', instanceId: 'a.b' } },
      { ...validResult, attempt: 101 },
      { ...validResult, decisionMs: { balance: -1 } },
      { ...validResult, predicted: { ttftMs: 1 } },
      { ...validResult, policy: '' },
    ];
    for (const value of bad) {
      expect(isPlanResult(value)).toBe(false);
      expect(planResultSchema.safeParse(value).success).toBe(false);
    }
  });
});

describe('the plan result codec with the fast check', () => {
  it('is registered, so every codec of the schema uses it', () => {
    expect(FAST_CHECKS.get(planResultSchema)).toBe(isPlanResult);
  });

  const codec = createCodec(planResultSchema);

  it('encodes and decodes a plan result as the schema does', () => {
    expect(codec.decode(codec.encode(validResult))).toEqual({ ok: true, value: validResult });
  });

  it('refuses a malformed plan result with the schema’s error naming the field', () => {
    const bad = { ...validResult, decisionMs: { plan: -3 } };
    expectCodecRefuses(planResultSchema, bad, 'decisionMs.plan');
  });
});
