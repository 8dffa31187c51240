import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTypedCheckLaw,
  expectCodecRefuses,
  expectLeftToSchema,
} from '../testing/typed-check-law.js';
import { createCodec } from '../codec.js';
import { FAST_CHECKS } from '../fast-checks.js';
import { agentDispatchSchema, dispatchAckSchema, dispatchRequestSchema } from './dispatch.js';
import type { AgentDispatch, DispatchAck } from './dispatch.js';
import { isAgentDispatch, isDispatchAck, isDispatchRequest } from './dispatch.fast.js';
import { plainRecord } from '../testing/plain-record.js';

/** Values that break a field's rule (wrong type, out of range, not an integer, bad id). */
const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e14 + 1, 4_194_305, 2 ** 60),
  fc.constantFrom('', 'a.b', 'x'.repeat(65), 'full', 'single', 'accepted', 'bad_request'),
  fc.constant([]),
  fc.constant({}),
);
/** Mostly a valid value, sometimes a wrong one. */
const or = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 60 }, { arbitrary: wrong, weight: 1 });
/** Mostly `valid`, sometimes one of the edge values `bounds` (in or out of range). */
const edge = <T>(valid: fc.Arbitrary<T>, ...bounds: T[]) =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: fc.constantFrom(...bounds), weight: 1 });
/** Sometimes adds a key the schema does not define (which it would strip). */
const maybeExtra = <T extends object>(arb: fc.Arbitrary<T>, extras: boolean) =>
  extras
    ? fc.tuple(arb, fc.noBias(fc.nat(40))).map(([v, n]) => (n === 0 ? { ...v, extra: 1 } : v))
    : arb;

/** Mostly absent (undefined), sometimes `value` (an uncommon field the check leaves to the schema). */
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: value, weight: 1 });
const id = fc.constantFrom('r-1', 'R_2', 'agent-0', 'a'.repeat(64));
const tokens = edge(fc.nat(600), 0, 4_194_304, 4_194_305);
const time = edge(fc.double({ min: 0, max: 1e6, noNaN: true }), 0, 1e14, 1e14 + 1, -0.5);
const duration = edge(fc.double({ min: 0, max: 100, noNaN: true }), 0, 1e9, 1e9 + 1);
const name = edge(
  fc.constantFrom('m', 'meta-llama/Meta-Llama-3-8B-Instruct'),
  'x'.repeat(256),
  'x'.repeat(257),
  '',
);
const streamSubject = edge(
  fc.constantFrom(
    'adagen.v1.stream.gw-1.r-1',
    `adagen.v1.stream.${'g'.repeat(64)}.${'r'.repeat(64)}`,
  ),
  'adagen.v1.stream.gw-1.r-1.agent-0',
  'adagen.v1.stream.gw-1',
  'adagen.v1.stream.gw-1.',
  'adagen.v1.stream..r-1',
  'adagen.v1.stream.gw 1.r-1',
  'adagen.v1.svc.classify',
  'adagen.v2.stream.gw-1.r-1',
  `adagen.v1.stream.${'g'.repeat(65)}.r-1`,
  'x'.repeat(201),
);
const tokenIds = edge(
  fc.array(fc.integer({ min: 0, max: 16_777_216 }), { minLength: 1, maxLength: 8 }),
  [],
  [-1],
  [1, 0.5],
  [16_777_217],
  [1, Number.NaN],
);

const sampling = (extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        temperature: or(edge(fc.double({ min: 0, max: 2, noNaN: true }), 2.5, -0.1)),
        topP: or(edge(fc.double({ min: 0.01, max: 1, noNaN: true }), 0, 1, 1.5)),
        topK: or(edge(fc.integer({ min: -1, max: 100 }), -2, 1_000_000, 1_000_001)),
        minP: or(edge(fc.double({ min: 0, max: 1, noNaN: true }), 1.1)),
        frequencyPenalty: or(edge(fc.double({ min: -2, max: 2, noNaN: true }), -2.1, 2.1)),
        presencePenalty: or(edge(fc.double({ min: -2, max: 2, noNaN: true }), -2.1, 2.1)),
        repetitionPenalty: or(edge(fc.double({ min: 0.1, max: 10, noNaN: true }), 0, 10, 10.5)),
        minTokens: or(edge(fc.integer({ min: 1, max: 64 }), 0, 4_194_305)),
        stop: or(
          edge(
            fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
            [],
            [''],
            ['a', 'b', 'c', 'd', 'e'],
            ['x'.repeat(257)],
          ),
        ),
        seed: or(edge(fc.nat(), Number.MAX_SAFE_INTEGER, 2 ** 53)),
      },
      { requiredKeys: [] },
    ),
    extras,
  );

