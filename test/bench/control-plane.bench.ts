/**
 * Control-plane overhead: time from the gateway's receipt of a request to the agent's start of
 * it (the agent hands it to its engine), p50/p99, at increasing request rates, beside a bare
 * NATS request/reply chain with the same hops (gateway → classifier → balancer → planner →
 * agent, each its own process) and the same payload sizes, measured in the same run. The ratio
 * is the figure of merit (absolute times drift on shared machines). The bare chain runs twice:
 * with the NATS client's `request` at each hop, and with the runtime's `inboxRequest` the
 * fleet's services use (cheaper in an idle process), so the ratio against each is printed — the
 * second is the fleet's own work over the same way of messaging. A third chain, "checked", is
 * the second plus the protocol's decode and encode of the fleet's real messages at every hop
 * (what validating every boundary costs with no other work); its ratio to the inbox chain
 * ("codec") is that cost's share. The four paths take turns in short blocks at each rate
 * (`--blocks`, default 10; 1 = one whole pass each, as before), so the machine's drift over a
 * run falls on all of them alike. A table of CPU time per request follows
 * (each service, each bare chain's hops, the machine; from /proc before and after each block).
 *
 *   pnpm --filter @adagen/testkit bench            # policy adagen, rates 10 25 50 100
 *   pnpm --filter @adagen/testkit bench -- --policy round-robin --rates 10,50 --seconds 5
 *   pnpm --filter @adagen/testkit bench -- --warmup 300   # warm-up requests per path (30)
 *   pnpm --filter @adagen/testkit bench -- --blocks 1     # fleet, bare, inbox, checked in turn
 *
 * A second table splits the fleet's time by step (see `tapChain`), with the balancer's policy
 * decision (part of its step, from its decision records), beside one bare hop (the bare chain's
 * p50 over its four hops). The taps are a second pass at each rate, after the ratio table: a tap
 * is one more subscriber of each chain message (NATS delivers it twice, and this process wakes
 * for it on the same two cores), which the bare chain does not have, so the ratios are measured
 * untapped. `--steps off` skips the second pass. With ADAGEN_CPU_PROF_DIR=<dir> every service
 * process writes a V8 CPU profile there (test/src/fleet/processes.ts).
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
import { flag, numberFlag, quantile, sleep } from './common.js';
import { chainSamples, messageSizes } from './sizes.js';
import { machineCpuS, processCpuS } from './cpu-usage.js';
import { SUBJECT_PREFIX, createCodec, subjects, wildcards } from '@adagen/protocol';
import { unpack } from 'msgpackr';
import { inboxRequest } from '@adagen/runtime';

const here = dirname(fileURLToPath(import.meta.url));
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const PROMPT_TOKENS = 128;
const OUTPUT_TOKENS = 4;

const policy = flag('policy', 'adagen');
const rates = flag('rates', '10,25,50,100')
  .split(',')
  .map((x) => {
    const rate = Number(x);
    if (!(rate > 0 && rate <= 10_000))
      throw new RangeError(`--rates must be numbers from 0 (excluded) to 10000, got '${x}'`);
    return rate;
  });
const seconds = numberFlag('seconds', 10, { min: 0.1, max: 86_400 });
const agents = numberFlag('agents', 4, { min: 1, max: 64, integer: true });
const warmup = numberFlag('warmup', 30, { min: 0, max: 1_000_000, integer: true });
const blocks = numberFlag('blocks', 10, { min: 1, max: 10_000, integer: true });
const steps = flag('steps', 'on');
if (steps !== 'on' && steps !== 'off')
  throw new RangeError(`--steps must be on or off, got '${steps}'`);

const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Where a request's time goes, from one clock: this process taps the chain's subjects (plain
 * subscriptions beside the services' queue groups) and stamps each message of a request as it
 * arrives. A step's time is the gap between the message a service got and the one it sent on, so
 * the NATS delivery both copies share cancels out; the gateway's step starts at this process's
 * HTTP send, the agent's ends at its ack's arrival (so it includes the ack's hop).
 */
const STEPS = ['gateway', 'classifier', 'balancer', 'planner', 'agent+ack'] as const;
const tapped = new Map<string, number[]>();
const sentAt = new Map<string, number>();
/** The last size seen of each tapped message (bytes), to print beside the bare chain's. */
const tappedBytes: number[] = [];
/** The balance step's own decision time, from the balancers' decision records. */
const decideMs = new Map<string, number>();

