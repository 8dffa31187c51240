import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTypedCheckLaw, expectLeftToSchema } from '../testing/typed-check-law.js';
import { createCodec } from '../codec.js';
import { FAST_CHECKS } from '../fast-checks.js';
import { isClassification, isInferenceRequest, isPlacement } from './request.fast.js';
import { classificationSchema, inferenceRequestSchema, placementSchema } from './request.js';
import type { Classification, InferenceRequest, Placement } from './request.js';
import { plainRecord } from '../testing/plain-record.js';

/** Values that break a field's rule (wrong type, out of range, not an integer, bad id or name). */
const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e14 + 1, 4_194_305, 2 ** 60),
  fc.constantFrom('', 'a.b', 'x'.repeat(65), 'x'.repeat(257), 'chat', 'long', 'user'),
  fc.constant([]),
  fc.constant({}),
  // msgpack's timestamps decode to Dates; the schema takes one as an object of no keys.
  fc.constant(new Date(0)),
);
type Wrap = <T>(arb: fc.Arbitrary<T>) => fc.Arbitrary<unknown>;
/** Mostly a valid value, sometimes a wrong one. */
const orWrong: Wrap = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 60 }, { arbitrary: wrong, weight: 1 });
/** Mostly `valid`, sometimes the edge `bound` (in or out of range). */
const orEdge = <T>(valid: fc.Arbitrary<T>, bound: T): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 10 }, { arbitrary: fc.constant(bound), weight: 1 });
/** Sometimes the object with a key its schema does not define (the schema would strip it). */
const withExtraKey: Wrap = <T>(arb: fc.Arbitrary<T>) =>
  fc
    .tuple(arb, fc.nat(40))
    .map(([v, n]) =>
      n === 0 && typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, extra: 1 } : v,
    );

const tooManyCandidates = new Array(1025).fill({ instanceId: 'agent-0' });

/**
 * The messages' arbitraries: `noisy`, with wrong values, edges (in or out of range) and extra keys;
 * else only valid values (`clean`, given, are the clean arbitraries nested messages mostly draw
 * from, so an outer message is often valid).
 */
