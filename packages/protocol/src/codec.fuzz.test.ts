// Property-based tests of every codec against hostile bytes: random bytes, mutated encodings,
// valid msgpack of the wrong shape, deep nesting, huge arrays and oversized payloads. Every
// decode must return (never throw or hang) a Result that is either a named error or a value that
// keeps the invariants (see testing/fuzz-run.ts).
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import type { Codec } from './codec.js';
import { MESSAGE_SCHEMAS } from './messages.js';
import type { MessageName } from './messages.js';
import { VALID_MESSAGES } from './testing/fixtures.js';
import { Tally, outcomeOf, resultProblems, runParams } from './testing/fuzz-run.js';

const MAX_BYTES = 64 * 1024;
const names = Object.keys(MESSAGE_SCHEMAS) as MessageName[];
const codecs = new Map<MessageName, Codec<unknown>>(
  names.map((n) => [n, createCodec<unknown>(MESSAGE_SCHEMAS[n], { maxBytes: MAX_BYTES })]),
);
const codecOf = (name: MessageName): Codec<unknown> => codecs.get(name) as Codec<unknown>;
const tally = new Tally();
afterAll(() => tally.writeIfAsked('codec-bytes'));

/** Decodes, records the outcome, and fails the property with the problems found. */
function check(name: MessageName, inputClass: string, bytes: Uint8Array): void {
  const codec = codecOf(name);
  const result = codec.decode(bytes);
  tally.add(inputClass, outcomeOf(result));
  const problems = resultProblems(codec, result);
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
}

/** One edit of a valid encoding: flip, overwrite, insert or delete a byte, or truncate. */
const byteEdit = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);

type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer E> ? E : never;

function applyEdits(source: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let bytes = Array.from(source);
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
    if (edit.op === 'set') bytes[at] = edit.byte;
    else if (edit.op === 'insert') bytes.splice(at, 0, edit.byte);
    else if (edit.op === 'delete') bytes.splice(at, 1);
    else bytes = bytes.slice(0, at);
  }
  return Uint8Array.from(bytes);
}

/** Values msgpackr can pack: objects, arrays, numbers, strings, bigints, dates, maps, sets, bytes. */
const anyValue = fc.anything({
  maxDepth: 4,
  maxKeys: 8,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
});

const packable = (value: unknown): Uint8Array | undefined => {
  try {
    return pack(value);
  } catch {
    return undefined; // e.g. a bigint beyond 64 bits: not something a peer can send either
  }
};

describe.each(names)('%s codec, hostile bytes', (name) => {
  const valid = codecOf(name).encode(VALID_MESSAGES[name]);

  it('random bytes: a named error, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => check(name, 'random bytes', bytes)),
      runParams(300),
    );
  });

  it('edited valid encodings: rejected with a named error or accepted and valid', () => {
    fc.assert(
      fc.property(fc.array(byteEdit, { minLength: 1, maxLength: 4 }), (edits) =>
        check(name, 'edited encoding', applyEdits(valid, edits)),
      ),
      runParams(400),
    );
  });

  it('valid msgpack of the wrong shape', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const bytes = packable(value);
        if (bytes !== undefined && bytes.byteLength <= MAX_BYTES) check(name, 'wrong shape', bytes);
      }),
      runParams(300),
    );
  });

  it('the sample with a wrong-shaped extra or replaced top-level field', () => {
    const sample = VALID_MESSAGES[name] as Record<string, unknown>;
    const keys = Object.keys(sample);
    fc.assert(
      fc.property(fc.constantFrom(...keys, 'extra'), anyValue, (key, value) => {
        const bytes = packable({ ...sample, [key]: value });
        if (bytes !== undefined && bytes.byteLength <= MAX_BYTES)
          check(name, 'wrong-shape field', bytes);
      }),
      runParams(300),
    );
  });
});

describe('nesting, array sizes and payload sizes', () => {
  it('deep nesting (arrays or maps, up to 20k levels) is an error, not a stack overflow', () => {
    const deep = (depth: number, map: boolean) => {
      const open = map ? [0x81, 0xa1, 0x61] : [0x91]; // {"a": …} or [ … ]
      const bytes = new Uint8Array(depth * open.length + 1);
      for (let i = 0; i < depth; i += 1) bytes.set(open, i * open.length);
      return bytes; // the innermost value is 0
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.integer({ min: 1, max: 20_000 }),
        fc.boolean(),
        (name, depth, map) => check(name, 'deep nesting', deep(depth, map)),
      ),
      runParams(60, 1_000),
    );
  });

  it('huge arrays in any top-level field are rejected by size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.integer({ min: 5_000, max: 12_000 }),
        (name, length) => {
          const sample = VALID_MESSAGES[name] as Record<string, unknown>;
          for (const key of Object.keys(sample))
            check(
              name,
              'huge array',
              pack({ ...sample, [key]: new Array<number>(length).fill(1) }),
            );
        },
      ),
      runParams(10, 300),
    );
  });

  it('payloads over maxBytes are payload_too_large without being parsed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.integer({ min: MAX_BYTES + 1, max: 4 * MAX_BYTES }),
        (name, size) => {
          const result = codecOf(name).decode(new Uint8Array(size).fill(0xc1));
          tally.add('oversized', outcomeOf(result));
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.error.code).toBe('payload_too_large');
            expect(result.error.issues[0]?.path).toBe('(payload)');
          }
        },
      ),
      runParams(100),
    );
  });
});