/** Taps the chain until the returned function is called. */
function tapChain(nc: NatsConnection): () => void {
  const tap = (subject: string, slot: number, idOf: (m: Record<string, unknown>) => unknown) =>
    nc.subscribe(subject, {
      callback: (_e, msg) => {
        const at = performance.now();
        let id: unknown;
        try {
          id = idOf(unpack(msg.data) as Record<string, unknown>);
        } catch {
          return; // not one of ours (e.g. an empty reply)
        }
        if (typeof id !== 'string') return;
        tappedBytes[slot] = msg.data.byteLength;
        const times = tapped.get(id) ?? [];
        times[slot] ??= at;
        tapped.set(id, times);
      },
    });
  const req = (m: Record<string, unknown>) => (m.request as Record<string, unknown>).requestId;
  const subs = [
    tap(subjects.classify, 0, (m) => m.requestId),
    tap(subjects.balance, 1, req),
    tap(subjects.plan, 2, (m) => req(m.classification as Record<string, unknown>)),
    tap(wildcards.agentVerb('dispatch'), 3, (m) => m.requestId),
    tap('_INBOX.>', 4, (m) => (m.type === 'dispatch_ack' ? m.requestId : undefined)),
  ];
  const decisions = nc.subscribe(`${SUBJECT_PREFIX}.decisions.*`, {
    callback: (_e, msg) => {
      try {
        const d = unpack(msg.data) as { requestId?: unknown; decideMs?: unknown };
        if (typeof d.requestId === 'string' && typeof d.decideMs === 'number')
          decideMs.set(d.requestId, d.decideMs);
      } catch {
        // not a decision record
      }
    },
  });
  return () => {
    for (const sub of [...subs, decisions]) sub.unsubscribe();
  };
}

/**
 * Per step, the p50 over the requests seen whole since the last call (ms), and last the p50 of
 * the balancer's policy decision (part of its step).
 */
function stepMedians(): number[] {
  const steps: number[][] = [...STEPS, 'policy'].map(() => []);
  for (const [id, t] of tapped) {
    const sent = sentAt.get(id);
    if (sent === undefined || t.length < 5 || t.some((x) => x === undefined)) continue;
    const all = [sent, ...t];
    for (let i = 0; i < STEPS.length; i++) steps[i]!.push(all[i + 1]! - all[i]!);
    const d = decideMs.get(id);
    if (d !== undefined) steps[STEPS.length]!.push(d);
  }
  tapped.clear();
  sentAt.clear();
  decideMs.clear();
  return steps.map((xs) => quantile(xs, 0.5));
}

