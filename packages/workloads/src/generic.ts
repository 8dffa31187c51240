import { buildWorkload, sourceFromFile } from './build.js';
import type { ParsedRow } from './build.js';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';
import { readField } from './fields.js';
import { readJsonObject } from './jsonl.js';
import { numberedLines, splitCsvLine } from './lines.js';
import { checkMapping, MS_PER_UNIT } from './mapping.js';
import type { ColumnMapping } from './mapping.js';
import { diffMs } from './timestamp.js';
import type { WallClock } from './timestamp.js';
import type { Workload } from './types.js';

export interface GenericTraceOptions {
  /** File name used in errors and to derive the source. */
  file: string;
  /** Which columns / keys hold arrival, prompt and output tokens (and tenant). */
  mapping: ColumnMapping;
  /** Source label for the requests. @default derived from `file` */
  source?: string;
}

type Getter = (column: string) => unknown;

/** Parses a CSV with a header row; columns are picked by `mapping`. Rebased to the first arrival. */
export function parseCsv(text: string, options: GenericTraceOptions): Workload {
  const { file } = options;
  const mapping = checkMapping(options.mapping, file);
  const [header, ...body] = numberedLines(text);
  if (header === undefined) {
    throw new TraceError(TRACE_ERROR_CODES.empty, { file }, 'the file is empty');
  }
  const names = (splitCsvLine(header.text) ?? []).map((h) => h.trim());
  for (const wanted of mappedColumns(mapping)) {
    if (!names.includes(wanted)) {
      throw new TraceError(
        TRACE_ERROR_CODES.badHeader,
        { file, line: header.line, column: wanted },
        `not in the header (columns: ${names.join(', ')})`,
      );
    }
  }
  const reader = rowReader(mapping, file);
  const rows = body.map(({ line, text: rowText }, index) => {
    const cells = splitCsvLine(rowText);
    if (cells === undefined) {
      throw new TraceError(TRACE_ERROR_CODES.badValue, { file, line }, 'unclosed quote');
    }
    return reader(index, line, (column) => cells[names.indexOf(column)]);
  });
  return finish(rows, options, mapping, 'CSV');
}

/** Parses JSON Lines, one object per line; keys are picked by `mapping`. Rebased to the first arrival. */
export function parseJsonl(text: string, options: GenericTraceOptions): Workload {
  const { file } = options;
  const mapping = checkMapping(options.mapping, file);
  const reader = rowReader(mapping, file);
  const rows = numberedLines(text).map(({ line, text: lineText }, index) => {
    const obj = readJsonObject(lineText, file, line);
    return reader(index, line, (column) => obj[column]);
  });
  return finish(rows, options, mapping, 'JSONL');
}

function mappedColumns(m: ColumnMapping): string[] {
  return [m.arrival.column, m.prompt, m.output, ...(m.tenant === undefined ? [] : [m.tenant])];
}

function rowReader(mapping: ColumnMapping, file: string) {
  let firstStamp: WallClock | undefined;
  const { unit } = mapping.arrival;
  return (index: number, line: number, get: Getter): ParsedRow => {
    const at = (column: string) => ({ file, line, column });
    const raw = get(mapping.arrival.column);
    let arrivalMs: number;
    if (unit === 'iso') {
      const stamp = readField('wallClock', raw, at(mapping.arrival.column));
      firstStamp ??= stamp;
      arrivalMs = diffMs(stamp, firstStamp);
    } else {
      arrivalMs = readField('time', raw, at(mapping.arrival.column)) * MS_PER_UNIT[unit];
    }
    const row: ParsedRow = {
      index,
      line,
      arrivalMs,
      promptTokens: readField('promptTokens', get(mapping.prompt), at(mapping.prompt)),
      outputTokens: readField('outputTokens', get(mapping.output), at(mapping.output)),
    };
    if (mapping.tenant !== undefined) {
      const tenant = get(mapping.tenant);
      if (tenant !== undefined && tenant !== '') {
        row.tenant = readField('text', tenant, at(mapping.tenant));
      }
    }
    return row;
  };
}

function finish(
  rows: ParsedRow[],
  options: GenericTraceOptions,
  mapping: ColumnMapping,
  kind: string,
): Workload {
  const { file } = options;
  const unit = mapping.arrival.unit === 'iso' ? 'UTC wall-clock text' : mapping.arrival.unit;
  return buildWorkload(rows, {
    file,
    source: options.source ?? sourceFromFile(file),
    rebase: true,
    notes: [
      `read ${rows.length} rows from ${file} (${kind}; arrival ${mapping.arrival.column} in ` +
        `${unit}, prompt ${mapping.prompt}, output ${mapping.output}); rebased to the first arrival`,
    ],
  });
}
