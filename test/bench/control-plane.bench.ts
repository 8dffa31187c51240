/**
 * Control-plane overhead: time from the gateway's receipt of a request to the agent's start of
 * it (the agent queued it on its engine), p50/p99, at increasing request rates, beside a bare
 * NATS request/reply chain with the same hops (gateway → classifier → balancer → planner →
 * agent, each its own process) and the same payload sizes, measured in the same run. The ratio
 * is the figure of merit (absolute times drift on shared machines).
 *
 *   pnpm --filter @adagen/testkit bench            # policy adagen, rates 10 25 50 100
 *   pnpm --filter @adagen/testkit bench -- --policy round-robin --rates 10,50 --seconds 5
 *   pnpm --filter @adagen/testkit bench -- --warmup 300   # warm-up requests per path (30)
 *
 * With ADAGEN_CPU_PROF_DIR=<dir> every service process writes a V8 CPU profile there
 * (test/src/fleet/processes.ts).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startServiceProcess } from '../src/fleet/processes.js';
import type { ServiceProcess } from '../src/fleet/processes.js';
import { startNatsServer } from '../src/natsServer.js';
import { messageSizes } from './sizes.js';

const here = dirname(fileURLToPath(import.meta.url));
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const PROMPT_TOKENS = 128;
const OUTPUT_TOKENS = 4;

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const policy = flag('policy', 'adagen');
const rates = flag('rates', '10,25,50,100').split(',').map(Number);
const seconds = Number(flag('seconds', '10'));
const agents = Number(flag('agents', '4'));
const warmup = Number(flag('warmup', '30'));

const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** One streamed completion; resolves with the gateway's receipt→agent-start time. */
function fleetRequest(url: string): Promise<number | undefined> {
  const body = JSON.stringify({
    model: MODEL,
    prompt: new Array<number>(PROMPT_TOKENS).fill(264),
    adagen_output_tokens: OUTPUT_TOKENS,
    stream: true,
  });
  return new Promise((resolve) => {
    const req = httpRequest(
      `${url}/v1/completions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const header = res.headers['x-adagen-dispatch-ms'];
        res.resume();
        res.on('end', () => resolve(typeof header === 'string' ? Number(header) : undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/** One request down the bare chain; resolves with send → last-hop receipt (ms). */
async function bareRequest(nc: NatsConnection, bytes: number): Promise<number | undefined> {
  const sentAt = wallNow();
  try {
    const reply = await nc.request('bench.hop.0', new Uint8Array(bytes), { timeout: 10_000 });
    const d = reply.data;
    const at = new DataView(d.buffer, d.byteOffset, 8).getFloat64(0, true);
    return at - sentAt;
  } catch {
    return undefined;
  }
}

async function atRate(
  rate: number,
  n: number,
  one: () => Promise<number | undefined>,
): Promise<number[]> {
  const started: Array<Promise<number | undefined>> = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    started.push(one());
  }
  const all = await Promise.all(started);
  return all
    .filter((x): x is number => x !== undefined && Number.isFinite(x))
    .sort((a, b) => a - b);
}

function startHop(
  natsUrl: string,
  index: number,
  forward: number,
  reply: number,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'bare-hop.ts'),
      natsUrl,
      String(index),
      '4',
      String(forward),
      String(reply),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`hop ${index} exited ${code}`)));
  });
}

await using nats = await startNatsServer();
const env = {
  ADAGEN_NATS_SERVERS: nats.url,
  ADAGEN_LOG_LEVEL: 'warn',
  ADAGEN_POLICY: policy,
  ADAGEN_TOKENIZER: 'llama3',
};
const procs: ServiceProcess[] = [];
for (let i = 0; i < agents; i++)
  procs.push(await startServiceProcess('agent', { ...env, ADAGEN_INSTANCE_ID: `agent-${i}` }));
for (const name of ['planner', 'balancer', 'classifier'] as const)
  procs.push(await startServiceProcess(name, env));
const gateway = await startServiceProcess('gateway', env);
procs.push(gateway);
const url = `http://127.0.0.1:${gateway.httpPort}`;
const sizes = messageSizes(PROMPT_TOKENS, OUTPUT_TOKENS);
const hops: ChildProcess[] = [];
hops.push(await startHop(nats.url, 0, sizes.classification, sizes.planResult));
hops.push(await startHop(nats.url, 1, sizes.placement, sizes.planResult));
hops.push(await startHop(nats.url, 2, sizes.dispatch, sizes.planResult));
hops.push(await startHop(nats.url, 3, 0, sizes.ack));
const nc = await connect({ servers: nats.url, name: 'bench-driver' });
try {
  await sleep(1500); // agents' first snapshots reach the balancer and planner
  // Warm-up (JIT, tokenizer, policy build), as many requests down each path.
  for (let i = 0; i < warmup; i++) await fleetRequest(url);
  for (let i = 0; i < warmup; i++) await bareRequest(nc, sizes.request);
  console.log(
    `control-plane overhead: gateway receipt → agent start (ms), ${agents} sim agents, policy ${policy}, ${seconds} s per rate`,
  );
  console.log(
    `payloads (bytes): request ${sizes.request}, classification ${sizes.classification}, placement ${sizes.placement}, dispatch ${sizes.dispatch}; replies ${sizes.planResult} / ${sizes.ack}`,
  );
  console.log(
    'rate/s   fleet p50   fleet p99   bare p50   bare p99   ratio p50   ratio p99      n',
  );
  for (const rate of rates) {
    const n = Math.max(20, Math.round(rate * seconds));
    const fleet = await atRate(rate, n, () => fleetRequest(url));
    await sleep(500);
    const bare = await atRate(rate, n, () => bareRequest(nc, sizes.request));
    await sleep(500);
    const f50 = quantile(fleet, 0.5);
    const f99 = quantile(fleet, 0.99);
    const b50 = quantile(bare, 0.5);
    const b99 = quantile(bare, 0.99);
    const cell = (x: number) => x.toFixed(2).padStart(10);
    console.log(
      `${String(rate).padStart(6)}  ${cell(f50)}  ${cell(f99)} ${cell(b50)} ${cell(b99)}  ${(f50 / b50).toFixed(1).padStart(9)}x  ${(f99 / b99).toFixed(1).padStart(9)}x  ${String(fleet.length).padStart(5)}`,
    );
  }
} finally {
  await nc.close();
  for (const h of hops) h.stdin?.end();
  for (const p of procs.reverse()) await p.stop();
}
