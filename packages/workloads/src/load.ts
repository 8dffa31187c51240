import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseAzureCsv } from './azure.js';
import { builtinNameOfFile, builtinTraces, TRACE_FORMATS } from './builtin.js';
import type { BuiltinTrace, TraceFormat } from './builtin.js';
import { TRACE_ERROR_CODES, TraceError } from './errors.js';
import { parseCsv, parseJsonl } from './generic.js';
import type { ColumnMapping } from './mapping.js';
import { parseMooncakeJsonl } from './mooncake.js';
import type { Workload } from './types.js';

export interface LoadTraceOptions {
  /** Seed for Mooncake tick spreading. @default 1 */
  seed?: number;
  /** Column mapping; required for `csv` / `jsonl`, and selects them when no format is given. */
  mapping?: ColumnMapping;
  /** Source label. @default the built-in trace name, else the file name without extension */
  source?: string;
  /**
   * Mooncake: spread arrivals within each timestamp tick. @default true, except for a built-in
   * trace whose timestamps are not quantised (`mooncake-synthetic`)
   */
  spreadWithinTicks?: boolean;
}

/**
 * Reads a trace file. Without `format`: with a mapping, `.jsonl` → `jsonl` and anything else →
 * `csv`; without one, `.jsonl` → `mooncake-jsonl` and `.csv` → `azure-csv`.
 */
export async function loadTrace(
  path: string,
  format?: TraceFormat,
  options: LoadTraceOptions = {},
): Promise<Workload> {
  const chosen = format ?? inferFormat(path, options.mapping !== undefined);
  const text = await readText(path);
  const source = options.source ?? builtinNameOfFile(path);
  const base = { file: path, ...(source === undefined ? {} : { source }) };
  switch (chosen) {
    case 'azure-csv':
      return parseAzureCsv(text, base);
    case 'mooncake-jsonl': {
      const name = builtinNameOfFile(path);
      const builtin: BuiltinTrace | undefined =
        name === undefined ? undefined : builtinTraces[name];
      const spread = options.spreadWithinTicks ?? builtin?.tickQuantised ?? true;
      return parseMooncakeJsonl(text, {
        ...base,
        seed: options.seed ?? 1,
        spreadWithinTicks: spread,
      });
    }
    case 'csv':
      return parseCsv(text, { ...base, mapping: requireMapping(options, path, chosen) });
    case 'jsonl':
      return parseJsonl(text, { ...base, mapping: requireMapping(options, path, chosen) });
  }
}

/** The format {@link loadTrace} would pick for this path. */
export function inferFormat(path: string, hasMapping: boolean): TraceFormat {
  const ext = extname(path).toLowerCase();
  if (hasMapping) return ext === '.jsonl' ? 'jsonl' : 'csv';
  if (ext === '.jsonl') return 'mooncake-jsonl';
  if (ext === '.csv') return 'azure-csv';
  throw new TraceError(
    TRACE_ERROR_CODES.badOptions,
    { file: path },
    `cannot tell the format from the extension "${ext}"; give one of ${TRACE_FORMATS.join(', ')}`,
  );
}

function requireMapping(
  options: LoadTraceOptions,
  path: string,
  format: TraceFormat,
): ColumnMapping {
  if (options.mapping !== undefined) return options.mapping;
  throw new TraceError(
    TRACE_ERROR_CODES.badOptions,
    { file: path },
    `format ${format} needs a column mapping`,
  );
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    const code = cause instanceof Error && 'code' in cause ? cause.code : undefined;
    if (code === 'ENOENT') {
      throw new TraceError(TRACE_ERROR_CODES.notFound, { file: path }, 'file not found', { cause });
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TraceError(TRACE_ERROR_CODES.unreadable, { file: path }, `cannot read: ${reason}`, {
      cause,
    });
  }
}
