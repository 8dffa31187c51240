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
