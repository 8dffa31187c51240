import { z } from 'zod';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';

const jsonObject = z.record(z.string(), z.unknown());

/** Parses one JSONL line that must hold a JSON object; throws a located {@link TraceError}. */
export function readJsonObject(text: string, file: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceError(TRACE_ERROR_CODES.badJson, { file, line }, `not valid JSON (${reason})`, {
      cause,
    });
  }
  const parsed = jsonObject.safeParse(value);
  if (!parsed.success) {
    throw new TraceError(
      TRACE_ERROR_CODES.badJson,
      { file, line },
      `expected a JSON object, got ${describeJson(value)}`,
    );
  }
  return parsed.data;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
