/**
 * Token-path throughput: streamed tokens per second through one gateway process, beside a bare
 * NATS → SSE relay written for the benchmark, in the same run and from the same token source (a
 * blaster process that plays the decision chain and the agent, so only the gateway's own cost is
 * measured). Many concurrent long streams; the figure is tokens the clients received per second.
 *
 *   pnpm --filter @adagen/testkit bench:tokens
 *   pnpm --filter @adagen/testkit bench:tokens -- --streams 64 --tokens 3000 --chunk 8
 *   … -- --old-gateway /path/to/older/services/gateway/dist/main.js   # an older gateway, per token
 *   … -- --profile-dir /tmp/prof   # a V8 CPU profile of each gateway process (.cpuprofile)
 *
 * Rows: the relay with chunks of --chunk tokens (agents coalesce a request's tokens: a few ms or
 * 32 tokens per message); this gateway with the same chunks; this gateway with one token per
 * message (no coalescing at the agents); and, with --old-gateway, that build with one token per
 * message (what agents sent before coalescing). A round (every stream at once) takes well under
 * a second, so one hiccup of a shared machine moves it: the relay and the gateway with the same
 * chunks run side by side (each with its own NATS server and token source) and take turns round
 * by round (`--rounds`, default 6), and the figure is the median of the rounds' paired ratios.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/ports.js';
import { startNatsServer } from '../src/natsServer.js';
import { flag, numberFlag, quantile } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const STREAMS = numberFlag('streams', 64, { min: 1, max: 10_000, integer: true });
const TOKENS = numberFlag('tokens', 2000, { min: 1, max: 10_000_000, integer: true });
const CHUNK = numberFlag('chunk', 8, { min: 1, max: 4096, integer: true });
const OLD = flag('old-gateway', '');
const ROUNDS = numberFlag('rounds', 6, { min: 1, max: 100, integer: true });
/** Write a V8 CPU profile of each gateway process into this directory (`--cpu-prof`). */
const PROFILE_DIR = flag('profile-dir', '');

function child(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((ok, fail) => {
    c.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) ok(c);
    });
    c.once('exit', (code) => fail(new Error(`${args.join(' ')} exited (${code})`)));
  });
}

async function gatewayProcess(main: string, natsUrl: string, port: number): Promise<ChildProcess> {
  const profile = PROFILE_DIR === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
  const c = spawn(process.execPath, [...profile, main], {
    stdio: ['pipe', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ADAGEN_NATS_SERVERS: natsUrl,
      ADAGEN_GATEWAY_ID: 'gw-0',
      ADAGEN_HTTP_HOST: '127.0.0.1',
      ADAGEN_HTTP_PORT: String(port),
      ADAGEN_LOG_LEVEL: 'warn',
      ADAGEN_MAX_IN_FLIGHT: '100000',
      ADAGEN_REQUEST_TIMEOUT_MS: '600000',
      ADAGEN_EXIT_WITH_PARENT: '1',
    },
  });
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      await r.text();
      if (r.status === 200) return c;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('gateway did not start');
}

/** One stream; resolves with the tokens its text carried. */
function stream(url: string): Promise<number> {
  const body = JSON.stringify({
    model: 'meta-llama/Meta-Llama-3-8B-Instruct',
    prompt: 'go',
    max_tokens: TOKENS,
    ignore_eos: true,
    stream: true,
  });
  return new Promise((ok) => {
    let tokens = 0;
    let rest = '';
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          const text = rest + d;
          const cut = text.lastIndexOf('\n\n');
          rest = cut < 0 ? text : text.slice(cut + 2);
          const done = cut < 0 ? '' : text.slice(0, cut);
          for (let i = done.indexOf(' tok'); i >= 0; i = done.indexOf(' tok', i + 4)) tokens += 1;
        });
        res.on('end', () => ok(tokens));
      },
    );
    req.on('error', () => ok(tokens));
    req.end(body);
  });
}

