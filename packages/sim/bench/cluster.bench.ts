// Whole-cluster simulation speed on the one-hour Azure 2023 conversation trace, 8 A100 instances:
// simulated requests per second of wall time, and speed-up over the trace's own duration.
// pnpm --filter @adagen/sim bench      (BENCH_REPEATS=n to repeat each row, best kept)
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadTrace, scaleTime } from '@adagen/workloads';
import type { Workload } from '@adagen/workloads';
import { runSimulation } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const FILE = 'azure2023_AzureLLMInferenceTrace_conv.csv';
const dirs = [
  process.env.ADAGEN_SHARED_DIR && join(process.env.ADAGEN_SHARED_DIR, 'traces'),
  resolve(here, '../../../../shared/traces'),
  '/work/shared/traces',
].filter((d): d is string => typeof d === 'string' && d !== '');
const dir = dirs.find((d) => existsSync(join(d, FILE)));
if (!dir) {
  console.error(`bench: ${FILE} not found; tried ${dirs.join(', ')}`);
  process.exit(1);
}
const trace = await loadTrace(join(dir, FILE));
const repeats = Number(process.env.BENCH_REPEATS ?? 1);

interface Row {
  policy: string;
  load: string;
  requests: number;
  spanS: number;
  wallS: number;
  attainment: number;
  tokens: number;
}

function bench(policy: string, load: string, w: Workload): Row {
  let best = Infinity;
  let result: ReturnType<typeof runSimulation> | undefined;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    result = runSimulation({ instances: { count: 8, profile: 'a100' }, policy, workload: w });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const m = result!.metrics;
  return {
    policy,
    load,
    requests: m.requests.total,
    spanS: m.simulatedSpanMs / 1000,
    wallS: best,
    attainment: m.slo.attainment,
    tokens: m.tbtMs.count + m.ttftMs.count,
  };
}

// Warm up the JIT on a slice, then measure.
runSimulation({
  instances: { count: 8, profile: 'a100' },
  policy: 'round-robin',
  workload: { ...trace, requests: trace.requests.slice(0, 2000) },
});
const rows: Row[] = [];
for (const policy of ['round-robin', 'least-kv', 'lmetric']) {
  rows.push(bench(policy, '1× (5.5 req/s)', trace));
  rows.push(bench(policy, '6× (33 req/s)', scaleTime(trace, 1 / 6)));
}

const header = [
  'policy',
  'load',
  'requests',
  'simulated s',
  'wall s',
  'sim req/s',
  'tokens/s wall',
  'speed-up vs real time',
  'attainment',
];
const table = rows.map((r) => [
  r.policy,
  r.load,
  String(r.requests),
  r.spanS.toFixed(0),
  r.wallS.toFixed(2),
  (r.requests / r.wallS).toFixed(0),
  (r.tokens / r.wallS / 1e6).toFixed(2) + 'M',
  `${(r.spanS / r.wallS).toFixed(0)}×`,
  `${(r.attainment * 100).toFixed(1)}%`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `cluster simulation, ${trace.requests.length} requests of ${FILE}, 8 × llama-3-8b_a100-80gb_tp1, node ${process.version}`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const t of table) console.log(line(t));
