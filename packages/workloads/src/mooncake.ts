import { createRng } from '@adagen/stats';
import { buildWorkload, sourceFromFile } from './build.js';
import type { ParsedRow } from './build.js';
import { readJsonObject } from './jsonl.js';
import { readField } from './fields.js';
import { numberedLines } from './lines.js';
import type { Workload } from './types.js';

export interface MooncakeJsonlOptions {
  /** File name used in errors and to derive the source. */
  file: string;
  /** Seed for spreading arrivals within a tick. */
  seed: number;
  /** Source label for the requests. @default derived from `file` */
  source?: string;
  /**
   * Spread the requests of each timestamp tick uniformly over [tick, next tick). The published
   * timestamps are quantised to ~3 s ticks; without spreading ~10 requests arrive at once.
   * @default true
   */
  spreadWithinTicks?: boolean;
  /** Width of the last tick and the most any tick is spread over. @default median tick gap */
  tickMs?: number;
}

/** Used when the file has a single tick and no `tickMs` is given. */
const DEFAULT_TICK_MS = 3000;

/**
 * Parses a Mooncake trace (`{"timestamp", "input_length", "output_length", "hash_ids"}` per line,
 * timestamps in ms from the trace start, kept as is; not rebased). `hash_ids` are kept.
 */
export function parseMooncakeJsonl(text: string, options: MooncakeJsonlOptions): Workload {
  const { file } = options;
  const rows: ParsedRow[] = numberedLines(text).map(({ line, text: lineText }, index) => {
    const obj = readJsonObject(lineText, file, line);
    const at = (column: string) => ({ file, line, column });
    const row: ParsedRow = {
      index,
      line,
      arrivalMs: readField('nonNegativeTime', obj.timestamp, at('timestamp')),
      promptTokens: readField('promptTokens', obj.input_length, at('input_length')),
      outputTokens: readField('outputTokens', obj.output_length, at('output_length')),
    };
    if (obj.hash_ids !== undefined)
      row.hashIds = readField('hashIds', obj.hash_ids, at('hash_ids'));
    return row;
  });
  const source = options.source ?? sourceFromFile(file);
  const notes = [
    `read ${rows.length} rows from ${file} (Mooncake JSONL); timestamps in ms as given`,
  ];
  if (options.spreadWithinTicks === false || rows.length === 0) {
    return buildWorkload(rows, { file, source, rebase: false, notes });
  }
  const sorted = sortNoting(rows, notes);
  const widthMs = spreadWithinTicks(sorted, options.seed, options.tickMs);
  notes.push(
    `spread arrivals uniformly within each timestamp tick (over [tick, next tick), at most ` +
      `${widthMs} ms), seed ${options.seed}: the trace quantises arrivals to ~3 s ticks`,
  );
  return buildWorkload(sorted, { file, source, rebase: false, notes, quietSort: true });
}

function sortNoting(rows: ParsedRow[], notes: string[]): ParsedRow[] {
  let outOfOrder = 0;
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.arrivalMs < rows[i - 1]!.arrivalMs) outOfOrder++;
  }
  if (outOfOrder === 0) return rows;
  notes.push(`${outOfOrder} rows arrived earlier than the row before; stable-sorted by arrival`);
  return [...rows].sort((a, b) => a.arrivalMs - b.arrivalMs);
}

/**
 * Moves each row (sorted by tick) to a uniform time in [tick, tick + width), where width is the
 * gap to the next distinct tick, capped at the typical tick (so a gap in the trace is not filled).
 * Draws one number per row in file order, so the result depends only on the seed. Returns the cap.
 */
function spreadWithinTicks(rows: ParsedRow[], seed: number, tickMs?: number): number {
  const ticks = [...new Set(rows.map((r) => r.arrivalMs))];
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
  const capMs = tickMs ?? medianOf(gaps) ?? DEFAULT_TICK_MS;
  const widthOf = new Map<number, number>();
  ticks.forEach((t, i) => widthOf.set(t, Math.min(capMs, (ticks[i + 1] ?? Infinity) - t)));
  const rng = createRng(seed).fork('mooncake-ticks');
  const byIndex = [...rows].sort((a, b) => a.index - b.index);
  for (const row of byIndex) {
    const tick = row.arrivalMs;
    row.arrivalMs = tick + rng.next() * widthOf.get(tick)!;
  }
  return capMs;
}

function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
