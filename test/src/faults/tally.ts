/**
 * The summary every fault test prints (and, with `ADAGEN_FAULT_SUMMARY=<file>`, appends as a JSON
 * line): requests sent, completed, failed with an error (by code), lost and hung.
 */
import { appendFileSync } from 'node:fs';
import type { Outcome } from './client.js';

export interface FaultSummary {
  readonly fault: string;
  readonly sent: number;
  readonly completed: number;
  readonly failed: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly lost: number;
  readonly hung: number;
  readonly notes: Readonly<Record<string, number | string>>;
}

export function summarize(
  fault: string,
  outcomes: readonly Outcome[],
  notes: Record<string, number | string> = {},
): FaultSummary {
  const failedByCode: Record<string, number> = {};
  for (const o of outcomes)
    if (o.kind === 'failed') failedByCode[o.code ?? '?'] = (failedByCode[o.code ?? '?'] ?? 0) + 1;
  const count = (k: Outcome['kind']) => outcomes.filter((o) => o.kind === k).length;
  const summary: FaultSummary = {
    fault,
    sent: outcomes.length,
    completed: count('completed'),
    failed: count('failed'),
    failedByCode,
    lost: count('lost'),
    hung: count('hung'),
    notes,
  };
  const codes = Object.entries(failedByCode)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  const extra = Object.entries(notes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stderr.write(
    `[fault] ${fault}: sent ${summary.sent}, completed ${summary.completed}, failed ${summary.failed}${codes === '' ? '' : ` (${codes})`}, lost ${summary.lost}, hung ${summary.hung}${extra === '' ? '' : `; ${extra}`}\n`,
  );
  const file = process.env.ADAGEN_FAULT_SUMMARY;
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(summary)}\n`);
  return summary;
}