function arbitraries(
  noisy: boolean,
  clean?: { request: fc.Arbitrary<unknown>; classification: fc.Arbitrary<unknown> },
) {
  const or: Wrap = noisy ? orWrong : (arb) => arb;
  const extraKey: Wrap = noisy ? withExtraKey : (arb) => arb;
  const edge = <T>(valid: fc.Arbitrary<T>, bound: T): fc.Arbitrary<unknown> =>
    noisy ? orEdge(valid, bound) : valid;
  /** A nested message: mostly a clean one, when there is one. */
  const nested = (arb: fc.Arbitrary<unknown>, cleanArb?: fc.Arbitrary<unknown>) =>
    cleanArb === undefined
      ? arb
      : fc.oneof({ arbitrary: cleanArb, weight: 3 }, { arbitrary: arb, weight: 1 });
  const id = fc.constantFrom('r-1', 'R_2', 'gw-abcdef', 'a'.repeat(64));
  const name = edge(
    fc.constantFrom('m', 'meta-llama/Meta-Llama-3-8B-Instruct', 'x'.repeat(256)),
    '',
  );
  const tokens = edge(fc.nat(600), 4_194_304);
  const small = (min: number, max: number) => fc.double({ min, max, noNaN: true });
  const duration = edge(small(0, 1000), 1e9 + 1);

  const chatMessage = extraKey(
    plainRecord(
      {
        role: or(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool')),
        content: or(fc.string({ maxLength: 8 })),
        name: or(name),
      },
      { requiredKeys: ['role', 'content'] },
    ),
  );
  const sampling = extraKey(
    plainRecord(
      {
        temperature: or(edge(small(0, 2), 2.5)),
        topP: or(edge(small(0.01, 1), 0)),
        topK: or(edge(fc.integer({ min: -1, max: 50 }), -2)),
        minP: or(edge(small(0, 1), 1.5)),
        frequencyPenalty: or(edge(small(-2, 2), -3)),
        presencePenalty: or(edge(small(-2, 2), 3)),
        repetitionPenalty: or(edge(small(0.1, 10), 0)),
        minTokens: or(edge(fc.integer({ min: 1, max: 100 }), 0)),
        stop: or(fc.array(edge(fc.string({ minLength: 1, maxLength: 4 }), ''), { maxLength: 5 })),
        seed: or(edge(fc.nat(), 2 ** 53)),
      },
      { requiredKeys: [] },
    ),
  );
  const slo = extraKey(
    plainRecord(
      { ttftMs: or(edge(small(1, 500), 0.5)), tpotMs: or(edge(small(1, 50), 1e9 + 1)) },
      { requiredKeys: [] },
    ),
  );
  const tokenIds = edge(
    fc.array(edge(fc.nat(50_000), 16_777_216), { minLength: 1, maxLength: 6 }),
    [16_777_217],
  );

  const request = extraKey(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(fc.constant('inference_request')),
        requestId: or(id),
        gatewayId: or(id),
        attempt: or(edge(fc.nat(3), 101)),
        receivedAtMs: or(small(0, 1e6)),
        // Mostly after the request arrived, sometimes before (the schema's cross-field rule).
        deadlineAtMs: or(edge(small(1e6, 2e6), 0)),
        model: or(name),
        endpoint: or(fc.constantFrom('completions', 'chat')),
        prompt: or(edge(fc.string({ maxLength: 8 }), 'x'.repeat(1_000_001))),
        promptTokenIds: or(tokenIds),
        messages: or(fc.array(chatMessage, { maxLength: 3 })),
        promptTokens: or(tokens),
        maxTokens: or(edge(fc.integer({ min: 300, max: 600 }), 0)),
        stream: or(fc.boolean()),
        sampling: or(sampling),
        tenant: or(name),
        slo: or(slo),
        priority: or(edge(fc.integer({ min: -5, max: 5 }), 1001)),
        // Mostly within maxTokens, sometimes beyond (the schema's cross-field rule).
        targetOutputTokens: or(edge(fc.nat(300), 601)),
      },
      {
        requiredKeys: [
          'v',
          'type',
          'requestId',
          'gatewayId',
          'attempt',
          'receivedAtMs',
          'deadlineAtMs',
          'model',
          'endpoint',
          'stream',
        ],
      },
    ),
  );
  const lengthClass = fc.constantFrom('short', 'long');
  const prefix = extraKey(
    plainRecord({
      blockSize: or(edge(fc.integer({ min: 1, max: 64 }), 4097)),
      blockHashes: or(fc.array(edge(fc.nat(), 2 ** 53), { maxLength: 4 })),
    }),
  );
  const classification = extraKey(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(fc.constant('classification')),
        request: or(nested(request, clean?.request)),
        promptTokens: or(tokens),
        predictedOutputTokens: or(tokens),
        class: or(extraKey(plainRecord({ prefill: or(lengthClass), decode: or(lengthClass) }))),
        thresholds: or(
          extraKey(plainRecord({ longPrefillTokens: or(tokens), longDecodeTokens: or(tokens) })),
        ),
        prefix: or(prefix),
      },
      {
        requiredKeys: [
          'v',
          'type',
          'request',
          'promptTokens',
          'predictedOutputTokens',
          'class',
          'thresholds',
        ],
      },
    ),
  );
  const prediction = extraKey(plainRecord({ ttftMs: or(duration), tpotMs: or(duration) }));
  const time = edge(small(0, 2e6), 1e14 + 1);
  const violations = edge(fc.nat(3), 65_537);
  const estimate = extraKey(
    plainRecord(
      {
        nowMs: or(time),
        iterations: or(edge(fc.nat(30), 2 ** 53)),
        horizonReached: or(fc.boolean()),
        firstTokenAtMs: or(time),
        prefillDoneAtMs: or(time),
        ttftMs: or(duration),
        tpotMs: or(duration),
        newlyViolated: or(violations),
        alreadyViolated: or(violations),
        addedDelayMs: or(duration),
        meanIterationMs: or(duration),
      },
      {
        requiredKeys: [
          'nowMs',
          'iterations',
          'horizonReached',
          'ttftMs',
          'tpotMs',
          'newlyViolated',
          'alreadyViolated',
          'addedDelayMs',
          'meanIterationMs',
        ],
      },
    ),
  );
  const candidate = extraKey(
    plainRecord(
      {
        instanceId: or(id),
        predicted: or(prediction),
        estimate: or(estimate),
        score: or(edge(small(-1e3, 1e3), 1e12 + 1)),
      },
      { requiredKeys: ['instanceId'] },
    ),
  );
  const placement = extraKey(
    plainRecord(
      {
        v: or(fc.constant(1)),
        type: or(fc.constant('placement')),
        classification: or(nested(classification, clean?.classification)),
        instanceId: or(id),
        policy: or(name),
        predicted: or(prediction),
        predictedEngineTtftMs: or(duration),
        candidates: or(edge(fc.array(candidate, { maxLength: 4 }), tooManyCandidates)),
        decidedInMs: or(duration),
      },
      {
        requiredKeys: ['v', 'type', 'classification', 'instanceId', 'policy', 'candidates'],
      },
    ),
  );
  return { request, classification, placement };
}
const cleanArbs = arbitraries(false);
const { request, classification, placement } = arbitraries(true, cleanArbs);

