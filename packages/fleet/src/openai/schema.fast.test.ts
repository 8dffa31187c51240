import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { checkTypedCheckLaw, expectLeftToSchema } from '@adagen/protocol/testing';
import { describe, expect, it, vi } from 'vitest';
import { parseOpenAiBody } from './request.js';
import type { GatewayRequest } from './request.js';
import { chatBodySchema, completionsBodySchema } from './schema.js';
import type { ChatBody, CompletionsBody, OpenAiEndpoint } from './schema.js';
import type * as Fast from './schema.fast.js';

/** The checks as `parseOpenAiBody` sees them: switched off by `fastPath.on = false`. */
const fastPath = vi.hoisted(() => ({ on: true, taken: 0 }));
vi.mock('./schema.fast.js', async (importOriginal) => {
  const real = await importOriginal<typeof Fast>();
  const counted =
    <T>(check: (raw: unknown) => raw is T) =>
    (raw: unknown): raw is T => {
      if (!fastPath.on || !check(raw)) return false;
      fastPath.taken++;
      return true;
    };
  return {
    ...real,
    isCompletionsBodyFast: counted(real.isCompletionsBodyFast),
    isChatBodyFast: counted(real.isChatBodyFast),
  };
});
const { isChatBodyFast, isCompletionsBodyFast } =
  await vi.importActual<typeof Fast>('./schema.fast.js');

/** `fc.record` of plain objects only, as JSON.parse makes them. */
const plainRecord = ((model: never, constraints?: object) =>
  fc.record(model, { ...constraints, noNullPrototype: true })) as unknown as typeof fc.record;

/** Values that break a field's rule (wrong type, out of range, not an integer, not plain). */
const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(-3, -1, 0, 0.5, 1.5, 11, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 60),
  fc.constantFrom('', 'x'.repeat(257), 'yes', '1'),
  fc.constant([]),
  fc.constant({}),
  fc.constant(new Date(0)),
  fc.constant(Object.create(null) as object),
);
type Wrap = <T>(arb: fc.Arbitrary<T>) => fc.Arbitrary<unknown>;
/** Mostly a valid value, sometimes a wrong one. */
const or: Wrap = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 40 }, { arbitrary: wrong, weight: 1 });
/** Mostly `valid`, sometimes one of the edges (in or out of range). */
const edge = <T>(valid: fc.Arbitrary<T>, ...bounds: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 10 }, { arbitrary: fc.constantFrom(...bounds), weight: 1 });
/** The schema's `.nullable()`: sometimes null. */
const orNull: Wrap = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: arb, weight: 8 }, { arbitrary: fc.constant(null), weight: 1 });

/**
 * Keys a body may carry besides its schema's: unknown ones (refused by `fieldProblem`), no-op
 * values of features AdaGen does not offer (they pass `fieldProblem`, and the schema strips
 * them), and the other endpoint's fields.
 */
const extraFields = fc.constantFrom<Record<string, unknown>>(
  { extra: 1 },
  { logprobs: null },
  { best_of: 1 },
  { suffix: '' },
  { logit_bias: {} },
  { skip_special_tokens: true },
  { messages: [{ role: 'user', content: 'hi' }] },
  { max_completion_tokens: 5 },
  { prompt: 'hi' },
  { echo: false },
  { tools: [] },
  JSON.parse('{"__proto__": 1}') as Record<string, unknown>,
);
const withExtra = (arb: fc.Arbitrary<object>): fc.Arbitrary<unknown> =>
  fc.tuple(arb, fc.nat(15), extraFields).map(([v, n, extra]) => (n === 0 ? { ...v, ...extra } : v));
/** Sometimes not a plain object at all. */
const orNotABody = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: arb, weight: 60 },
    {
      arbitrary: fc.constantFrom(null, 'body', 3, [], [{ model: 'm', prompt: 'x' }], new Date(0)),
      weight: 1,
    },
  );

