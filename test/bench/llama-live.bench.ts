/**
 * AdaGen on a real engine: N llama agents (llama.cpp in each agent process, a random-weight GGUF,
 * threads 1) behind the whole fleet — every service its own process, as `adagen up` runs them —
 * a workload near their capacity, run once per policy. Prints, per run, SLO attainment and the
 * tail beside each other, and for AdaGen the estimator's TTFT prediction error (predicted at
 * placement vs measured, from the completion records): without calibration (the A100 profile
 * as announced) and with online calibration (after a warm-up of the same traffic). Every policy
 * gets the same SLO targets (sent as `x-slo-ttft-ms` / `x-slo-tpot-ms`), the same admission
 * (off: everything is placed) and the same agents.
 *
 *   pnpm --filter @adagen/testkit bench:llama
 *   pnpm --filter @adagen/testkit bench:llama -- --requests 200 --rate 6 --agents 2
 *   pnpm --filter @adagen/testkit bench:llama -- --engine-nice -10   # engines before the control plane
 *
 * Needs the services built (`npx tsc -b`).
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import { completionRecordSchema, createCodec, wildcards } from '@adagen/protocol';
import type { CompletionRecord } from '@adagen/protocol';
import { connect } from '@nats-io/transport-node';
import { startProcessFleet } from '../src/fleet/process-fleet.js';
import { startNatsServer } from '../src/natsServer.js';
import { numberFlag } from './common.js';
import { flag, idleEngineFloor, quantile, workload } from './llama-workload.js';
import type { Ask } from './llama-workload.js';

const REQUESTS = Number(flag('requests', '200'));
const RATE = Number(flag('rate', '6'));
const AGENTS = Number(flag('agents', '2'));
const WARMUP = Number(flag('warmup', '60'));
const SEED = Number(flag('seed', '1'));
/** Where to write each run's completion records (JSONL, one file per run), if given. */
const RECORDS = flag('records', '');
/**
 * Nice value for the agents' processes (every thread), e.g. -10: on this shared box the
 * engines then are not preempted by the control plane's processes, as an engine on its own GPU
 * is not. 0 (default): left as started.
 */