/**
 * The contract, both ways (`checkTypedCheckLaw`): a value the check accepts, the schema accepts
 * and returns unchanged; and a value the schema accepts and returns unchanged, the check accepts
 * (it refuses no common shape: these checks take every field of their schemas).
 */
function agreesWithSchema(
  arb: fc.Arbitrary<unknown>,
  check: (raw: unknown) => boolean,
  schema: { safeParse(v: unknown): { success: boolean; data?: unknown } },
) {
  const n = checkTypedCheckLaw(check, schema, arb, { seed: 15, leftToSchema: () => false });
  // Both sides of the rule were exercised, not one.
  expect(n.accepted).toBeGreaterThan(200);
  expect(n.refused).toBeGreaterThan(200);
}

const now = 1_765_000_000_000;
/** The benchmark's request (test/bench/sizes.ts `chainMessages`), 128 prompt token ids. */
const validRequest: InferenceRequest = {
  v: 1,
  type: 'inference_request',
  requestId: '0123456789abcdef0123456789abcdef',
  gatewayId: 'gw-abcdef',
  attempt: 0,
  receivedAtMs: now,
  deadlineAtMs: now + 60_000,
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  endpoint: 'completions',
  promptTokens: 128,
  promptTokenIds: new Array<number>(128).fill(264),
  maxTokens: 256,
  stream: true,
  targetOutputTokens: 200,
};
const validClassification: Classification = {
  v: 1,
  type: 'classification',
  request: validRequest,
  promptTokens: 128,
  predictedOutputTokens: 200,
  class: { prefill: 'short', decode: 'long' },
  thresholds: { longPrefillTokens: 1024, longDecodeTokens: 256 },
  prefix: { blockSize: 16, blockHashes: [1, 2, 3, 4, 5, 6, 7, 8] },
};
const validPlacement: Placement = {
  v: 1,
  type: 'placement',
  classification: validClassification,
  instanceId: 'agent-0',
  policy: 'adagen',
  candidates: [0, 1, 2, 3].map((i) => ({
    instanceId: `agent-${i}`,
    predicted: { ttftMs: 40.123, tpotMs: 14.567 },
    estimate: {
      nowMs: now,
      iterations: 24,
      horizonReached: false,
      firstTokenAtMs: now + 40.123,
      prefillDoneAtMs: now + 40.123,
      ttftMs: 40.123,
      tpotMs: 14.567,
      newlyViolated: 0,
      alreadyViolated: 0,
      addedDelayMs: 3.21,
      meanIterationMs: 14.2,
    },
  })),
  decidedInMs: 0.3,
  predicted: { ttftMs: 40, tpotMs: 14 },
  predictedEngineTtftMs: 39.5,
};

describe('isInferenceRequest (the classify subject’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged, and all of that', () => {
    agreesWithSchema(request, isInferenceRequest, inferenceRequestSchema);
  });

  it('accepts the common shapes (the benchmark’s, chat, sampling, SLO)', () => {
    expect(isInferenceRequest(validRequest)).toBe(true);
    const chat: InferenceRequest = {
      ...validRequest,
      endpoint: 'chat',
      promptTokenIds: undefined,
      promptTokens: undefined,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello', name: 'ann' },
      ],
      sampling: { temperature: 0.7, topP: 0.9, stop: ['\n'], seed: 7 },
      slo: { ttftMs: 500, tpotMs: 50 },
      tenant: 'acme',
      priority: -3,
    };
    expect(isInferenceRequest(chat)).toBe(true);
    expect(isInferenceRequest({ ...validRequest, promptTokenIds: undefined, prompt: 'hi' })).toBe(
      true,
    );
  });

  it('keeps the schema’s refinements', () => {
    const bare = { ...validRequest };
    delete bare.promptTokenIds;
    delete bare.promptTokens;
    expect(isInferenceRequest(bare)).toBe(false);
    expect(isInferenceRequest({ ...bare, prompt: '' })).toBe(true);
    expect(isInferenceRequest({ ...validRequest, deadlineAtMs: now - 1 })).toBe(false);
    expect(isInferenceRequest({ ...validRequest, targetOutputTokens: 257 })).toBe(false);
    expect(isInferenceRequest({ ...validRequest, targetOutputTokens: 256 })).toBe(true);
  });

  it('leaves to the schema what it would change: unknown keys at any depth', () => {
    const extra = [
      { ...validRequest, extra: 1 },
      { ...validRequest, sampling: { seed: 1, extra: 1 } },
      { ...validRequest, slo: { ttftMs: 100, extra: 1 } },
      { ...validRequest, messages: [{ role: 'user', content: 'hi', extra: 1 }] },
      // Not plain objects: the schema returns a plain object in their place.
      { ...validRequest, sampling: new Date(0) },
      { ...validRequest, slo: new Date(0) },
    ];
    expectLeftToSchema(isInferenceRequest, inferenceRequestSchema, extra);
  });
});