const small = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const name = edge(
  fc.constantFrom('m', 'meta-llama/Meta-Llama-3-8B-Instruct', 'x'.repeat(256)),
  '',
  'x'.repeat(257),
);
const stopString = edge(
  fc.string({ minLength: 1, maxLength: 4 }),
  '',
  'x'.repeat(256),
  'x'.repeat(257),
);
const tokenIds = edge(
  fc.array(edge(fc.nat(50_000), 16_777_216, 16_777_217, -1, 0.5), { minLength: 1, maxLength: 6 }),
  [],
  [16_777_217],
);

/** The fields both endpoints share, each mostly valid (`common` in schema.ts). */
const common = {
  model: or(name),
  max_tokens: or(orNull(edge(fc.integer({ min: 1, max: 600 }), 0, 4_194_304, 4_194_305))),
  temperature: or(orNull(edge(small(0, 2), 2.5, -0.1))),
  top_p: or(orNull(edge(small(0.01, 1), 0, 1.01))),
  top_k: or(orNull(edge(fc.integer({ min: -1, max: 50 }), -2, 1_000_000, 1_000_001))),
  min_p: or(orNull(edge(small(0, 1), 1.5))),
  presence_penalty: or(orNull(edge(small(-2, 2), -2.5, 3))),
  frequency_penalty: or(orNull(edge(small(-2, 2), -2.5, 3))),
  repetition_penalty: or(orNull(edge(small(0.1, 10), 0, 10.5))),
  min_tokens: or(orNull(edge(fc.integer({ min: 0, max: 700 }), -1, 4_194_305))),
  stop: or(orNull(fc.oneof(stopString, fc.array(stopString, { maxLength: 5 })))),
  seed: or(orNull(edge(fc.nat(), 2 ** 53, -1))),
  stream: or(orNull(fc.boolean())),
  stream_options: or(
    orNull(
      edge(
        plainRecord({ include_usage: or(fc.boolean()) }, { requiredKeys: [] }),
        { include_usage: true, extra: 1 },
        new Date(0),
      ),
    ),
  ),
  n: or(orNull(edge(fc.constant(1), 2))),
  user: or(name),
  ignore_eos: or(fc.boolean()),
  adagen_output_tokens: or(edge(fc.integer({ min: 1, max: 700 }), 0, 4_194_305)),
};

const completionsBody = orNotABody(
  withExtra(
    plainRecord(
      {
        ...common,
        echo: or(orNull(fc.boolean())),
        prompt: or(
          fc.oneof(
            { arbitrary: fc.string({ maxLength: 12 }), weight: 6 },
            { arbitrary: tokenIds, weight: 6 },
            { arbitrary: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), weight: 1 },
            { arbitrary: fc.array(tokenIds, { maxLength: 2 }), weight: 1 },
            { arbitrary: fc.constant('x'.repeat(1_000_001)), weight: 1 },
          ),
        ),
      },
      { requiredKeys: ['model', 'prompt'] },
    ),
  ),
);