/** One round: every stream at once; tokens the clients received per second, and how many ended whole. */
async function round(url: string): Promise<{ tokensPerS: number; complete: number }> {
  const t0 = performance.now();
  const got = await Promise.all(Array.from({ length: STREAMS }, () => stream(url)));
  const s = (performance.now() - t0) / 1000;
  const total = got.reduce((a, b) => a + b, 0);
  return { tokensPerS: total / s, complete: got.filter((n) => n === TOKENS).length };
}

/** A server (relay or gateway) with its own NATS server and token source, up until `stop`. */
async function setUp(chunk: number, target: string) {
  const nats = await startNatsServer();
  const blaster = await child([...tsx, join(here, 'token-blaster.ts'), nats.url, String(chunk)]);
  const port = await freePort();
  try {
    const server =
      target === 'relay'
        ? await child([...tsx, join(here, 'token-relay.ts'), nats.url, String(port)])
        : await gatewayProcess(target, nats.url, port);
    return {
      url: `http://127.0.0.1:${port}${target === 'relay' ? '/' : '/v1/completions'}`,
      stop: async () => {
        server.kill('SIGTERM');
        blaster.kill('SIGTERM');
        await nats[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    blaster.kill('SIGTERM');
    await nats[Symbol.asyncDispose]();
    throw error;
  }
}

const median = (xs: number[]) => quantile(xs, 0.5);

const tsx = ['--import', 'tsx'];
const report = (what: string, xs: number[], complete: number) =>
  process.stdout.write(
    `${what}: ${Math.round(median(xs))} tokens/s median, ${Math.round(Math.max(...xs))} best (${complete}/${STREAMS} streams complete in the last round)\n`,
  );

/** Rounds of one server alone (the rows that are not compared round by round). */
async function alone(what: string, chunk: number, target: string): Promise<number[]> {
  const server = await setUp(chunk, target);
  try {
    const xs: number[] = [];
    let complete = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const r = await round(server.url);
      xs.push(r.tokensPerS);
      complete = r.complete;
    }
    report(what, xs, complete);
    return xs;
  } finally {
    await server.stop();
  }
}

const gateway = join(repo, 'services/gateway/dist/main.js');
process.stdout.write(
  `${STREAMS} streams × ${TOKENS} tokens per round, ${ROUNDS} rounds each; the relay and the gateway with the same chunks take turns round by round\n`,
);
// The relay and the gateway, each with its own NATS server and token source, both up; their
// rounds alternate (the order flipping each time), so a drift of the machine falls on both, and
// each gateway round is compared with the relay round beside it.
const relay = await setUp(CHUNK, 'relay');
const ours = await setUp(CHUNK, gateway).catch(async (error: unknown) => {
  await relay.stop();
  throw error;
});
const relayXs: number[] = [];
const oursXs: number[] = [];
const completes = [0, 0];
try {
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const r = await round(k === 0 ? relay.url : ours.url);
      (k === 0 ? relayXs : oursXs).push(r.tokensPerS);
      completes[k] = r.complete;
    }
  }
} finally {
  await relay.stop();
  await ours.stop();
}
report(`bare relay, ${CHUNK} tokens/msg`, relayXs, completes[0]!);
report(`gateway, ${CHUNK} tokens/msg`, oursXs, completes[1]!);
const perToken = await alone('gateway, 1 token/msg', 1, gateway);
const old = OLD === '' ? undefined : await alone('older gateway, 1 token/msg', 1, OLD);
const paired = oursXs.map((x, i) => x / relayXs[i]!);
process.stdout.write(
  `\ngateway / relay (same chunks): ${median(paired).toFixed(2)}× (median of the ${ROUNDS} rounds' ratios: ${paired.map((x) => x.toFixed(2)).join(', ')}); best / best ${(Math.max(...oursXs) / Math.max(...relayXs)).toFixed(2)}×\n`,
);
process.stdout.write(
  `gateway with one token per message / with the agents' coalescing: ${(median(perToken) / median(oursXs)).toFixed(2)}× (medians)\n`,
);
if (old !== undefined)
  process.stdout.write(
    `gateway with agents' coalescing / older gateway per token: ${(median(oursXs) / median(old)).toFixed(2)}× (medians)\n`,
  );
