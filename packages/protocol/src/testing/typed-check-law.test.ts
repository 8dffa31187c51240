import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkTypedCheckLaw, expectCodecRefuses, expectLeftToSchema } from './typed-check-law.js';

const schema = z.object({ n: z.int().min(0).max(10) });
const values = fc.oneof(
  fc.record({ n: fc.integer({ min: -5, max: 15 }) }),
  fc.record({ n: fc.nat(10), extra: fc.constant(1) }), // the schema strips `extra`: changed
);
/** fc.record may draw a null-prototype object, which the schema returns as a new plain one. */
const exact = (v: unknown) =>
  schema.safeParse(v).success &&
  Object.getPrototypeOf(v) === Object.prototype &&
  Object.keys(v as object).length === 1;

describe('checkTypedCheckLaw', () => {
  it('passes a check that accepts exactly what the schema returns unchanged, and counts both sides', () => {
    const n = checkTypedCheckLaw(exact, schema, values, { seed: 1, leftToSchema: () => false });
    expect(n.accepted).toBeGreaterThan(100);
    expect(n.refused).toBeGreaterThan(100);
  });

  it('fails a check that accepts what the schema refuses or would change', () => {
    const lax = (v: unknown) => typeof (v as { n?: unknown }).n === 'number';
    expect(() => checkTypedCheckLaw(lax, schema, values, { seed: 2 })).toThrow();
  });

  it('fails a check that refuses what the schema takes unchanged, unless left to the schema', () => {
    const shy = (v: unknown) => exact(v) && (v as { n: number }).n < 5;
    expect(() =>
      checkTypedCheckLaw(shy, schema, values, { seed: 3, leftToSchema: () => false }),
    ).toThrow();
    const n = checkTypedCheckLaw(shy, schema, values, {
      seed: 3,
      leftToSchema: (v) => (v as { n: number }).n >= 5,
    });
    expect(n.accepted).toBeGreaterThan(50);
  });
});

describe('expectLeftToSchema', () => {
  const left = [
    { n: 1, extra: 1 },
    { n: 2, more: 'x' },
  ];
  it('passes values the check refuses and the schema takes', () => {
    expect(() => expectLeftToSchema(exact, schema, left)).not.toThrow();
  });

  it('names a value the check takes, or one the schema refuses', () => {
    expect(() => expectLeftToSchema(() => true, schema, left)).toThrow(
      /value 0: the check took it/,
    );
    expect(() => expectLeftToSchema(exact, schema, [...left, { n: 11, extra: 1 }])).toThrow(
      /value 2: the schema refused it/,
    );
  });
});

describe('expectCodecRefuses', () => {
  const strict = z.object({ n: z.int().min(0) });
  it('passes a value the codec refuses both ways, naming the field', () => {
    expect(() => expectCodecRefuses(strict, { n: -1 }, 'n')).not.toThrow();
  });

  it('says which side did not refuse, or named another field', () => {
    expect(() => expectCodecRefuses(strict, { n: 1 }, 'n')).toThrow(/^encode: expected an error/);
    expect(() => expectCodecRefuses(strict, { n: -1 }, 'm')).toThrow(
      /^encode: expected an error starting "m: "/,
    );
  });
});