const slo = (extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        ttftMs: or(edge(fc.double({ min: 1, max: 1000, noNaN: true }), 0, 0.5, 1e9, 1e9 + 1)),
        tpotMs: or(edge(fc.double({ min: 1, max: 100, noNaN: true }), 0, 1e9 + 1)),
      },
      { requiredKeys: [] },
    ),
    extras,
  );

/** A prompt prefix: mostly valid, sometimes with a rule broken (or an unknown key with `extras`). */
const prefix = (extras: boolean) =>
  maybeExtra(
    plainRecord({
      blockSize: or(edge(fc.constantFrom(16, 32), 1, 4096, 0, 4097)),
      blockHashes: or(
        edge(
          fc.array(fc.nat(), { maxLength: 8 }),
          [],
          [-1],
          [0.5],
          [Number.MAX_SAFE_INTEGER],
          [Number.MAX_SAFE_INTEGER + 1],
        ),
      ),
    }),
    extras,
  );

/**
 * A dispatch's request. `uncommon` adds what the check leaves to the schema (chat messages);
 * `extras` sometimes adds an unknown key at some depth.
 */
const request = (uncommon: boolean, extras: boolean) => {
  const fields = {
    model: or(name),
    endpoint: or(fc.constantFrom('completions', 'chat', 'embeddings')),
    prompt: or(edge(fc.string({ maxLength: 20 }), 'x'.repeat(1_000_000), 'x'.repeat(1_000_001))),
    promptTokenIds: or(tokenIds),
    sampling: or(sampling(extras)),
    promptTokens: or(tokens),
    maxTokens: or(edge(fc.integer({ min: 1, max: 512 }), 0, 4_194_304, 4_194_305)),
    predictedOutputTokens: or(tokens),
    targetOutputTokens: or(tokens),
    streamSubject: or(streamSubject),
    deadlineAtMs: or(time),
    arrivalMs: or(time),
    tenant: or(name),
    slo: or(slo(extras)),
    predictedTtftMs: or(duration),
    predictedEngineTtftMs: or(duration),
    priority: or(edge(fc.integer({ min: -10, max: 10 }), -1000, 1000, -1001, 1001, 0.5)),
    prefix: or(prefix(extras)),
  };
  const required = [
    'model',
    'promptTokens',
    'maxTokens',
    'predictedOutputTokens',
    'streamSubject',
    'deadlineAtMs',
    'arrivalMs',
  ] as const;
  const arb: fc.Arbitrary<Record<string, unknown>> = uncommon
    ? plainRecord(
        {
          ...fields,
          messages: rarely(or(fc.constant([{ role: 'user', content: 'hi' }]))),
        },
        { requiredKeys: [...required] },
      )
    : plainRecord(fields, { requiredKeys: [...required] });
  return maybeExtra(arb, extras);
};

const plan = (uncommon: boolean, extras: boolean) => {
  const single = maybeExtra(
    plainRecord({ kind: or(fc.constant('single')), instanceId: or(id) }),
    extras,
  );
  if (!uncommon) return single;
  return fc.oneof(
    { arbitrary: single, weight: 20 },
    {
      arbitrary: plainRecord({
        kind: fc.constant('pd-split'),
        prefillInstanceId: fc.constantFrom('p-1', 'd-1'),
        decodeInstanceId: fc.constant('d-1'),
      }),
      weight: 1,
    },
    {
      arbitrary: plainRecord({
        kind: fc.constant('split-prefill'),
        segments: fc.constant([
          { instanceId: 's-1', startToken: 0, endToken: 100 },
          { instanceId: 's-2', startToken: 100, endToken: 200 },
        ]),
        decodeInstanceId: fc.constant('d-1'),
      }),
      weight: 1,
    },
  );
};