const contentPart = plainRecord(
  { type: or(fc.constantFrom('text', 'image_url')), text: or(fc.string({ maxLength: 4 })) },
  { requiredKeys: ['type'] },
);
const chatMessage = withExtra(
  plainRecord(
    {
      role: or(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool')),
      content: or(
        fc.oneof(
          { arbitrary: fc.string({ maxLength: 8 }), weight: 8 },
          { arbitrary: fc.constant(null), weight: 1 },
          { arbitrary: fc.array(contentPart, { maxLength: 2 }), weight: 1 },
        ),
      ),
      name: or(edge(fc.constantFrom('', 'ann', 'x'.repeat(256)), 'x'.repeat(257))),
    },
    { requiredKeys: ['role', 'content'] },
  ),
);
const chatBody = orNotABody(
  withExtra(
    plainRecord(
      {
        ...common,
        max_completion_tokens: or(orNull(edge(fc.integer({ min: 1, max: 600 }), 0, 4_194_305))),
        messages: or(fc.array(chatMessage, { minLength: 1, maxLength: 3 })),
      },
      { requiredKeys: ['model', 'messages'] },
    ),
  ),
);

/** The shapes each check leaves to the schema although the schema returns them unchanged. */
const completionsShapeLeftToSchema = (v: CompletionsBody): boolean =>
  typeof v.prompt !== 'string' && typeof v.prompt[0] !== 'number';
const chatShapeLeftToSchema = (v: ChatBody): boolean =>
  v.messages.some((m) => Array.isArray(m.content));

/**
 * The contract, both ways (`checkTypedCheckLaw`): a value the check accepts, the schema accepts
 * and returns unchanged (deep and strict: no key added or dropped, nothing turned into a plain
 * object); and a value the schema accepts and returns unchanged, the check accepts unless it is
 * one of the shapes it leaves to the schema.
 */
function agreesWithSchema<T>(
  arb: fc.Arbitrary<unknown>,
  check: (raw: unknown) => raw is T,
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  leftToSchema: (v: T) => boolean,
) {
  const n = checkTypedCheckLaw(check, schema, arb, {
    seed: 21,
    leftToSchema: (v) => leftToSchema(v as T),
  });
  // Both sides of the rule were exercised, not one.
  expect(n.accepted).toBeGreaterThan(300);
  expect(n.refused).toBeGreaterThan(300);
}

/** The benchmark's shape: a token-id prompt, streamed, with the load-testing length. */
const benchBody: CompletionsBody = {
  model: 'meta-llama/Meta-Llama-3-8B-Instruct',
  prompt: new Array<number>(128).fill(264),
  max_tokens: 256,
  adagen_output_tokens: 200,
  ignore_eos: false,
  stream: true,
  stream_options: { include_usage: true },
};

describe('isCompletionsBodyFast (the gateway’s check of a /v1/completions body)', () => {
  it('accepts only what the schema accepts and returns unchanged, and all of that but lists of prompts', () => {
    agreesWithSchema(
      completionsBody,
      isCompletionsBodyFast,
      completionsBodySchema,
      completionsShapeLeftToSchema,
    );
  });

  it('accepts the common bodies', () => {
    const bodies: unknown[] = [
      benchBody,
      // The control-plane benchmark's (test/bench/control-plane.bench.ts `fleetRequest`).
      {
        model: 'm',
        prompt: new Array<number>(128).fill(264),
        adagen_output_tokens: 32,
        stream: true,
      },
      // `adagen replay --output-mode ignore-eos` (packages/cli/src/commands/replay/body.ts).
      {
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 64,
        ignore_eos: true,
        min_tokens: 64,
        prompt: 'hello hello hello',
      },
      { model: 'm', prompt: 'hi' },
      { model: 'm', prompt: '' },
      { model: 'm', prompt: [0, 16_777_216] },
      {
        model: 'm',
        prompt: 'The quick brown fox',
        max_tokens: 16,
        temperature: 0,
        top_p: 1,
        top_k: -1,
        min_p: 0,
        presence_penalty: -2,
        frequency_penalty: 2,
        repetition_penalty: 10,
        min_tokens: 0,
        stop: ['\n', 'fox'],
        seed: Number.MAX_SAFE_INTEGER,
        stream: false,
        n: 1,
        user: 'ann',
        echo: true,
      },
      { model: 'm', prompt: 'x', stop: 'a', stream_options: null, n: null, echo: null },
      { model: 'm', prompt: 'x', stop: [], stream: true, stream_options: {} },
      { model: 'm', prompt: 'x', max_tokens: null, temperature: null, seed: null, stop: null },
    ];
    for (const body of bodies) {
      expect(isCompletionsBodyFast(body)).toBe(true);
      expect(isDeepStrictEqual(completionsBodySchema.parse(body), body)).toBe(true);
    }
  });

  it('leaves to the schema what it would change or refuse', () => {
    const changed: unknown[] = [
      // Keys the schema strips: no-op fields of features AdaGen does not offer.
      { ...benchBody, logprobs: null },
      { ...benchBody, best_of: 1 },
      { ...benchBody, suffix: '' },
      // Not plain: the schema returns a plain object in its place.
      Object.assign(Object.create(null) as object, benchBody),
      { ...benchBody, stream_options: new Date(0) },
      // Lists of prompts: the schema copies the list.
      { model: 'm', prompt: ['a'] },
      { model: 'm', prompt: [[1, 2]] },
      { model: 'm', prompt: [] },
    ];
    expectLeftToSchema(isCompletionsBodyFast, completionsBodySchema, changed);
    const refused: unknown[] = [
      { ...benchBody, stream_options: { include_usage: true, extra: 1 } },
      { ...benchBody, n: 2 },
      { ...benchBody, user: null },
      { ...benchBody, ignore_eos: null },
      { ...benchBody, adagen_output_tokens: null },
      { ...benchBody, top_p: 0 },
      { ...benchBody, repetition_penalty: 0 },
      { ...benchBody, max_tokens: 4_194_305 },
      { ...benchBody, seed: 2 ** 53 },
      { ...benchBody, temperature: Number.NaN },
      { ...benchBody, stop: ['a', 'b', 'c', 'd', 'e'] },
      { ...benchBody, stop: '' },
      { ...benchBody, prompt: [16_777_217] },
      { ...benchBody, prompt: [1.5] },
      { ...benchBody, model: '' },
      { prompt: 'x' },
      { model: 'm' },
    ];
    for (const body of refused) {
      expect(isCompletionsBodyFast(body)).toBe(false);
      expect(completionsBodySchema.safeParse(body).success).toBe(false);
    }
  });
});

describe('isChatBodyFast (the gateway’s check of a /v1/chat/completions body)', () => {
  it('accepts only what the schema accepts and returns unchanged, and all of that but content parts', () => {
    agreesWithSchema(chatBody, isChatBodyFast, chatBodySchema, chatShapeLeftToSchema);
  });

  it('accepts the common bodies and leaves content parts and unknown keys to the schema', () => {
    const chat: ChatBody = {
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello', name: 'ann' },
        { role: 'assistant', content: null, name: '' },
      ],
      max_completion_tokens: 64,
      stream: true,
      stream_options: { include_usage: false },
    };
    expect(isChatBodyFast(chat)).toBe(true);
    expectLeftToSchema(isChatBodyFast, chatBodySchema, [
      { ...chat, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] },
      { ...chat, logprobs: false },
    ]);
    for (const body of [
      { ...chat, messages: [] },
      { ...chat, messages: [{ role: 'user' }] },
      { ...chat, messages: [{ role: 'robot', content: 'hi' }] },
      // A message is a strict object: an unknown key is an error, not stripped.
      { ...chat, messages: [{ role: 'user', content: 'hi', extra: 1 }] },
    ]) {
      expect(isChatBodyFast(body)).toBe(false);
      expect(chatBodySchema.safeParse(body).success).toBe(false);
    }
  });
});

