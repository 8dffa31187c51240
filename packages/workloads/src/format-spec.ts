/**
 * A trace format given as text (the CLI's `--trace-format`): a named format (`azure-csv`,
 * `mooncake-jsonl`), or a generic one with its columns, `csv:<arrival>,<prompt>,<output>[,<tenant>]`
 * (or `jsonl:…` for keys). The arrival column's unit is `@s`, `@ms`, `@us` or `@iso` after its
 * name, else read from the name's suffix (`arrival_s`, `arrival_ms`, `timestamp_us`).
 */
import type { TraceFormat } from './builtin.js';
import { TRACE_FORMATS } from './builtin.js';
import { ARRIVAL_UNITS } from './mapping.js';
import type { ArrivalUnit, ColumnMapping } from './mapping.js';

export interface TraceFormatSpec {
  format: TraceFormat;
  /** The columns of a generic (`csv` / `jsonl`) format. */
  mapping?: ColumnMapping;
}

/** A `--trace-format` text that does not describe a format; `message` says what was expected. */
export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
  readonly code = 'bad_trace_format' as const;
}

const NAMED = TRACE_FORMATS.filter((f) => f !== 'csv' && f !== 'jsonl');
const EXPECTED = `${NAMED.join(', ')}, or csv:<arrival>,<prompt>,<output>[,<tenant>] (jsonl:… alike; arrival unit from a _s/_ms/_us suffix or @s/@ms/@us/@iso)`;

function unitOf(column: string): { column: string; unit: ArrivalUnit } {
  const at = column.lastIndexOf('@');
  if (at > 0) {
    const unit = column.slice(at + 1);
    if (!(ARRIVAL_UNITS as readonly string[]).includes(unit))
      throw new TraceFormatError(
        `unknown arrival unit "@${unit}" (expected @${ARRIVAL_UNITS.join(', @')})`,
      );
    return { column: column.slice(0, at), unit: unit as ArrivalUnit };
  }
  const suffix = /_(s|ms|us)$/.exec(column);
  if (suffix === null)
    throw new TraceFormatError(
      `cannot tell the unit of arrival column "${column}": name it *_s, *_ms or *_us, or write ${column}@s (or @ms, @us, @iso)`,
    );
  return { column, unit: suffix[1] as ArrivalUnit };
}

/** Parses a format text. @throws TraceFormatError naming what was expected */
export function parseTraceFormat(text: string): TraceFormatSpec {
  const t = text.trim();
  if ((NAMED as readonly string[]).includes(t)) return { format: t as TraceFormat };
  const m = /^(csv|jsonl):(.*)$/.exec(t);
  if (m === null) throw new TraceFormatError(`expected ${EXPECTED}, got "${text}"`);
  const columns = m[2]!.split(',').map((c) => c.trim());
  if (columns.length < 3 || columns.length > 4 || columns.some((c) => c === ''))
    throw new TraceFormatError(
      `${m[1]}: expected 3 or 4 non-empty column names (arrival, prompt, output[, tenant]), got "${m[2]}"`,
    );
  const [arrival, prompt, output, tenant] = columns as [string, string, string, string?];
  const mapping: ColumnMapping = { arrival: unitOf(arrival), prompt, output };
  if (tenant !== undefined) mapping.tenant = tenant;
  const names = [mapping.arrival.column, prompt, output, ...(tenant === undefined ? [] : [tenant])];
  if (new Set(names).size !== names.length)
    throw new TraceFormatError(`${m[1]}: a column is named twice in "${m[2]}"`);
  return { format: m[1] as TraceFormat, mapping };
}
