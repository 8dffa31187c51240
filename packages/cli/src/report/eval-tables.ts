/**
 * `adagen report`: the evaluation's tables from `adagen sweep` result files — per trace (and SLO
 * scale), goodput on the sweep's grid per policy with AdaGen's multiple of each, the largest
 * shortfall of AdaGen below any baseline in one cell, and every cell's attainment beside its
 * tails (TTFT mean / p99 / max, throughput, makespan, shed, abandoned). Pure: runs in, text out.
 */
import { formatTable, num, pct } from './table.js';

/** The fields of one `runs[]` entry of an `adagen-result/v1` file this report reads. */
export interface ReportRun {
  trace: string;
  policy: string;
  ratePerS: number | null;
  instances: number;
  profile: string;
  seed: number;
  sloScale?: number;
  workload: { requests: number };
  settings: {
    admission?: { mode: string };
    estimatorProfile?: string | null;
    calibrate?: boolean;
  };
  metrics: {
    requests: { shed?: number; abandoned?: number };
    ttftMs: { mean: number | null; p99: number | null; max: number | null };
    slo: {
      attainment: number;
      ttftAttainment: number;
      tpotAttainment: number;
      tbtAttainment?: number;
    };
    throughput: { requestsPerS: number };
    plans: Record<string, number>;
    simulatedSpanMs: number;
  };
}

export interface GridGoodput {
  /** req/s; 0 when even the lowest rate misses. */
  value: number;
  text: string;
  /** The top rate still met the target: a lower bound. */
  open: boolean;
}

/**
 * Highest rate with attainment ≥ `target`: linear interpolation between the last grid rate that
 * meets it and the first above it that does not (attainment falls with load; the first crossing
 * counts).
 */
export function gridGoodput(
  points: ReadonlyArray<{ ratePerS: number; attainment: number }>,
  target: number,
): GridGoodput {
  const pts = [...points].sort((a, b) => a.ratePerS - b.ratePerS);
  const first = pts[0];
  if (first === undefined) return { value: 0, text: '–', open: false };
  if (first.attainment < target) return { value: 0, text: `< ${first.ratePerS}`, open: false };
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (b.attainment < target) {
      const v =
        a.ratePerS +
        ((a.attainment - target) / (a.attainment - b.attainment)) * (b.ratePerS - a.ratePerS);
      return { value: v, text: num(v, 2), open: false };
    }
  }
  const top = pts[pts.length - 1]!.ratePerS;
  return { value: top, text: `≥ ${top}`, open: true };
}

const isAdaGen = (p: string) => p === 'adagen' || p.startsWith('adagen-');

function seconds(ms: number | null): string {
  if (ms === null) return '–';
  if (ms >= 10_000) return `${num(ms / 1000, 0)} s`;
  if (ms >= 1000) return `${num(ms / 1000, 1)} s`;
  return `${num(ms, 0)} ms`;
}

function groupOf(r: ReportRun): string {
  return r.sloScale === undefined ? r.trace : `${r.trace} · SLO ×${r.sloScale}`;
}

/** The markdown report of the runs of one or more result files. */
export function evaluationTables(runs: readonly ReportRun[], target: number): string {
  const out: string[] = [];
  const groups = new Map<string, ReportRun[]>();
  for (const r of runs) {
    const key = `${groupOf(r)}|${r.instances}|${r.profile}|${r.settings.estimatorProfile ?? ''}|${r.settings.calibrate === true}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const rs of groups.values()) {
    const f = rs[0]!;
    const policies = [...new Set(rs.map((r) => r.policy))];
    const rates = [...new Set(rs.map((r) => r.ratePerS ?? 0))].sort((a, b) => a - b);
    const cell = (p: string, x: number) => rs.find((r) => r.policy === p && r.ratePerS === x);
    const st = f.settings;
    const model =
      st.estimatorProfile == null
        ? ''
        : `, policies predict with ${st.estimatorProfile}${st.calibrate === true ? ' (calibrated online)' : ''}`;
    out.push(
      `### ${groupOf(f)} — ${f.instances} × ${f.profile}${model}, admission ${st.admission?.mode ?? 'none'}, seed ${f.seed}, ${f.workload.requests} requests`,
      '',
    );
    const gp = new Map(
      policies.map((p) => [
        p,
        gridGoodput(
          rates.flatMap((x) => {
            const c = cell(p, x);
            return c ? [{ ratePerS: x, attainment: c.metrics.slo.attainment }] : [];
          }),
          target,
        ),
      ]),
    );
    const ada = gp.get('adagen');
    const times = (v: number) => (ada && v > 0 ? `${num(ada.value / v, 2)}×` : '');
    out.push(
      formatTable(
        ['policy', `goodput on the grid (req/s, ≥ ${pct(target)})`, 'AdaGen ×'],
        policies.map((p) => [p, gp.get(p)!.text, isAdaGen(p) ? '' : times(gp.get(p)!.value)]),
        { markdown: true },
      ),
      '',
    );
    const baselines = policies.filter((p) => !isAdaGen(p));
    if (ada && baselines.length > 0) {
      const best = baselines.reduce((b, p) => (gp.get(p)!.value > gp.get(b)!.value ? p : b));
      const bound = ada.open || gp.get(best)!.open ? ' (a bound: the grid ends)' : '';
      let worst = { gap: Number.NEGATIVE_INFINITY, policy: '', rate: 0 };
      for (const x of rates) {
        const a = cell('adagen', x);
        if (!a) continue;
        for (const p of baselines) {
          const b = cell(p, x);
          const gap = b ? 100 * (b.metrics.slo.attainment - a.metrics.slo.attainment) : -Infinity;
          if (gap > worst.gap) worst = { gap, policy: p, rate: x };
        }
      }
      out.push(
        `AdaGen ${ada.text} req/s; best baseline ${best} ${gp.get(best)!.text} (AdaGen ${times(gp.get(best)!.value) || 'n/a'})${bound}. ` +
          `Largest shortfall of AdaGen below a baseline in one cell: ${num(worst.gap, 1)} points (${worst.policy} at ${worst.rate} req/s).`,
        '',
      );
    }
    const tbt = rs.some((r) => r.metrics.slo.tbtAttainment !== undefined);
    const rows: string[][] = [];
    for (const p of policies) {
      for (const x of rates) {
        const m = cell(p, x)?.metrics;
        if (!m) continue;
        rows.push([
          p,
          String(x),
          pct(m.slo.attainment),
          pct(m.slo.ttftAttainment),
          pct(m.slo.tpotAttainment),
          ...(tbt ? [m.slo.tbtAttainment === undefined ? '–' : pct(m.slo.tbtAttainment)] : []),
          seconds(m.ttftMs.mean),
          seconds(m.ttftMs.p99),
          seconds(m.ttftMs.max),
          num(m.throughput.requestsPerS, 2),
          num(m.simulatedSpanMs / 1000, 0),
          String(m.requests.shed ?? 0),
          String(m.requests.abandoned ?? 0),
          String((m.plans['pd-split'] ?? 0) + (m.plans['split-prefill'] ?? 0)),
        ]);
      }
    }
    out.push(
      formatTable(
        [
          'policy',
          'rate',
          'attain',
          'TTFT-only',
          'TPOT-only',
          ...(tbt ? ['TBT-only'] : []),
          'TTFT mean',
          'TTFT p99',
          'TTFT max',
          'req/s',
          'makespan s',
          'shed',
          'abandoned',
          'distributed',
        ],
        rows,
        { markdown: true },
      ),
      '',
    );
  }
  return out.join('\n');
}