/** One streamed completion; resolves with the gateway's receipt→agent-start time. */
function fleetRequest(url: string): Promise<number | undefined> {
  const body = JSON.stringify({
    model: MODEL,
    prompt: new Array<number>(PROMPT_TOKENS).fill(264),
    adagen_output_tokens: OUTPUT_TOKENS,
    stream: true,
  });
  const sent = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      `${url}/v1/completions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const header = res.headers['x-adagen-dispatch-ms'];
        const id = res.headers['x-request-id'];
        if (typeof id === 'string') sentAt.set(id, sent);
        res.resume();
        res.on('end', () => resolve(typeof header === 'string' ? Number(header) : undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

/**
 * The bare chains (bare-hop.ts): `hop` makes its requests with the NATS client's `request`,
 * `ihop` with the runtime's `inboxRequest`, as the fleet's services do; `chop` is `ihop` with the
 * protocol's decode and encode of the real messages at every hop (the driver encodes the request
 * after its clock starts, as the gateway does after its receipt).
 */
type BareChain = 'hop' | 'ihop' | 'chop';

/** The request the checked chain's first hop gets, encoded by the driver as the gateway does. */
const requestSample = chainSamples(PROMPT_TOKENS, OUTPUT_TOKENS)[0];
const requestCodec = createCodec<unknown>(requestSample.schema);

/** One request down a bare chain; resolves with send → last-hop receipt (ms). */
async function bareRequest(
  nc: NatsConnection,
  bytes: number,
  chain: BareChain,
): Promise<number | undefined> {
  const sentAt = wallNow();
  try {
    const reply = await (chain === 'hop'
      ? nc.request('bench.hop.0', new Uint8Array(bytes), { timeout: 10_000 })
      : chain === 'ihop'
        ? inboxRequest(nc, 'bench.ihop.0', new Uint8Array(bytes), 10_000)
        : inboxRequest(nc, 'bench.chop.0', requestCodec.encode(requestSample.value), 10_000));
    const d = reply.data;
    const at = new DataView(d.buffer, d.byteOffset, 8).getFloat64(0, true);
    return at - sentAt;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms per request) each group of processes used while `run` sent `n` requests, and the
 * whole machine's (which also holds nats-server and this driver). Read from /proc before and
 * after, so sampling adds nothing while it runs.
 */
async function cpuPerRequest<T>(
  groups: ReadonlyArray<readonly [string, ReadonlyArray<number | undefined>]>,
  run: () => Promise<T[]>,
): Promise<{ result: T[]; ms: Map<string, number> }> {
  const read = () => [
    ...groups.map(([, pids]) => pids.reduce<number>((a, pid) => a + processCpuS(pid), 0)),
    machineCpuS().busyS,
  ];
  const before = read();
  const result = await run();
  const after = read();
  const n = Math.max(1, result.length);
  const ms = new Map<string, number>();
  [...groups.map(([name]) => name), 'machine'].forEach((name, i) =>
    ms.set(name, ((after[i]! - before[i]!) * 1000) / n),
  );
  return { result, ms };
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
      String(PROMPT_TOKENS),
      String(OUTPUT_TOKENS),
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
let untap = tapChain(nc); // in the warm-up, for the message sizes
try {
  await sleep(1500); // agents' first snapshots reach the balancer and planner
  // Warm-up (JIT, tokenizer, policy build), as many requests down each path.
  for (let i = 0; i < warmup; i++) await fleetRequest(url);
  for (let i = 0; i < warmup; i++) await bareRequest(nc, sizes.request, 'hop');
  for (let i = 0; i < warmup; i++) await bareRequest(nc, sizes.request, 'ihop');
  for (let i = 0; i < warmup; i++) await bareRequest(nc, sizes.request, 'chop');
  untap();
  stepMedians();
  const bareHop = new Map<number, number>();
  const pidsOf = (name: string) => procs.filter((p) => p.name === name).map((p) => p.process.pid);
  const fleetGroups = (['gateway', 'classifier', 'balancer', 'planner', 'agent'] as const).map(
    (name) => [name === 'agent' ? 'agents' : name, pidsOf(name)] as const,
  );
  const bareGroups = [['hops', hops.map((h) => h.pid)]] as const;
  const cpuRows: Array<[number, ...Array<Map<string, number>>]> = [];
  console.log(
    `control-plane overhead: gateway receipt → agent start (ms), ${agents} sim agents, policy ${policy}, ${seconds} s per rate`,
  );
  console.log(
    `bare chain's payloads (bytes): request ${sizes.request}, classification ${sizes.classification}, placement ${sizes.placement}, dispatch ${sizes.dispatch}; replies ${sizes.planResult} / ${sizes.ack}`,
  );
  const [req, cls, plc, dsp, ack] = tappedBytes;
  console.log(
    `the fleet's, as tapped in the warm-up: request ${req}, classification ${cls}, placement ${plc}, dispatch ${dsp}; ack ${ack}`,
  );
  console.log(
    "bare: the NATS client's request at each hop; bare (inbox): the runtime's inboxRequest, as the fleet's services; checked: bare (inbox) with the protocol's decode and encode of the real messages at each hop (codec = checked p50 / bare (inbox) p50)",
  );
  console.log(
    'rate/s   fleet p50   fleet p99   bare p50   bare p99   ratio p50   ratio p99 | bare (inbox) p50   p99   ratio p50   ratio p99 | checked p50   p99   ratio p50   ratio p99   codec      n',
  );
  const cell = (x: number, width = 10) => x.toFixed(2).padStart(width);
  const ratio = (x: number) => `${x.toFixed(1).padStart(9)}x`;
  for (const rate of rates) {
    const n = Math.max(20, Math.round(rate * seconds));
    // The three paths take turns in `blocks` blocks (the order rotating), so a drift of the
    // machine's speed over the rate's run falls on all three alike.
    const paths = [
      { groups: fleetGroups, one: () => fleetRequest(url) },
      { groups: bareGroups, one: () => bareRequest(nc, sizes.request, 'hop') },
      { groups: bareGroups, one: () => bareRequest(nc, sizes.request, 'ihop') },
      { groups: bareGroups, one: () => bareRequest(nc, sizes.request, 'chop') },
    ];
    const times: number[][] = paths.map(() => []);
    const cpu = paths.map(() => new Map<string, number>());
    for (let b = 0; b < blocks; b++) {
      const size = Math.floor(((b + 1) * n) / blocks) - Math.floor((b * n) / blocks);
      for (let k = 0; k < paths.length; k++) {
        const i = (b + k) % paths.length;
        const { result, ms } = await cpuPerRequest(paths[i]!.groups, () =>
          atRate(rate, size, paths[i]!.one),
        );
        times[i]!.push(...result);
        // CPU per request over the blocks: weighted by the block's requests.
        for (const [g, x] of ms) cpu[i]!.set(g, (cpu[i]!.get(g) ?? 0) + (x * size) / n);
        await sleep(blocks > 1 ? 100 : 500);
      }
    }
    const [fleet, bare, inbox, checked] = times.map((xs) => xs.sort((x, y) => x - y)) as [
      number[],
      number[],
      number[],
      number[],
    ];
    const [f50, f99, b50, b99, i50, i99, c50, c99] = [fleet, bare, inbox, checked].flatMap((xs) => [
      quantile(xs, 0.5),
      quantile(xs, 0.99),
    ]) as [number, number, number, number, number, number, number, number];
    console.log(
      `${String(rate).padStart(6)}  ${cell(f50)}  ${cell(f99)} ${cell(b50)} ${cell(b99)}  ${ratio(f50 / b50)}  ${ratio(f99 / b99)} | ${cell(i50, 16)} ${cell(i99, 5)}  ${ratio(f50 / i50)}  ${ratio(f99 / i99)} | ${cell(c50, 11)} ${cell(c99, 5)}  ${ratio(f50 / c50)}  ${ratio(f99 / c99)} ${ratio(c50 / i50).slice(2)}  ${String(fleet.length).padStart(5)}`,
    );
    bareHop.set(rate, b50 / 4);
    cpuRows.push([rate, ...cpu]);
  }
  console.log(
    '\nCPU per request (ms of CPU time, from /proc; machine = every process, nats-server and this driver too):',
  );
  console.log(
    `rate/s  ${[...fleetGroups.map(([g]) => g), 'machine'].map((x) => x.padStart(10)).join(' ')} | ${['bare', 'bare (inbox)', 'checked'].map((x) => `${x}: hops   machine`.padStart(26)).join(' | ')}`,
  );
  const two = (x: number | undefined, width: number) => (x ?? NaN).toFixed(2).padStart(width);
  for (const [rate, f, ...bares] of cpuRows)
    console.log(
      `${String(rate).padStart(6)}  ${[...f!.values()].map((x) => two(x, 10)).join(' ')} | ${bares.map((b) => `${two(b.get('hops'), 17)} ${two(b.get('machine'), 8)}`).join(' | ')}`,
    );
  if (steps === 'on') {
    console.log(
      "\nwhere the fleet's time goes, p50 per step (ms), stamped on one clock by this process tapping the chain (a second pass):",
    );
    console.log(
      `rate/s  ${[...STEPS, '(policy)'].map((x) => x.padStart(10)).join(' ')}   bare hop`,
    );
    for (const rate of rates) {
      untap = tapChain(nc);
      await atRate(rate, Math.max(20, Math.round(rate * seconds)), () => fleetRequest(url));
      await sleep(500);
      untap();
      const cells = [...stepMedians(), bareHop.get(rate)!].map((x) => x.toFixed(2).padStart(10));
      console.log(`${String(rate).padStart(6)}  ${cells.join(' ')}`);
    }
  }
} finally {
  await nc.close();
  for (const h of hops) h.stdin?.end();
  for (const p of procs.reverse()) await p.stop();
}
