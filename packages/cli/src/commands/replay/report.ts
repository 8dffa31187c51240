/** The replay's terminal table and JSON (`adagen-replay/v1`). */
import type { SloSpec } from '@adagen/scheduler';
import { describeTarget } from '../../args/common.js';
import { formatTable, ms, num, pct } from '../../report/table.js';
import type { ReplayResult } from './run.js';

export interface ReplayHeader {
  readonly url: string;
  readonly trace: string;
  readonly ratePerS?: number;
  readonly requests: number;
  readonly model: string;
  readonly endpoint: string;
  readonly outputMode: string;
  /** `adagen` mode: the `max_tokens` cap every request carries. */
  readonly maxTokensCap?: number;
  readonly profile: string;
  readonly slo: SloSpec;
}

export function formatReplay(h: ReplayHeader, r: ReplayResult): string {
  const m = r.metrics;
  const row = (name: string, s: typeof m.ttftMs) => [
    name,
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.mean),
    ms(s.max),
    String(s.count),
  ];
  const statuses = Object.entries(r.statuses)
    .map(([k, v]) => `${k === '0' ? 'no response' : k} ×${v}`)
    .join(', ');
  const lines = [
    `adagen replay — ${h.trace}${h.ratePerS === undefined ? '' : ` @ ${h.ratePerS} req/s`} → ${h.url} (${h.endpoint}, model ${h.model}, output ${h.outputMode}${h.maxTokensCap === undefined ? '' : `, max_tokens ${h.maxTokensCap}`})`,
    `requests offered ${m.requests.total} (shed ${m.requests.shed} with 429, finished ${m.requests.finished}, unfinished ${m.requests.unfinished}); HTTP ${statuses}; wall ${num(r.wallMs / 1000, 1)} s; send lag p50 ${ms(r.sendLagMs.p50)} ms, max ${ms(r.sendLagMs.max)} ms`,
    '',
    formatTable(
      ['latency (ms)', 'p50', 'p90', 'p99', 'mean', 'max', 'count'],
      [
        row('TTFT', m.ttftMs),
        row('TPOT', m.tpotMs),
        row('TBT (all gaps)', m.tbtMs),
        row('E2E', m.e2eMs),
      ],
    ),
    '',
    `SLO attainment over offered requests ${pct(m.slo.attainment)} (TTFT ${pct(m.slo.ttftAttainment)}, TPOT ${pct(m.slo.tpotAttainment)}); ${describeTarget('TTFT', h.slo.ttft)}, ${describeTarget('TPOT', h.slo.tpot)} on ${h.profile}`,
    `throughput ${num(m.throughput.requestsPerS, 2)} req/s, ${num(m.throughput.outputTokensPerS, 0)} output tok/s`,
  ];
  if (r.short > 0)
    lines.push(`note: ${r.short} responses had fewer tokens than asked (counted on what came)`);
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}

/** JSON with numbers rounded to 6 significant digits and NaN as null. */
export function replayJson(h: ReplayHeader, r: ReplayResult): string {
  const round = (_k: string, v: unknown) =>
    typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(6)) : null) : v;
  return `${JSON.stringify({ schema: 'adagen-replay/v1', ...h, ...r }, round, 2)}\n`;
}