describe('isClassification (the balance subject’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged, and all of that', () => {
    agreesWithSchema(classification, isClassification, classificationSchema);
  });

  it('checks its request with the request’s check', () => {
    expect(isClassification(validClassification)).toBe(true);
    expect(
      isClassification({
        ...validClassification,
        request: { ...validRequest, deadlineAtMs: now - 1 },
      }),
    ).toBe(false);
    const extra = [
      { ...validClassification, request: { ...validRequest, extra: 1 } },
      { ...validClassification, class: { prefill: 'short', decode: 'long', extra: 1 } },
      { ...validClassification, prefix: { blockSize: 16, blockHashes: [], extra: 1 } },
    ];
    expectLeftToSchema(isClassification, classificationSchema, extra);
  });
});

describe('isPlacement (the plan subject’s hand-written check)', () => {
  it('accepts only what the schema accepts and returns unchanged, and all of that', () => {
    agreesWithSchema(placement, isPlacement, placementSchema);
  });

  it('checks its classification with the classification’s check', () => {
    expect(isPlacement(validPlacement)).toBe(true);
    expect(
      isPlacement({
        ...validPlacement,
        classification: { ...validClassification, request: { ...validRequest, maxTokens: 0 } },
      }),
    ).toBe(false);
    const candidate = validPlacement.candidates[0]!;
    const extra = [
      { ...validPlacement, classification: { ...validClassification, extra: 1 } },
      { ...validPlacement, candidates: [{ ...candidate, extra: 1 }] },
      {
        ...validPlacement,
        candidates: [{ ...candidate, estimate: { ...candidate.estimate, extra: 1 } }],
      },
      { ...validPlacement, predicted: { ttftMs: 1, tpotMs: 1, extra: 1 } },
    ];
    expectLeftToSchema(isPlacement, placementSchema, extra);
  });
});

describe('the chain’s codecs with the fast checks', () => {
  it('find the checks in FAST_CHECKS', () => {
    expect(FAST_CHECKS.get(inferenceRequestSchema)).toBe(isInferenceRequest);
    expect(FAST_CHECKS.get(classificationSchema)).toBe(isClassification);
    expect(FAST_CHECKS.get(placementSchema)).toBe(isPlacement);
  });

  it('decode a valid message as the schema does', () => {
    for (const [schema, value] of [
      [inferenceRequestSchema, validRequest],
      [classificationSchema, validClassification],
      [placementSchema, validPlacement],
    ] as const) {
      const codec = createCodec<unknown>(schema);
      expect(codec.decode(codec.encode(value))).toEqual({ ok: true, value });
    }
  });

  it('refuse a malformed message with the schema’s error naming the field', () => {
    const cases = [
      [inferenceRequestSchema, { ...validRequest, promptTokenIds: [1, -2] }, 'promptTokenIds'],
      [
        classificationSchema,
        { ...validClassification, request: { ...validRequest, maxTokens: 0 } },
        'request.maxTokens',
      ],
      [
        placementSchema,
        {
          ...validPlacement,
          classification: { ...validClassification, request: { ...validRequest, attempt: 101 } },
        },
        'classification.request.attempt',
      ],
      [
        placementSchema,
        { ...validPlacement, candidates: [{ instanceId: 'a.b' }] },
        'candidates[0].instanceId',
      ],
    ] as const;
    for (const [schema, value, field] of cases) {
      const bytes = createCodec<unknown>(schema, { validateOnEncode: false }).encode(value);
      const decoded = createCodec<unknown>(schema).decode(bytes);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.code).toBe('invalid_message');
        expect(decoded.error.message).toContain(field);
      }
    }
  });
});
