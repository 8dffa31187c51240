import { TRACE_ERROR_CODES, TraceError } from './errors.js';
import type { TraceRequest, Workload } from './types.js';

/** A validated data row before it becomes a request. */
export interface ParsedRow {
  /** 0-based index among the file's data rows; becomes the request id. */
  index: number;
  /** 1-based line in the file. */
  line: number;
  /** Arrival in ms from some origin (rebased by {@link buildWorkload} when asked). */
  arrivalMs: number;
  promptTokens: number;
  /** May be 0 here; raised to 1 by {@link buildWorkload}. */
  outputTokens: number;
  tenant?: string;
  hashIds?: number[];
}

export interface BuildOptions {
  file: string;
  source: string;
  notes: string[];
  /** Subtract the earliest arrival so the workload starts at 0. */
  rebase: boolean;
  /** Sort without a note (the caller has already said why the order changed). */
  quietSort?: boolean;
}

/**
 * Turns parsed rows into a workload. Rows out of time order are stable-sorted (ties keep file
 * order) and a note says how many were out of order. An output length of 0 is raised to 1: the
 * prefill of such a request still produces the first token, and every request must emit one.
 */
export function buildWorkload(rows: ParsedRow[], options: BuildOptions): Workload {
  if (rows.length === 0) {
    throw new TraceError(TRACE_ERROR_CODES.empty, { file: options.file }, 'no data rows');
  }
  const notes = [...options.notes];
  let outOfOrder = 0;
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.arrivalMs < rows[i - 1]!.arrivalMs) outOfOrder++;
  }
  const ordered = outOfOrder > 0 ? [...rows].sort((a, b) => a.arrivalMs - b.arrivalMs) : rows;
  if (outOfOrder > 0 && !options.quietSort) {
    notes.push(`${outOfOrder} rows arrived earlier than the row before; stable-sorted by arrival`);
  }
  const originMs = options.rebase ? ordered[0]!.arrivalMs : 0;
  let zeroOutputs = 0;
  const requests = ordered.map((row): TraceRequest => {
    if (row.outputTokens === 0) zeroOutputs++;
    const request: TraceRequest = {
      id: String(row.index),
      arrivalMs: row.arrivalMs - originMs,
      promptTokens: row.promptTokens,
      outputTokens: Math.max(1, row.outputTokens),
      source: options.source,
    };
    if (row.tenant !== undefined) request.tenant = row.tenant;
    if (row.hashIds !== undefined) request.hashIds = row.hashIds;
    return request;
  });
  if (zeroOutputs > 0) notes.push(`${zeroOutputs} rows with 0 output tokens raised to 1`);
  return { name: options.source, requests, notes };
}

/** A source label usable in request ids (`A-Z a-z 0-9 - _`), from a file name. */
export function sourceFromFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  const stem = base.replace(/\.(csv|jsonl|json|txt)$/i, '');
  const clean = stem.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return clean === '' ? 'trace' : clean;
}