const dispatch = (uncommon: boolean, extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(fc.constant('agent_dispatch')),
        requestId: or(id),
        attempt: or(edge(fc.nat(3), 100, 101)),
        instanceId: or(id),
        plan: or(plan(uncommon, extras)),
        role: or(
          uncommon
            ? edge(fc.constant('full'), 'prefill', 'decode', 'segment', 'other')
            : edge(fc.constant('full'), 'other'),
        ),
        segment: or(
          uncommon
            ? rarely(
                edge(fc.constant({ startToken: 0, endToken: 100 }), { startToken: 5, endToken: 5 }),
              )
            : fc.constant(undefined),
        ),
        kvPeerInstanceId: or(id),
        request: or(request(uncommon, extras)),
      },
      {
        requiredKeys: [
          'v',
          'type',
          'requestId',
          'attempt',
          'instanceId',
          'plan',
          'role',
          'request',
        ],
      },
    ),
    extras,
  );

const ack = (extras: boolean) =>
  maybeExtra(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(fc.constant('dispatch_ack')),
        status: or(fc.constantFrom('accepted', 'duplicate', 'rejected')),
        requestId: or(id),
        attempt: or(edge(fc.nat(3), 100, 101)),
        instanceId: or(id),
        // On any status: the schema refuses it only on `accepted`'s siblings by stripping it.
        acceptedAtMs: or(time),
        error: or(
          maybeExtra(
            plainRecord({
              code: or(fc.constantFrom('overloaded', 'duplicate', 'no_instance', 'nope')),
              message: or(edge(fc.string({ maxLength: 10 }), 'x'.repeat(4096), 'x'.repeat(4097))),
            }),
            extras,
          ),
        ),
      },
      { requiredKeys: ['v', 'type', 'status', 'requestId', 'attempt', 'instanceId'] },
    ),
    extras,
  );

const validRequest = {
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  endpoint: 'completions' as const,
  promptTokens: 4,
  promptTokenIds: [264, 264, 264, 264],
  maxTokens: 256,
  predictedOutputTokens: 200,
  targetOutputTokens: 128,
  streamSubject: 'adagen.v1.stream.gw-abcdef.r-1',
  deadlineAtMs: 1_700_000_060_000,
  arrivalMs: 1_700_000_000_000,
  sampling: { temperature: 0.7, topP: 0.9, stop: ['\n'], seed: 7 },
  slo: { ttftMs: 500 },
  priority: 2,
};
const validDispatch: AgentDispatch = {
  v: 1,
  type: 'agent_dispatch',
  requestId: 'r-1',
  attempt: 0,
  instanceId: 'agent-0',
  plan: { kind: 'single', instanceId: 'agent-0' },
  role: 'full',
  request: validRequest,
};
const validAck: DispatchAck = {
  v: 1,
  type: 'dispatch_ack',
  status: 'accepted',
  requestId: 'r-1',
  attempt: 0,
  instanceId: 'agent-0',
  acceptedAtMs: 1_700_000_000_001,
};

