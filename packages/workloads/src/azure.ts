import { buildWorkload, sourceFromFile } from './build.js';
import type { ParsedRow } from './build.js';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';
import { readField } from './fields.js';
import { numberedLines, splitCsvLine } from './lines.js';
import { diffMs, formatWallClock } from './timestamp.js';
import type { WallClock } from './timestamp.js';
import type { Workload } from './types.js';

/** The header of the Azure LLM inference 2023 traces. */
export const AZURE_HEADER = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

export interface AzureCsvOptions {
  /** File name used in errors and to derive the source. */
  file: string;
  /** Source label for the requests. @default derived from `file` */
  source?: string;
}

/**
 * Parses an Azure LLM inference 2023 trace (`TIMESTAMP,ContextTokens,GeneratedTokens`, CRLF or
 * LF). Timestamps are wall-clock text read as UTC, kept to the nanosecond digits, and rebased to
 * the first arrival.
 */
export function parseAzureCsv(text: string, options: AzureCsvOptions): Workload {
  const { file } = options;
  const lines = numberedLines(text);
  const header = lines[0];
  if (header === undefined) {
    throw new TraceError(TRACE_ERROR_CODES.empty, { file }, 'the file is empty');
  }
  checkHeader(splitCsvLine(header.text) ?? [], file, header.line);
  const rows: ParsedRow[] = [];
  const stamps: WallClock[] = [];
  for (let i = 1; i < lines.length; i++) {
    const { line, text: rowText } = lines[i]!;
    const cells = splitCsvLine(rowText) ?? [];
    if (cells.length > AZURE_HEADER.length) {
      throw new TraceError(
        TRACE_ERROR_CODES.badValue,
        { file, line },
        `expected ${AZURE_HEADER.length} columns, got ${cells.length}`,
      );
    }
    const at = (c: number) => ({ file, line, column: AZURE_HEADER[c] });
    const stamp = readField('wallClock', cells[0], at(0));
    stamps.push(stamp);
    rows.push({
      index: i - 1,
      line,
      arrivalMs: diffMs(stamp, stamps[0]!),
      promptTokens: readField('promptTokens', cells[1], at(1)),
      outputTokens: readField('outputTokens', cells[2], at(2)),
    });
  }
  if (rows.length === 0) {
    throw new TraceError(TRACE_ERROR_CODES.empty, { file }, 'the file has a header but no rows');
  }
  const first = stamps.reduce((a, b) => (diffMs(b, a) < 0 ? b : a));
  return buildWorkload(rows, {
    file,
    source: options.source ?? sourceFromFile(file),
    rebase: true,
    notes: [
      `read ${rows.length} rows from ${file} (Azure 2023 CSV); timestamps read as UTC wall-clock ` +
        `text and rebased to the first arrival, ${formatWallClock(first)}`,
    ],
  });
}

function checkHeader(cells: string[], file: string, line: number): void {
  for (let c = 0; c < AZURE_HEADER.length; c++) {
    const want = AZURE_HEADER[c]!;
    const got = cells[c]?.trim();
    if (got !== want) {
      throw new TraceError(
        TRACE_ERROR_CODES.badHeader,
        { file, line, column: want },
        `expected header ${AZURE_HEADER.join(',')}, column ${c + 1} is ` +
          `${got === undefined ? 'missing' : JSON.stringify(got)}`,
      );
    }
  }
}
