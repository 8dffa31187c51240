/**
 * The law every typed check (a schema's hand-written fast path: `FAST_CHECKS`, the gateway's
 * body checks) is tested against its schema by, over generated values:
 * - a value the check accepts, the schema accepts and returns unchanged (deep and strict: no key
 *   added or dropped, nothing turned into a new plain object) — what taking it without the
 *   schema's walk relies on;
 * - a value the check refuses, the schema refuses or changes, unless `leftToSchema` says it is a
 *   shape the check leaves to the schema on purpose (by default every refused value is allowed:
 *   only the first half is checked).
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { z } from 'zod';
import { createCodec } from '../codec.js';

export interface TypedCheckLawOptions {
  readonly seed: number;
  /** @default 4000 */
  readonly numRuns?: number;
  /** A refused value the schema takes unchanged is allowed when this says so. @default all */
  readonly leftToSchema?: (value: unknown) => boolean;
}

/**
 * Runs the law (fast-check shrinks and reports a value that breaks it) and returns how many
 * values the check accepted and refused, for the caller to require both sides exercised.
 */
export function checkTypedCheckLaw(
  check: (raw: unknown) => boolean,
  schema: { safeParse(value: unknown): { success: boolean; data?: unknown } },
  values: fc.Arbitrary<unknown>,
  options: TypedCheckLawOptions,
): { accepted: number; refused: number } {
  const leftToSchema = options.leftToSchema ?? (() => true);
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(values, (value) => {
      const parsed = schema.safeParse(value);
      const unchanged = parsed.success && isDeepStrictEqual(parsed.data, value);
      if (check(value)) {
        accepted++;
        return unchanged;
      }
      refused++;
      return !unchanged || leftToSchema(value);
    }),
    { numRuns: options.numRuns ?? 4000, seed: options.seed },
  );
  return { accepted, refused };
}

/**
 * The shapes a check leaves to the schema on purpose (an unknown key, which the schema strips; a
 * `Date` where a plain object goes, which it replaces): each of `values` must be refused by the
 * check and accepted by the schema. Throws naming the first value that is not.
 */
export function expectLeftToSchema(
  check: (raw: unknown) => boolean,
  schema: { safeParse(value: unknown): { success: boolean } },
  values: readonly unknown[],
): void {
  values.forEach((value, i) => {
    if (check(value)) throw new Error(`value ${i}: the check took it, it should leave it`);
    if (!schema.safeParse(value).success)
      throw new Error(`value ${i}: the schema refused it, so it is not a shape left to the schema`);
  });
}

/**
 * A codec of `schema` (with its typed check, when one is registered) refuses `bad` both ways with
 * the schema's error naming `field`: encoding throws "<field>: …", and the bytes of `bad` encoded
 * unchecked decode to an `invalid_message` error naming it. Throws saying which side did not.
 */
export function expectCodecRefuses<T>(schema: z.ZodType<T>, bad: unknown, field: string): void {
  const codec = createCodec(schema);
  let thrown: unknown;
  try {
    codec.encode(bad as T);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof Error) || !thrown.message.startsWith(`${field}: `))
    throw new Error(
      `encode: expected an error starting "${field}: ", got ${thrown instanceof Error ? `"${thrown.message}"` : 'none'}`,
    );
  const bytes = createCodec(schema, { validateOnEncode: false }).encode(bad as T);
  const decoded = codec.decode(bytes);
  if (decoded.ok) throw new Error('decode: took the malformed value');
  if (decoded.error.code !== 'invalid_message' || !decoded.error.message.includes(field))
    throw new Error(
      `decode: expected invalid_message naming ${field}, got ${decoded.error.code}: ${decoded.error.message}`,
    );
}
