// Property-based tests that break one field of a valid message at a time: hostile numbers in
// token counts, forbidden characters and 10k-character ids, values of another kind anywhere,
// and invalid UTF-8 inside every string. The error must name the broken field.
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { afterAll, describe, it } from 'vitest';
import { createCodec } from './codec.js';
import type { Codec } from './codec.js';
import { MESSAGE_SCHEMAS } from './messages.js';
import type { MessageName } from './messages.js';
import { VALID_MESSAGES } from './testing/fixtures.js';
import {
  HOSTILE_IDS,
  HOSTILE_NUMBERS,
  getAt,
  isIdField,
  isTokenField,
  kindOf,
  pathText,
  pathsOf,
  setAt,
} from './testing/hostile.js';
import type { Path } from './testing/hostile.js';
import { Tally, outcomeOf, resultProblems, runParams } from './testing/fuzz-run.js';

const names = Object.keys(MESSAGE_SCHEMAS) as MessageName[];
const tally = new Tally();
afterAll(() => tally.writeIfAsked('codec-fields'));

/** Decodes `bytes`; when `mustName` is given the message must be rejected naming that path. */
function check(
  codec: Codec<unknown>,
  inputClass: string,
  bytes: Uint8Array,
  mustName?: Path,
): void {
  const result = codec.decode(bytes);
  tally.add(inputClass, outcomeOf(result));
  const problems = resultProblems(codec, result);
  if (mustName !== undefined) {
    const where = pathText(mustName);
    if (result.ok) problems.push(`accepted a broken ${where}`);
    else if (!result.error.issues.some((i) => i.path === where))
      problems.push(`${where} not named in: ${result.error.message.slice(0, 300)}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Any value, including the hostile constants, biased towards them. */
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(...HOSTILE_NUMBERS, ...HOSTILE_IDS, null, true, [], {}, [[[[]]]]),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

describe.each(names)('%s: one field broken at a time', (name) => {
  const codec = createCodec<unknown>(MESSAGE_SCHEMAS[name], { maxBytes: 256 * 1024 });
  const sample = VALID_MESSAGES[name];
  const paths = pathsOf(sample);
  const tokenPaths = paths.filter((p) => isTokenField(p) && typeof getAt(sample, p) === 'number');
  const idPaths = paths.filter((p) => isIdField(p) && typeof getAt(sample, p) === 'string');
  const stringPaths = paths.filter((p) => typeof getAt(sample, p) === 'string');

  it('any field replaced by any value: a value of another kind is rejected naming the field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), hostileValue, (path, value) => {
        const otherKind = kindOf(value) !== kindOf(getAt(sample, path));
        check(
          codec,
          'field replaced',
          pack(setAt(sample, path, value)),
          otherKind ? path : undefined,
        );
      }),
      runParams(500),
    );
  });

  it.skipIf(tokenPaths.length === 0)(
    'token counts: NaN, ±Infinity, negative, fractional and too large are rejected by name',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...tokenPaths),
          fc.oneof(
            fc.constantFrom(...HOSTILE_NUMBERS),
            fc.double({ max: -Number.MIN_VALUE }),
            fc.double({ min: 0.001, max: 1e6 }).filter((x) => !Number.isInteger(x)),
          ),
          (path, value) => check(codec, 'bad token count', pack(setAt(sample, path, value)), path),
        ),
        runParams(300),
      );
    },
  );

  it.skipIf(idPaths.length === 0)(
    'ids with forbidden characters or 10k characters are rejected by name',
    () => {
      const forbidden = fc
        .string({ unit: 'binary', minLength: 1, maxLength: 80 })
        .filter((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s));
      fc.assert(
        fc.property(
          fc.constantFrom(...idPaths),
          fc.oneof(fc.constantFrom(...HOSTILE_IDS), forbidden),
          (path, id) => check(codec, 'bad id', pack(setAt(sample, path, id)), path),
        ),
        runParams(300),
      );
    },
  );

  it('invalid UTF-8 inside any string decodes to a named error or a well-formed string', () => {
    const marker = '\u0001'.repeat(12);
    fc.assert(
      fc.property(
        fc.constantFrom(...stringPaths),
        fc.uint8Array({ minLength: 12, maxLength: 12, min: 0x80, max: 0xff }),
        (path, garbage) => {
          const bytes = Buffer.from(pack(setAt(sample, path, marker)));
          const at = bytes.indexOf(Buffer.from(marker));
          bytes.set(garbage, at);
          // Bytes >= 0x80 never decode to A-Z a-z 0-9 _ -, so a broken id must be named.
          check(codec, 'invalid UTF-8', bytes, isIdField(path) ? path : undefined);
        },
      ),
      runParams(300),
    );
  });
});