const ENGINE_NICE = numberFlag('engine-nice', 0, { min: -20, max: 19, integer: true });
const POLICIES = flag('policies', 'adagen:off,adagen:on,round-robin:off,least-kv:off').split(',');
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
/** TTFT target (ms) and TPOT target (ms) for attainment: fixed, the same for every policy. */
const SLO = {
  ttftMs: Number(flag('slo-ttft-ms', '1500')),
  tpotMs: Number(flag('slo-tpot-ms', '60')),
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const pct = (xs: number[], q: number) =>
  xs.length === 0 ? '—' : `${(100 * quantile(xs, q)).toFixed(1)} %`;

async function run(policy: string, calibrate: 'on' | 'off', model: string) {
  await using nats = await startNatsServer();
  await using fleet = await startProcessFleet({
    natsUrl: nats.url,
    agents: AGENTS,
    policy,
    readyTimeoutMs: 120_000,
    agentEnv: () => ({
      ADAGEN_BACKEND: 'llama',
      ADAGEN_MODEL_FILE: model,
      ADAGEN_LLAMA_MAX_SEQUENCES: '4',
      ADAGEN_LLAMA_CONTEXT_SIZE: '2048',
      ADAGEN_CALIBRATE: calibrate,
    }),
    env: {
      ADAGEN_REQUEST_TIMEOUT_MS: '120000',
      ADAGEN_ADMISSION: 'off',
      ADAGEN_LOG_LEVEL: 'error',
    },
  });
  await fleet.waitForAgents(AGENTS, 120_000);
  const renice = () => {
    if (ENGINE_NICE === 0) return;
    for (const a of fleet.agents) {
      const pid = a.process.pid;
      if (pid === undefined) continue;
      // Every thread: llama.cpp decodes on a libuv worker thread, not the main one.
      for (const tid of readdirSync(`/proc/${pid}/task`)) setPriority(Number(tid), ENGINE_NICE);
    }
  };
  renice();
  const nc = await connect({ servers: nats.url });
  const codec = createCodec(completionRecordSchema);
  const records: CompletionRecord[] = [];
  const sub = nc.subscribe(wildcards.agentCompletion, {
    callback: (_e, m) => {
      const r = codec.decode(m.data);
      if (r.ok) records.push(r.value);
    },
  });
  const send = async (a: Ask) => {
    const res = await fetch(`${fleet.url}/v1/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slo-ttft-ms': String(SLO.ttftMs),
        'x-slo-tpot-ms': String(SLO.tpotMs),
      },
      body: JSON.stringify({
        model: MODEL,
        prompt: a.prompt,
        max_tokens: a.maxTokens,
        ignore_eos: true,
      }),
    });
    await res.text();
    return res.status;
  };
  // Warm-up: the same kind of traffic, not measured (the agents' calibration needs iterations).
  for (const a of workload(WARMUP, RATE, SEED + 1000)) await send(a);
  renice(); // threads the warm-up started
  records.length = 0;
  const loadAtStart = load();
  const t0 = performance.now();
  const statuses = await Promise.all(
    workload(REQUESTS, RATE, SEED).map(async (a) => {
      const wait = a.atMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return send(a);
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  sub.unsubscribe();
  await nc.close();
  if (RECORDS !== '')
    writeFileSync(
      `${RECORDS}.${policy}-${calibrate}.jsonl`,
      records.map((r) => JSON.stringify(r)).join('\n'),
    );
  const ok = records.length;
  const met = records.filter(
    (r) => r.ttftMs <= SLO.ttftMs && (r.outputTokens <= 1 || r.tpotMs <= SLO.tpotMs),
  );
  const errors = records
    .filter((r) => r.predictedTtftMs !== undefined && r.ttftMs > 0)
    .map((r) => Math.abs(r.predictedTtftMs! - r.ttftMs) / r.ttftMs);
  const engineErrors = records
    .filter((r) => r.predictedEngineTtftMs !== undefined && r.queuedAtMs !== undefined)
    .map((r) => {
      const actual = r.firstTokenAtMs - r.queuedAtMs!;
      return Math.abs(r.predictedEngineTtftMs! - actual) / Math.max(1, actual);
    });
  // Gateway → agent: classify, balance, plan and dispatch (the control path before the engine).
  const controlMs = records.flatMap((r) =>
    r.queuedAtMs === undefined ? [] : [r.queuedAtMs - r.arrivalMs],
  );
  const ttfts = records.map((r) => r.ttftMs);
  const floor = idleEngineFloor(records);
  const predicted = records.flatMap((r) =>
    r.predictedTtftMs === undefined ? [] : [r.predictedTtftMs],
  );
  return {
    policy: calibrate === 'on' ? `${policy} (calibrated)` : policy,
    sent: REQUESTS,
    completed: ok,
    failed: statuses.filter((s) => s !== 200).length,
    attainment: `${((100 * met.length) / REQUESTS).toFixed(1)} %`,
    'TTFT p50 ms': Math.round(quantile(ttfts, 0.5)),
    'TTFT p99 ms': Math.round(quantile(ttfts, 0.99)),
    'TTFT max ms': Math.round(Math.max(...ttfts)),
    'req/s': (ok / wallS).toFixed(2),
    'pred. TTFT p50 ms': predicted.length === 0 ? '—' : Math.round(quantile(predicted, 0.5)),
    'TTFT err p50': pct(errors, 0.5),
    'TTFT err p90': pct(errors, 0.9),
    'engine err p50': pct(engineErrors, 0.5),
    'engine err p90': pct(engineErrors, 0.9),
    // The best fit of the idle requests' own engine times: what no profile can beat here.
    'idle floor p50': floor.n < 10 ? '—' : pct([floor.p50], 0.5),
    'gw→agent p50 ms': controlMs.length === 0 ? '—' : quantile(controlMs, 0.5).toFixed(1),
    load: `${loadAtStart} → ${load()}`,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'adagen-bench-llama-'));
const model = join(dir, 'model.gguf');
writeFileSync(model, generateRandomLlama({ seed: 1 }));
process.stdout.write(
  `load average ${load()}; llama agents: ${AGENTS}${ENGINE_NICE === 0 ? '' : ` (nice ${ENGINE_NICE})`}, ${REQUESTS} requests at ${RATE}/s (+${WARMUP} warm-up), SLO TTFT ≤ ${SLO.ttftMs} ms, TPOT ≤ ${SLO.tpotMs} ms, seed ${SEED}\n`,
);
const rows: Record<string, string | number>[] = [];
for (const spec of POLICIES) {
  const [policy = 'adagen', calibrate = 'off'] = spec.split(':');
  if (calibrate !== 'on' && calibrate !== 'off')
    throw new Error(`--policies: "${spec}" must be <policy>:on|off (calibration)`);
  rows.push(await run(policy, calibrate, model));
  process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
}
const cols = Object.keys(rows[0]!);
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
process.stdout.write(
  `${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}\n`,
);