describe('isAgentDispatch (the dispatch subject’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged (valid, near-valid, uncommon values)', () => {
    const n = checkTypedCheckLaw(isAgentDispatch, agentDispatchSchema, dispatch(true, true), {
      seed: 15,
    });
    // Both sides of the rule were exercised, not one.
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('on the common shape (single plan, no messages, no unknown keys) agrees with the schema', () => {
    const n = checkTypedCheckLaw(isAgentDispatch, agentDispatchSchema, dispatch(false, false), {
      seed: 16,
      leftToSchema: () => false,
    });
    expect(n.accepted).toBeGreaterThan(200);
  });

  it('leaves to the schema what it would change: unknown keys at any depth, a Date for an object', () => {
    const extra = [
      { ...validDispatch, extra: 1 },
      { ...validDispatch, plan: { ...validDispatch.plan, extra: 1 } },
      { ...validDispatch, request: { ...validRequest, extra: 1 } },
      { ...validDispatch, request: { ...validRequest, sampling: { seed: 1, extra: 1 } } },
      { ...validDispatch, request: { ...validRequest, slo: { ttftMs: 5, extra: 1 } } },
      // A Date (msgpack's timestamp) where an all-optional object goes: the schema returns a new
      // plain object in its place, so the check must leave it to the schema.
      { ...validDispatch, request: { ...validRequest, sampling: new Date(0) } },
      { ...validDispatch, request: { ...validRequest, slo: new Date(0) } },
    ];
    expect(isAgentDispatch(validDispatch)).toBe(true);
    expectLeftToSchema(isAgentDispatch, agentDispatchSchema, extra);
  });

  it('leaves uncommon shapes to the schema, and keeps its rules', () => {
    const uncommon = [
      {
        ...validDispatch,
        request: { ...validRequest, messages: [{ role: 'user', content: 'hi' }] },
      },
      {
        ...validDispatch,
        plan: { kind: 'pd-split', prefillInstanceId: 'agent-0', decodeInstanceId: 'agent-1' },
        role: 'decode',
      },
    ];
    expectLeftToSchema(isAgentDispatch, agentDispatchSchema, uncommon);
    const bad = [
      { ...validDispatch, role: 'decode' },
      {
        ...validDispatch,
        request: { ...validRequest, streamSubject: `${validRequest.streamSubject}.agent-0` },
      },
      { ...validDispatch, request: { ...validRequest, maxTokens: 0 } },
      { ...validDispatch, request: { ...validRequest, promptTokenIds: [] } },
      { ...validDispatch, request: { ...validRequest, sampling: { topP: 0 } } },
      { ...validDispatch, request: { ...validRequest, slo: { ttftMs: 0 } } },
    ];
    for (const value of bad) {
      expect(isAgentDispatch(value)).toBe(false);
      expect(agentDispatchSchema.safeParse(value).success).toBe(false);
    }
  });

  it('checks a request alone as the request schema does', () => {
    expect(isDispatchRequest(validRequest)).toBe(true);
    expect(dispatchRequestSchema.safeParse(validRequest).success).toBe(true);
  });
});

describe('isDispatchAck (the ack’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged', () => {
    const n = checkTypedCheckLaw(isDispatchAck, dispatchAckSchema, ack(true), { seed: 17 });
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('without unknown keys, agrees with the schema exactly', () => {
    fc.assert(
      fc.property(ack(false), (value) => {
        const parsed = dispatchAckSchema.safeParse(value);
        const same =
          parsed.success && Object.keys(parsed.data).length === Object.keys(value).length;
        expect(isDispatchAck(value)).toBe(same);
        if (same) expect(parsed.data).toEqual(value);
      }),
      { numRuns: 4000, seed: 18 },
    );
  });

  it('leaves unknown keys to the schema', () => {
    expect(isDispatchAck(validAck)).toBe(true);
    const extra = [
      { ...validAck, extra: 1 },
      { ...validAck, status: 'duplicate' },
      {
        ...validAck,
        status: 'rejected',
        acceptedAtMs: undefined,
        error: { code: 'overloaded', message: 'busy', extra: 1 },
      },
    ];
    expectLeftToSchema(isDispatchAck, dispatchAckSchema, extra);
  });
});

describe('the dispatch codec with the fast check', () => {
  it('is registered, so every codec of the schemas uses it', () => {
    expect(FAST_CHECKS.get(agentDispatchSchema)).toBe(isAgentDispatch);
    expect(FAST_CHECKS.get(dispatchAckSchema)).toBe(isDispatchAck);
  });

  const codec = createCodec(agentDispatchSchema);

  it('decodes a dispatch as the schema does', () => {
    expect(codec.decode(codec.encode(validDispatch))).toEqual({ ok: true, value: validDispatch });
  });

  it('refuses a malformed dispatch with the schema’s error naming the field', () => {
    const bad = { ...validDispatch, request: { ...validRequest, maxTokens: -3 } };
    expectCodecRefuses(agentDispatchSchema, bad, 'request.maxTokens');
  });

  it('refuses a malformed ack with the schema’s error naming the field', () => {
    expectCodecRefuses(dispatchAckSchema, { ...validAck, instanceId: 'a.b' }, 'instanceId');
  });
});
