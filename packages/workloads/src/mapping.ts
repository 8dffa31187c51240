import { z } from 'zod';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';

/** Units of an arrival column: seconds, milliseconds, microseconds, or wall-clock text. */
export const ARRIVAL_UNITS = ['s', 'ms', 'us', 'iso'] as const;
export type ArrivalUnit = (typeof ARRIVAL_UNITS)[number];

/** Milliseconds per unit of a numeric arrival column. */
export const MS_PER_UNIT: Readonly<Record<Exclude<ArrivalUnit, 'iso'>, number>> = {
  s: 1000,
  ms: 1,
  us: 0.001,
};

const column = z.string().min(1);

export const columnMappingSchema = z.strictObject({
  /** The arrival column and its unit; `iso` reads wall-clock text as UTC. */
  arrival: z.strictObject({ column, unit: z.enum(ARRIVAL_UNITS) }),
  /** The prompt-token column. */
  prompt: column,
  /** The output-token column. */
  output: column,
  /** An optional tenant / client column. */
  tenant: column.optional(),
});

/** Which columns (CSV) or keys (JSONL) of a generic trace hold which fields. */
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

/** Validates a mapping given by a caller (CLI flags, config); the error names the bad field. */
export function checkMapping(mapping: unknown, file: string): ColumnMapping {
  const result = columnMappingSchema.safeParse(mapping);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new TraceError(
    TRACE_ERROR_CODES.badOptions,
    { file },
    `bad column mapping at "${path}": ${issue?.message ?? 'invalid'}`,
    { cause: result.error },
  );
}
