/** What went wrong while reading or resolving a trace. */
export const TRACE_ERROR_CODES = {
  /** The file (or named trace) does not exist where it was looked for. */
  notFound: 'not_found',
  /** The file exists but cannot be read (permissions, a directory, ...). */
  unreadable: 'unreadable',
  /** The file has no data rows. */
  empty: 'empty',
  /** The header does not have the expected columns. */
  badHeader: 'bad_header',
  /** A cell or field holds a value of the wrong kind or range. */
  badValue: 'bad_value',
  /** A row lacks a required column or field. */
  missingField: 'missing_field',
  /** A JSONL line is not a JSON object. */
  badJson: 'bad_json',
  /** Options passed by the caller are invalid (e.g. an unknown format or a bad mapping). */
  badOptions: 'bad_options',
} as const;

export type TraceErrorCode = (typeof TRACE_ERROR_CODES)[keyof typeof TRACE_ERROR_CODES];

/** Where a trace error is: the file, the 1-based line (header = line 1) and the column / field. */
export interface TraceErrorLocation {
  file: string;
  line?: number;
  column?: string;
}

/**
 * A trace that cannot be read. The message starts with `file:line: column NAME:` so it can be
 * shown as is, e.g. `conv.csv:17: column ContextTokens: expected a positive integer, got "abc"`.
 * Terminal: reading the same file again fails the same way.
 */
export class TraceError extends Error {
  override readonly name = 'TraceError';
  readonly code: TraceErrorCode;
  readonly file: string;
  /** 1-based line in the file; undefined when the error concerns the whole file. */
  readonly line: number | undefined;
  /** Column name (CSV) or field name (JSONL); undefined when the error is not about one. */
  readonly column: string | undefined;

  constructor(
    code: TraceErrorCode,
    where: TraceErrorLocation,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(formatLocation(where) + detail, options);
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

function formatLocation(where: TraceErrorLocation): string {
  const line = where.line === undefined ? '' : `:${where.line}`;
  const column = where.column === undefined ? '' : ` column ${where.column}:`;
  return `${where.file}${line}:${column} `;
}
