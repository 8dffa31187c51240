/** Plain-text tables for the terminal (and Markdown for docs). */

export type Align = 'left' | 'right';

export interface TableOptions {
  align?: readonly Align[];
  /** GitHub Markdown pipe table instead of space-aligned columns. @default false */
  markdown?: boolean;
}

export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  options: TableOptions = {},
): string {
  const align = (i: number): Align => options.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (text: string, i: number) =>
    align(i) === 'left' ? text.padEnd(widths[i]!) : text.padStart(widths[i]!);
  if (options.markdown) {
    const line = (cells: readonly string[]) => `| ${cells.map((c, i) => pad(c, i)).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (align(i) === 'left' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
    return [line(headers), rule, ...rows.map(line)].join('\n');
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, i))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Milliseconds with sensible precision; "–" for missing values. */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)}s`;
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(1)}%`;
}

export function num(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}
