/**
 * Does a huge prompt delay everyone else? The whole fleet as processes (agents, planner,
 * balancer, classifier with the Llama 3 tokenizer, gateway); small streamed requests at a steady
 * rate, their time to first token (client send → first SSE event) without and then with
 * 81 k-token prompts (text the classifier must count) sent among them, in one run. The big
 * prompts exceed the agents' context, so they are counted and then refused (400): what is
 * measured is the control plane's share, not an engine busy with an 81 k-token prefill. The
 * classifier's own figures tell where a delay comes from: how long small prompts waited for a
 * tokenizer worker (`adagen_tokenizer_seconds{lane="small",phase="wait"}`) in each phase; the
 * slowest small requests beside the big prompts show when they were sent and how much of their
 * time to first token was the control plane's (`x-adagen-dispatch-ms`).
 * `ADAGEN_TOKENIZER_BIG_WORKERS=0` runs the classifier with one lane for every prompt (as before
 * the big-prompt lane), `ADAGEN_TOKENIZER_BIG_NICE=0` the big lane at normal priority.
 *
 *   pnpm --filter @adagen/testkit bench:big-prompt
 *   pnpm --filter @adagen/testkit bench:big-prompt -- --rate 20 --seconds 8 --big 3
 */
import { request as httpRequest } from 'node:http';
import { startServiceProcess } from '../src/fleet/processes.js';
import type { ServiceProcess } from '../src/fleet/processes.js';
import { scrape } from '../src/faults/metrics.js';
import { startNatsServer } from '../src/natsServer.js';
import { flag, loadAverage, quantile, sleep } from './common.js';

const rate = Number(flag('rate', '20'));
const seconds = Number(flag('seconds', '8'));
const bigCount = Number(flag('big', '3'));
const bigTokens = Number(flag('big-tokens', '81000'));
const agents = Number(flag('agents', '4'));
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

interface Sent {
  /** When it was sent (performance.now()). */
  readonly atMs: number;
  /** Send → first SSE event. */
  readonly firstMs: number;
  readonly status: number;
  /** The gateway's receipt → placement accepted (`x-adagen-dispatch-ms`). */
  readonly dispatchMs: number;
}

