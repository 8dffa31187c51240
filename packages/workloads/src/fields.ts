import { z } from 'zod';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';
import type { TraceErrorLocation } from './errors.js';
import { parseWallClock, WALL_CLOCK_EXAMPLE } from './timestamp.js';
import type { WallClock } from './timestamp.js';

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A JSON number, or CSV text holding one (zod 4's `z.number()` rejects NaN and ±Infinity). */
const numberLike = z
  .union([z.number(), z.string().trim().regex(NUMBER_TEXT).transform(Number)])
  .pipe(z.number());

/** A field schema and the words used for it in error messages. */
interface FieldKind<T> {
  schema: z.ZodType<T>;
  expected: string;
}

/** The kinds of trace fields, each validated with zod. */
export const FIELDS = {
  promptTokens: {
    schema: numberLike.pipe(z.number().int().min(1)),
    expected: 'a positive integer',
  },
  /** Zero is accepted here and raised to 1 by the workload builder (documented there). */
  outputTokens: {
    schema: numberLike.pipe(z.number().int().min(0)),
    expected: 'a non-negative integer',
  },
  time: { schema: numberLike, expected: 'a number' },
  nonNegativeTime: {
    schema: numberLike.pipe(z.number().min(0)),
    expected: 'a non-negative number',
  },
  wallClock: {
    schema: z
      .string()
      .transform((s) => parseWallClock(s))
      .pipe(z.custom<WallClock>((v) => v !== undefined)),
    expected: `a timestamp like ${WALL_CLOCK_EXAMPLE}`,
  },
  text: { schema: z.union([z.string(), z.number()]).transform(String), expected: 'text' },
  hashIds: {
    schema: z.array(z.number().int().min(0)),
    expected: 'an array of non-negative integers',
  },
} as const satisfies Record<string, FieldKind<unknown>>;

type Fields = typeof FIELDS;

/** Validates one field; throws a {@link TraceError} at `where` when it is missing or bad. */
export function readField<K extends keyof Fields>(
  kind: K,
  raw: unknown,
  where: TraceErrorLocation,
): z.output<Fields[K]['schema']> {
  const spec = FIELDS[kind];
  if (raw === undefined || raw === null) {
    throw new TraceError(TRACE_ERROR_CODES.missingField, where, 'required value is missing');
  }
  const result = spec.schema.safeParse(raw);
  if (!result.success) {
    throw new TraceError(
      TRACE_ERROR_CODES.badValue,
      where,
      `expected ${spec.expected}, got ${describe(raw)}`,
      { cause: result.error },
    );
  }
  return result.data as z.output<Fields[K]['schema']>;
}

function describe(raw: unknown): string {
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
