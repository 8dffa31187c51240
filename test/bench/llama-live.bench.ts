/**
 * AdaGen on a real engine: 2 llama agents (llama.cpp in-process, a random-weight GGUF, threads 1)
 * behind the whole fleet, a workload near their capacity, run once per policy in the same
 * process. Prints, per run, the SLO attainment and tail beside each other and — for AdaGen — the
 * estimator's TTFT prediction error (predicted at placement vs measured, from the completion
 * records) without calibration (the A100 profile as announced) and with online calibration
 * (after a warm-up that lets the agents publish their fitted profile).
 *
 *   pnpm --filter @adagen/testkit bench:llama
 *   pnpm --filter @adagen/testkit bench:llama -- --requests 200 --rate 6 --agents 2
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRandomLlama } from '@adagen/gguf';
import { completionRecordSchema, createCodec, wildcards } from '@adagen/protocol';
import type { CompletionRecord } from '@adagen/protocol';
import { connect } from '@nats-io/transport-node';
import { startInProcessFleet } from '../src/fleet/in-process.js';
import { startNatsServer } from '../src/natsServer.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const REQUESTS = Number(flag('requests', '200'));
const RATE = Number(flag('rate', '6'));
const AGENTS = Number(flag('agents', '2'));
const WARMUP = Number(flag('warmup', '60'));
const SEED = Number(flag('seed', '1'));
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
/** TTFT target (ms) and TPOT target (ms) for attainment: fixed, the same for every policy. */
const SLO = {
  ttftMs: Number(flag('slo-ttft-ms', '1500')),
  tpotMs: Number(flag('slo-tpot-ms', '60')),
};

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ask {
  readonly atMs: number;
  /** Token ids (byte tokens of the generated model): the router counts what the engine runs. */
  readonly prompt: number[];
  readonly maxTokens: number;
}

/** Poisson arrivals; prompts of 16–1000 tokens, outputs of 8–96 tokens (ignore_eos). */
function workload(n: number, ratePerS: number, seed: number): Ask[] {
  const r = rng(seed);
  let t = 0;
  return Array.from({ length: n }, () => {
    t += (-Math.log(1 - r()) / ratePerS) * 1000;
    const tokens = 16 + Math.floor(r() ** 2 * 984);
    const prompt = Array.from({ length: tokens }, () => 32 + Math.floor(r() * 90));
    return { atMs: t, prompt, maxTokens: 8 + Math.floor(r() * 88) };
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function run(policy: string, calibrate: 'on' | 'off', model: string) {
  await using nats = await startNatsServer();
  await using fleet = await startInProcessFleet({
    natsUrl: nats.url,
    agents: AGENTS,
    policy,
    agentEnv: () => ({
      ADAGEN_BACKEND: 'llama',
      ADAGEN_MODEL_FILE: model,
      ADAGEN_LLAMA_MAX_SEQUENCES: '4',
      ADAGEN_LLAMA_CONTEXT_SIZE: '2048',
      ADAGEN_CALIBRATE: calibrate,
    }),
    env: { ADAGEN_REQUEST_TIMEOUT_MS: '120000' },
  });
  await fleet.waitForAgents(AGENTS, 60_000);
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
      headers: { 'content-type': 'application/json' },
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
  records.length = 0;
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
  const ttfts = records.map((r) => r.ttftMs);
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
    'predicted TTFT p50 ms':
      errors.length === 0
        ? '—'
        : Math.round(
            quantile(
              records.flatMap((r) => (r.predictedTtftMs === undefined ? [] : [r.predictedTtftMs])),
              0.5,
            ),
          ),
    'TTFT pred. err p50':
      errors.length === 0 ? '—' : `${(100 * quantile(errors, 0.5)).toFixed(1)} %`,
    'TTFT pred. err p90':
      errors.length === 0 ? '—' : `${(100 * quantile(errors, 0.9)).toFixed(1)} %`,
    'engine TTFT err p50':
      engineErrors.length === 0 ? '—' : `${(100 * quantile(engineErrors, 0.5)).toFixed(1)} %`,
    'engine TTFT err p90':
      engineErrors.length === 0 ? '—' : `${(100 * quantile(engineErrors, 0.9)).toFixed(1)} %`,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'adagen-bench-llama-'));
const model = join(dir, 'model.gguf');
writeFileSync(model, generateRandomLlama({ seed: 1 }));
process.stdout.write(
  `llama agents: ${AGENTS}, ${REQUESTS} requests at ${RATE}/s (+${WARMUP} warm-up), SLO TTFT ≤ ${SLO.ttftMs} ms, TPOT ≤ ${SLO.tpotMs} ms, seed ${SEED}\n`,
);
const rows: Record<string, string | number>[] = [];
for (const [policy, calibrate] of [
  ['adagen', 'off'],
  ['adagen', 'on'],
  ['round-robin', 'off'],
  ['least-kv', 'off'],
] as const) {
  rows.push(await run(policy, calibrate, model));
  process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
}
const cols = Object.keys(rows[0]!);
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
process.stdout.write(
  `${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}\n`,
);
