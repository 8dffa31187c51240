/** The terminal report of one simulation. */
import type { DeadlineSpec } from '@adagen/sim';
import { describeTarget } from '../args/common.js';
import type { CellResult } from '../sweep/cell.js';
import { formatTable, ms, num, pct } from './table.js';

export function formatSimulateReport(cell: CellResult): string {
  const { spec, result } = cell;
  const m = result.metrics;
  const w = spec.workload;
  const window =
    w.durationS !== undefined
      ? `, first ${w.durationS} s`
      : w.requests !== undefined
        ? `, first ${w.requests} requests`
        : '';
  const rate =
    window +
    (w.ratePerS !== undefined
      ? ` @ ${w.ratePerS} req/s`
      : w.timeScale !== undefined
        ? ` at ×${w.timeScale} time`
        : '');
  const spanS = m.simulatedSpanMs / 1000;
  const lines = [
    `adagen simulate — ${spec.workload.trace}${rate}, ${spec.instances} × ${result.instances[0]?.profile ?? spec.profile}, policy ${result.policy}${result.settings.balancers > 1 ? ` (${result.settings.balancers} balancer ${result.settings.sharded ? `shards, each on its share of the instances${result.spill === undefined ? '' : `, ${result.spill.taken} hopeless requests handed to another shard, ${result.spill.held} held back`}` : 'replicas'})` : ''}, snapshots every ${result.settings.snapshotIntervalMs} ms, seed ${spec.seed}`,
    `requests offered ${m.requests.total}: accepted ${m.requests.accepted}, shed ${m.requests.shed} (admission ${result.settings.admission.mode}), abandoned ${m.requests.abandoned} (${describeDeadline(result.settings.deadline)}), finished ${m.requests.finished}, unfinished ${m.requests.unfinished}`,
    `simulated span ${num(spanS, 1)} s, wall ${num(cell.wallMs / 1000, 2)} s (${num(cell.wallMs > 0 ? (spanS * 1000) / cell.wallMs : 0, 0)}× real time)`,
    '',
  ];
  const row = (name: string, s: typeof m.ttftMs) => [
    name,
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.mean),
    ms(s.max),
    String(s.count),
  ];
  lines.push(
    formatTable(
      ['latency (ms)', 'p50', 'p90', 'p99', 'mean', 'max', 'count'],
      [
        row('TTFT', m.ttftMs),
        row('TPOT', m.tpotMs),
        row('TBT (all gaps)', m.tbtMs),
        row('E2E', m.e2eMs),
        row('queueing', m.queueingMs),
      ],
    ),
    '',
    `SLO attainment over offered requests ${pct(m.slo.attainment)} (TTFT ${pct(m.slo.ttftAttainment)}, TPOT ${pct(m.slo.tpotAttainment)}${m.slo.tbtAttainment === undefined ? '' : `, TBT p99 ${pct(m.slo.tbtAttainment)}`}); ${describeTarget('TTFT', result.settings.slo.ttft)}, ${describeTarget('TPOT', result.settings.slo.tpot)}${result.settings.slo.tbt ? `, ${describeTarget('per-request TBT p99', result.settings.slo.tbt)}` : ''}`,
    `throughput ${num(m.throughput.requestsPerS, 2)} req/s (goodput ${num(m.throughput.goodputPerS, 2)} req/s meeting their SLO), ${num(m.throughput.outputTokensPerS, 0)} output tok/s; plans: single ${m.plans.single}, pd-split ${m.plans['pd-split']}, split-prefill ${m.plans['split-prefill']}; preemptions ${m.requests.preemptions}`,
  );
  const pc = m.prefixCache;
  if (pc !== undefined) {
    lines.push(
      `prefix cache: hit rate ${pct(pc.hitRate)} of prompt tokens (${pc.hitTokens} of ${pc.queriedTokens}); ${pc.requestsWithHit} of ${pc.requestsAdmitted} requests reused a cached prefix`,
    );
  }
  const pe = m.ttftPredictionError;
  if (pe !== undefined) {
    lines.push(
      `TTFT prediction error (|predicted − actual| / actual): median ${pct(pe.hits.p50)} on prefix hits (${pe.hits.count}), ${pct(pe.misses.p50)} on misses (${pe.misses.count})`,
    );
  }
  const d = result.decisionTimeUs;
  if (d && d.count > 0)
    lines.push(
      `decision time p50 ${num(d.p50, 1)} µs, p99 ${num(d.p99, 1)} µs (${d.count} decisions)`,
    );
  const st = result.settings;
  if (st.estimatorProfile !== null || st.calibrate)
    lines.push(
      `model error: policies predict with ${st.estimatorProfile ?? 'the engines’ own profile'}${st.calibrate ? ', calibrated online per instance' : ''}`,
    );
  for (const c of result.calibration ?? [])
    lines.push(
      `  ${c.id}: ${c.observations} iterations, ${c.versions} calibrated versions, factor ${num(c.scale, 3)} over ${c.start}; median error start ${pct(c.startErrorMedian)} → calibrated ${pct(c.fitErrorMedian)}`,
    );
  const e = result.settings.engine;
  lines.push(
    `engine: scheduler ${e.enableChunkedPrefill ? 'chunked' : 'vllm-v0'}, max-num-seqs ${e.maxNumSeqs}, max-num-batched-tokens ${e.maxNumBatchedTokens}, ${e.numGpuBlocks} KV blocks of ${e.blockSize} tokens, max model len ${e.maxModelLen}`,
  );
  for (const note of cell.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

function describeDeadline(d: DeadlineSpec): string {
  if (d === 'off') return 'no deadline';
  if (d.kind === 'fixed') return `deadline ${num(d.ms / 1000, 1)} s`;
  return `deadline max(${d.factor}× TTFT target, ${num(d.floorMs / 1000, 0)} s)`;
}
