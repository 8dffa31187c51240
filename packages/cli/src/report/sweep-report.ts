/** Tables of a sweep: per trace, an attainment matrix (policy × rate) and the latency details. */
import type { CellResult } from '../sweep/cell.js';
import type { GoodputEntry, InstancesEntry } from './result-json.js';
import { formatTable, ms, num, pct } from './table.js';

export interface SweepTables {
  trace: string;
  matrix: { headers: string[]; rows: string[][] };
  details: { headers: string[]; rows: string[][] };
}

export function sweepTables(
  trace: string,
  cells: readonly CellResult[],
  policies: readonly string[],
  rates: readonly number[],
): SweepTables {
  const of = (policy: string, rate: number) =>
    cells.find((c) => c.spec.policy === policy && c.spec.workload.ratePerS === rate);
  const matrix = {
    headers: ['policy \\ rate (req/s)', ...rates.map((r) => String(r))],
    rows: policies.map((p) => [
      p,
      ...rates.map((r) => pct(of(p, r)?.result.metrics.slo.attainment)),
    ]),
  };
  const details = {
    headers: [
      'policy',
      'rate',
      'attain',
      'TTFT-only',
      'TPOT-only',
      'TBT-only',
      'TTFT mean',
      'TTFT p50',
      'TTFT p99',
      'TPOT p50',
      'TPOT p99',
      'TBT p99',
      'req/s',
      'makespan s',
      'shed',
      'abandoned',
      'unfinished',
      'prefix hit',
    ],
    rows: [] as string[][],
  };
  for (const p of policies) {
    for (const r of rates) {
      const m = of(p, r)?.result.metrics;
      if (!m) continue;
      details.rows.push([
        p,
        String(r),
        pct(m.slo.attainment),
        pct(m.slo.ttftAttainment),
        pct(m.slo.tpotAttainment),
        m.slo.tbtAttainment === undefined ? '–' : pct(m.slo.tbtAttainment),
        ms(m.ttftMs.mean),
        ms(m.ttftMs.p50),
        ms(m.ttftMs.p99),
        ms(m.tpotMs.p50),
        ms(m.tpotMs.p99),
        ms(m.tbtMs.p99),
        num(m.throughput.requestsPerS, 2),
        num(m.simulatedSpanMs / 1000, 0),
        String(m.requests.shed),
        String(m.requests.abandoned),
        String(m.requests.unfinished),
        m.prefixCache === undefined ? '—' : pct(m.prefixCache.hitRate),
      ]);
    }
  }
  return { trace, matrix, details };
}

export function formatSweepTables(t: SweepTables, markdown: boolean): string {
  return [
    markdown ? `### ${t.trace}: SLO attainment` : `${t.trace} — SLO attainment`,
    '',
    formatTable(t.matrix.headers, t.matrix.rows, { markdown }),
    '',
    markdown ? `### ${t.trace}: latency (ms)` : `${t.trace} — latency (ms)`,
    '',
    formatTable(t.details.headers, t.details.rows, { markdown }),
  ].join('\n');
}

export function formatGoodput(entries: readonly GoodputEntry[], markdown: boolean): string {
  const rows = entries.map((e) => [
    e.sloScale === undefined ? e.trace : `${e.trace} · SLO ×${e.sloScale}`,
    e.policy,
    e.goodputRatePerS === null ? `< ${e.probes[0]?.ratePerS ?? '?'}` : num(e.goodputRatePerS, 2),
    String(e.probes.length),
  ]);
  return formatTable(
    ['trace', 'policy', `goodput (req/s, ≥ ${pct(entries[0]?.target ?? 0.9)})`, 'probes'],
    rows,
    { markdown },
  );
}

export function formatInstances(entries: readonly InstancesEntry[], markdown: boolean): string {
  const rows = entries.map((e) => [
    e.trace,
    e.policy,
    String(e.ratePerS),
    e.instances === null ? `> max` : String(e.instances),
    String(e.probes.length),
  ]);
  return formatTable(
    [
      'trace',
      'policy',
      'rate (req/s)',
      `instances for ≥ ${pct(entries[0]?.target ?? 0.9)}`,
      'probes',
    ],
    rows,
    { markdown },
  );
}