type Outcome =
  | { ok: GatewayRequest }
  | { error: { kind: string; code: unknown; param: unknown; message: string } };

function outcome(endpoint: OpenAiEndpoint, body: unknown, fast: boolean): Outcome {
  fastPath.on = fast;
  try {
    return { ok: parseOpenAiBody(endpoint, body) };
  } catch (e) {
    const err = e as Error & { code?: unknown; param?: unknown };
    return {
      error: { kind: err.constructor.name, code: err.code, param: err.param, message: err.message },
    };
  } finally {
    fastPath.on = true;
  }
}

describe('parseOpenAiBody with the typed checks', () => {
  it.each([
    ['completions', completionsBody],
    ['chat', chatBody],
  ] as const)(
    '%s: reads every body as the schema alone did (same request, or the same error)',
    (endpoint, arb) => {
      const before = fastPath.taken;
      let refused = 0;
      fc.assert(
        fc.property(arb, (body) => {
          const slow = outcome(endpoint, body, false);
          const fast = outcome(endpoint, body, true);
          expect(fast).toStrictEqual(slow);
          if ('error' in slow) refused++;
        }),
        { numRuns: 3000, seed: 22 },
      );
      // The fast path was taken, and bodies were refused too (both sides exercised).
      expect(fastPath.taken - before).toBeGreaterThan(250);
      expect(refused).toBeGreaterThan(250);
    },
  );

  it('takes the fast path for the benchmark’s body', () => {
    const before = fastPath.taken;
    expect(parseOpenAiBody('completions', benchBody)).toStrictEqual({
      endpoint: 'completions',
      model: benchBody.model,
      promptTokenIds: benchBody.prompt,
      maxTokens: 256,
      targetOutputTokens: 200,
      stream: true,
      includeUsage: true,
    });
    expect(fastPath.taken).toBe(before + 1);
  });
});
