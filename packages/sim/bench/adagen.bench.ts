// AdaGen's own figures (issue 5): estimator accuracy against the simulated cluster with jitter on
// and true decode lengths hidden, decode-length predictor accuracy on trace replay, and the cost
// of one scheduling decision at 8, 32 and 128 instances beside a baseline (LMetric) in the same run.
//   pnpm --filter @adagen/sim bench:adagen        (BENCH_REQUESTS=n to change the sample size)
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { policyFor } from '@adagen/scheduler';
import type { Policy } from '@adagen/scheduler';
import { summarize } from '@adagen/stats';
import { loadTrace, resolveTrace, scaleToRate } from '@adagen/workloads';
import type { Workload } from '@adagen/workloads';
import { instanceSpecs, parseSimConfig, Simulation } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const searchDirs = [
  process.env.ADAGEN_SHARED_DIR && join(process.env.ADAGEN_SHARED_DIR, 'traces'),
  resolve(here, '../../../../shared/traces'),
  '/work/shared/traces',
].filter((d): d is string => typeof d === 'string' && d !== '' && existsSync(d));
const N = Number(process.env.BENCH_REQUESTS ?? 2000);

async function trace(name: string, ratePerS: number, count: number): Promise<Workload> {
  const w = scaleToRate(await loadTrace(await resolveTrace(name, { searchDirs })), ratePerS);
  return { ...w, requests: w.requests.slice(0, count) };
}

interface Predicted {
  ttftMs: number;
  tpotMs: number;
  outputTokens: number;
}

/** Runs AdaGen over `w`, recording each decision's predictions next to the outcome. */
function accuracy(name: string, w: Workload, engine: Record<string, number>) {
  const predicted = new Map<string, Predicted>();
  const config = parseSimConfig({
    instances: { count: 8, profile: 'a100', engine },
    policy: (ctx) => {
      const p = policyFor('adagen', ctx);
      const planner = {
        name: p.planner.name,
        plan: (...args: Parameters<Policy['planner']['plan']>) => {
          const d = p.planner.plan(...args);
          predicted.set(args[0].classification.request.id, {
            ttftMs: d.prediction?.ttftMs ?? Number.NaN,
            tpotMs: d.prediction?.tpotMs ?? Number.NaN,
            outputTokens: args[0].classification.predictedOutputTokens,
          });
          return d;
        },
      };
      return { ...p, planner };
    },
    workload: w,
    seed: 1,
    jitterSigma: 0.05,
  });
  const sim = new Simulation(config, instanceSpecs(config));
  sim.run();
  const m = sim.metrics;
  const ttft: number[] = [];
  const tpot: number[] = [];
  const len: number[] = [];
  let under = 0;
  w.requests.forEach((r, i) => {
    const p = predicted.get(r.id);
    if (!p || m.rejected[i] === 1) return;
    const actualTtft = m.firstTokenMs[i]! - m.arrivalMs[i]!;
    if (Number.isFinite(p.ttftMs)) ttft.push(Math.abs(p.ttftMs - actualTtft) / actualTtft);
    if (m.tokens[i]! >= 3 && Number.isFinite(p.tpotMs)) {
      const actual = (m.lastTokenMs[i]! - m.firstTokenMs[i]!) / (m.tokens[i]! - 1);
      tpot.push(Math.abs(p.tpotMs - actual) / actual);
    }
    len.push(Math.abs(p.outputTokens - r.outputTokens) / r.outputTokens);
    if (p.outputTokens < r.outputTokens) under++;
  });
  const t = summarize(ttft);
  const o = summarize(tpot);
  const l = summarize(len);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return [
    name,
    String(ttft.length),
    pct(t.p50),
    pct(t.p90),
    pct(o.p50),
    pct(o.p90),
    pct(l.p50),
    pct(l.p90),
    pct(under / len.length),
  ];
}

function decisionCost(instances: number, w: Workload) {
  const run = (policy: string) => {
    const config = parseSimConfig({
      instances: { count: instances, profile: 'a100' },
      policy: (ctx) => policyFor(policy, ctx),
      workload: w,
      seed: 1,
    });
    const sim = new Simulation(config, instanceSpecs(config), { now: () => performance.now() });
    sim.run();
    return summarize(sim.decisionTimesUs.sorted());
  };
  const ours = run('adagen');
  const base = run('lmetric');
  const us = (x: number) => x.toFixed(0);
  return [
    String(instances),
    us(ours.p50),
    us(ours.p99),
    us(base.p50),
    us(base.p99),
    `${(ours.p50 / Math.max(base.p50, 0.5)).toFixed(0)}×`,
  ];
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

if (searchDirs.length === 0) {
  console.error('bench: no trace directory found (set ADAGEN_SHARED_DIR)');
  process.exit(1);
}
console.log(
  `AdaGen accuracy: 8 × A100, first ${N} requests, jitter σ = 0.05, true output lengths hidden`,
);
table(
  [
    'trace @ rate',
    'n',
    'TTFT p50',
    'TTFT p90',
    'TPOT p50',
    'TPOT p90',
    'len p50',
    'len p90',
    'len under',
  ],
  [
    accuracy('azure-conv @ 24/s', await trace('azure-conv', 24, N), {}),
    accuracy('azure-code @ 5/s', await trace('azure-code', 5, N), {}),
    accuracy('mooncake-conv @ 2/s', await trace('mooncake-conv', 2, N), { maxModelLen: 131072 }),
  ],
);
console.log(
  '\n(relative errors |predicted − actual| / actual; "len under" = share under-predicted)\n',
);
console.log('Decision cost (µs of wall time per decision, azure-conv at 3.5 req/s per instance)');
const conv = await loadTrace(await resolveTrace('azure-conv', { searchDirs }));
const rows: string[][] = [];
for (const n of [8, 32, 128]) {
  const w = scaleToRate(conv, 3.5 * n);
  rows.push(decisionCost(n, { ...w, requests: w.requests.slice(0, Math.min(N, 1500)) }));
}
table(['instances', 'AdaGen p50', 'AdaGen p99', 'LMetric p50', 'LMetric p99', 'p50 ratio'], rows);