/** A streamed completion; resolves with send → first SSE event (ms) and the status. */
function completion(url: string, prompt: string, maxTokens: number) {
  const body = JSON.stringify({ model: MODEL, prompt, max_tokens: maxTokens, stream: true });
  return new Promise<Sent>((resolve) => {
    const t0 = performance.now();
    const req = httpRequest(
      `${url}/v1/completions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let firstMs = Number.NaN;
        res.once('data', () => (firstMs = performance.now() - t0));
        res.resume();
        const dispatchMs = Number(res.headers['x-adagen-dispatch-ms'] ?? Number.NaN);
        res.on('end', () =>
          resolve({ atMs: t0, firstMs, status: res.statusCode ?? 0, dispatchMs }),
        );
      },
    );
    req.on('error', () =>
      resolve({ atMs: t0, firstMs: Number.NaN, status: 0, dispatchMs: Number.NaN }),
    );
    req.end(body);
  });
}

/** Small requests at `rate` for `seconds`; `during` runs alongside. The 200s, and the start. */
async function phase(url: string, during: () => Promise<unknown>) {
  const n = Math.round(rate * seconds);
  const started: Array<ReturnType<typeof completion>> = [];
  const side = during();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    started.push(completion(url, `request ${i}: say something short`, 8));
  }
  const all = await Promise.all(started);
  await side;
  return { t0, sent: all.filter((r) => r.status === 200 && Number.isFinite(r.firstMs)) };
}

/** Small prompts' waits for a tokenizer worker so far (the classifier's histogram). */
async function tokenizerWaits(port: number) {
  const small = { lane: 'small', phase: 'wait' };
  const n = await scrape(port, 'adagen_tokenizer_seconds_count', small);
  const sumMs = 1000 * (await scrape(port, 'adagen_tokenizer_seconds_sum', small));
  const over10 =
    n - (await scrape(port, 'adagen_tokenizer_seconds_bucket', { ...small, le: '0.01' }));
  return { n, sumMs, over10 };
}

await using nats = await startNatsServer();
const env = {
  ADAGEN_NATS_SERVERS: nats.url,
  ADAGEN_LOG_LEVEL: 'warn',
  ADAGEN_POLICY: 'adagen',
  ADAGEN_TOKENIZER: 'llama3',
  ADAGEN_ADMISSION: 'off',
};
const procs: ServiceProcess[] = [];
try {
  for (let i = 0; i < agents; i++)
    procs.push(await startServiceProcess('agent', { ...env, ADAGEN_INSTANCE_ID: `agent-${i}` }));
  for (const name of ['planner', 'balancer', 'classifier'] as const)
    procs.push(await startServiceProcess(name, env));
  const gateway = await startServiceProcess('gateway', env);
  procs.push(gateway);
  const url = `http://127.0.0.1:${gateway.httpPort}`;
  await sleep(1500);
  for (let i = 0; i < 20; i++) await completion(url, 'warm up', 4);
  const big = ' hello'.repeat(bigTokens);
  console.log(
    `small requests at ${rate}/s for ${seconds} s, time to first token (ms), ${agents} sim agents; then the same with ${bigCount} prompts of ${big.length} characters (${bigTokens} Llama 3 tokens) among them (load average ${loadAverage()})`,
  );
  const classifier = procs.find((p) => p.name === 'classifier')!.httpPort;
  const w0 = await tokenizerWaits(classifier);
  const quietPhase = await phase(url, () => Promise.resolve());
  const quiet = quietPhase.sent.map((r) => r.firstMs);
  const w1 = await tokenizerWaits(classifier);
  const bigResults: Array<{ status: number; atMs: number; ms: number }> = [];
  const noisyPhase = await phase(url, async () => {
    for (let k = 0; k < bigCount; k++) {
      await sleep((seconds * 1000) / (bigCount + 1));
      const t0 = performance.now();
      const r = await completion(url, big, 8);
      bigResults.push({ status: r.status, atMs: t0, ms: performance.now() - t0 });
    }
  });
  const row = (name: string, xs: number[]) =>
    console.log(
      `${name.padEnd(22)} p50 ${quantile(xs, 0.5).toFixed(1).padStart(7)}  p99 ${quantile(xs, 0.99).toFixed(1).padStart(7)}  max ${Math.max(
        ...xs,
      )
        .toFixed(1)
        .padStart(7)}  n ${xs.length}`,
    );
  const noisy = noisyPhase.sent.map((r) => r.firstMs);
  const w2 = await tokenizerWaits(classifier);
  row('without big prompts', quiet);
  row('with big prompts', noisy);
  console.log(
    `big prompts answered: ${bigResults.map((r) => `${r.status} in ${r.ms.toFixed(0)} ms`).join(', ')}`,
  );
  const waits = (a: typeof w0, b: typeof w0) =>
    `mean ${((b.sumMs - a.sumMs) / Math.max(1, b.n - a.n)).toFixed(2)} ms, ${b.over10 - a.over10} of ${b.n - a.n} over 10 ms`;
  console.log(
    `small prompts' wait for a tokenizer worker: without big prompts ${waits(w0, w1)}; with them ${waits(w1, w2)}`,
  );
  // Where the slowest small requests of the second phase fell, and where their time went.
  const at = (ms: number) => (ms - noisyPhase.t0).toFixed(0);
  const slowest = [...noisyPhase.sent].sort((a, b) => b.firstMs - a.firstMs).slice(0, 5);
  console.log(
    `slowest with big prompts (sent at ms: TTFT, of it dispatch): ${slowest.map((r) => `${at(r.atMs)}: ${r.firstMs.toFixed(0)}, ${r.dispatchMs.toFixed(0)}`).join('; ')}; big prompts in flight ${bigResults.map((r) => `${at(r.atMs)}–${at(r.atMs + r.ms)}`).join(', ')}`,
  );
  console.log(
    `added by the big prompts: p50 ${(quantile(noisy, 0.5) - quantile(quiet, 0.5)).toFixed(1)} ms, p99 ${(quantile(noisy, 0.99) - quantile(quiet, 0.99)).toFixed(1)} ms (load average ${loadAverage()})`,
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
}
