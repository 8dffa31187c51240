/**
 * The control plane at fleet scale: 64 simulated agents (in agent-host processes), a balancer
 * and a planner as processes, requests sent straight to `svc.balance` (the classifier's message)
 * at a steady rate. In one run, the same load with the agents' state sent in full (before) and
 * as deltas with a periodic full state (after):
 * - the balancer's and the planner's decision time per request (p50/p99, as they report it in
 *   the plan result) and the round trip of `svc.balance`;
 * - what the agents' state costs on the wire: messages/s and bytes/s on `agent.*.state`.
 * Then the balancer's decisions/s with 1 and 2 replicas (a closed loop with many requests in
 * flight, delta mode), as a ratio.
 *
 *   pnpm --filter @adagen/testkit bench:scale
 *   pnpm --filter @adagen/testkit bench:scale -- --agents 64 --rate 20 --seconds 20 --time-scale 0.25
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimInstance, builtinProfiles } from '@adagen/engine';
import {
  applyStateDelta,
  classificationToWire,
  createFleetClock,
  diffState,
  stateOf,
} from '@adagen/fleet';
import {
  classificationSchema,
  createCodec,
  instanceStateDeltaSchema,
  instanceStateSchema,
  planResultSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { InferenceRequest, PlanResult } from '@adagen/protocol';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { startServiceProcess } from '../src/fleet/processes.js';
import type { ServiceProcess } from '../src/fleet/processes.js';
import { startNatsServer } from '../src/natsServer.js';
import { flag, loadAverage, quantile, sleep } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));

const agents = Number(flag('agents', '64'));
const hosts = Number(flag('hosts', '2'));
const rate = Number(flag('rate', '20'));
const seconds = Number(flag('seconds', '20'));
const timeScale = Number(flag('time-scale', '0.25'));
const outputTokens = Number(flag('output-tokens', '300'));
const promptTokens = Number(flag('prompt-tokens', '256'));
const policy = flag('policy', 'adagen');
const concurrency = Number(flag('concurrency', '32'));
const replicaSeconds = Number(flag('replica-seconds', '10'));
/** Runs in this order (ABBA by default, so neither mode always runs on the busier machine). */
const modes = flag('modes', 'full,delta,delta,full').split(',');

function startAgentHost(index: number, count: number, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@adagen/source',
      join(here, 'agent-host.ts'),
      String(count),
      `agent-h${index}`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`agent host ${index} exited ${code}`)));
  });
}

async function instancesSeen(p: ServiceProcess): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`)).text();
    const m = /^adagen_instances(?:\{[^}]*\})? (\d+)/m.exec(text);
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

interface Fleet {
  readonly nc: NatsConnection;
  readonly balancers: ServiceProcess[];
  readonly clock: ReturnType<typeof createFleetClock>;
  stop(): Promise<void>;
}

async function startFleet(natsUrl: string, stateMode: string, balancers: number): Promise<Fleet> {
  const originMs = Date.now();
  const env = {
    ADAGEN_NATS_SERVERS: natsUrl,
    ADAGEN_LOG_LEVEL: 'warn',
    ADAGEN_POLICY: policy,
    ADAGEN_TIME_SCALE: String(timeScale),
    ADAGEN_CLOCK_ORIGIN_MS: String(originMs),
    ADAGEN_STATE_MODE: stateMode,
    ADAGEN_ADMISSION: 'off',
    ADAGEN_DRAIN_GRACE_MS: '200',
  };
  const hostProcs: ChildProcess[] = [];
  for (let h = 0; h < hosts; h++) {
    const n = Math.floor(agents / hosts) + (h < agents % hosts ? 1 : 0);
    hostProcs.push(await startAgentHost(h, n, env));
  }
  const procs: ServiceProcess[] = [await startServiceProcess('planner', env)];
  const bal: ServiceProcess[] = [];
  for (let i = 0; i < balancers; i++) bal.push(await startServiceProcess('balancer', env));
  procs.push(...bal);
  for (const p of [...bal, procs[0]!]) {
    const until = Date.now() + 60_000;
    while ((await instancesSeen(p)) < agents) {
      if (Date.now() > until) throw new Error(`${p.name} does not see ${agents} agents`);
      await sleep(200);
    }
  }
  const nc = await connect({ servers: natsUrl, name: 'bench-scale-driver' });
  const clock = createFleetClock({
    timeScale,
    originMs,
    wallNowMs: () => performance.timeOrigin + performance.now(),
  });
  return {
    nc,
    balancers: bal,
    clock,
    async stop() {
      await nc.close();
      for (const h of hostProcs) h.stdin?.end();
      await Promise.all(
        hostProcs.map(
          (h) => new Promise((r) => (h.exitCode === null ? h.once('exit', r) : r(undefined))),
        ),
      );
      for (const p of procs.reverse()) await p.stop();
    },
  };
}

const classificationCodec = createCodec(classificationSchema);
const resultCodec = createCodec(planResultSchema);
let serial = 0;

/** One request down `svc.balance`; the plan result and the round trip (wall ms). */
async function balanceOnce(
  f: Fleet,
): Promise<{ result: PlanResult; roundTripMs: number } | undefined> {
  const now = f.clock.nowMs();
  const requestId = `bench-${process.pid}-${serial++}`;
  const request: InferenceRequest = {
    v: 1,
    type: 'inference_request',
    requestId,
    gatewayId: 'bench-gw',
    attempt: 0,
    receivedAtMs: now,
    deadlineAtMs: now + 600_000,
    model: 'meta-llama/Meta-Llama-3-8B-Instruct',
    endpoint: 'completions',
    promptTokens,
    maxTokens: outputTokens,
    stream: true,
    targetOutputTokens: outputTokens,
  };
  const c = classificationToWire(
    {
      request: { id: requestId, arrivalMs: now, promptTokens, maxTokens: outputTokens },
      predictedOutputTokens: outputTokens,
      prefill: 'short',
      decode: 'long',
      thresholds: { prefillTokens: 1024, outputTokens: 256 },
    },
    request,
  );
  const t0 = performance.now();
  try {
    const reply = await f.nc.request(subjects.balance, classificationCodec.encode(c), {
      timeout: 30_000,
    });
    const r = resultCodec.decode(reply.data);
    if (!r.ok) return undefined;
    return { result: r.value, roundTripMs: performance.now() - t0 };
  } catch {
    return undefined;
  }
}

/** The state traffic on the wire while `during` runs. */
async function stateTraffic<T>(
  nc: NatsConnection,
  during: () => Promise<T>,
): Promise<{ value: T; msgs: number; bytes: number; full: number; wallS: number }> {
  const sub = nc.subscribe(wildcards.agentState);
  let msgs = 0;
  let bytes = 0;
  let full = 0;
  const counting = (async () => {
    for await (const m of sub) {
      msgs += 1;
      bytes += m.data.byteLength;
      // `type` is the second key of both messages: no need to decode the rest.
      const head = Buffer.from(m.data.buffer, m.data.byteOffset, Math.min(48, m.data.byteLength));
      if (!head.includes('instance_state_delta')) full += 1;
    }
  })();
  const t0 = performance.now();
  const value = await during();
  const wallS = (performance.now() - t0) / 1000;
  sub.unsubscribe();
  await counting;
  return { value, msgs, bytes, full, wallS };
}

async function steadyLoad(f: Fleet) {
  const n = Math.round(rate * seconds);
  const started: Array<ReturnType<typeof balanceOnce>> = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    started.push(balanceOnce(f));
  }
  return (await Promise.all(started)).filter((x) => x !== undefined);
}

async function closedLoop(f: Fleet, forMs: number): Promise<number> {
  const until = performance.now() + forMs;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) if ((await balanceOnce(f)) !== undefined) done += 1;
    }),
  );
  return done / (forMs / 1000);
}

const cell = (x: number, w = 9) => x.toFixed(2).padStart(w);

/**
 * What one subscriber pays per state message of a busy instance (256 requests decoding): the
 * full state decoded and validated, against the delta one iteration later decoded, validated
 * and applied on top of the previous state. Bytes and µs per message, in this process.
 */
function perMessage(): void {
  const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
  const inst = new SimInstance({ id: 'busy', profile, config: { maxNumSeqs: 256 } });
  for (let i = 0; i < 256; i++)
    inst.enqueue(
      {
        kind: 'full',
        id: `0123456789abcdef0123456789ab${String(i).padStart(4, '0')}`,
        promptTokens: 20,
        outputTokens: 2000,
      },
      0,
    );
  let now = 0;
  const step = () => {
    now = inst.startIteration(now)!;
    inst.finishIteration();
  };
  for (let k = 0; k < 40; k++) step();
  const a = stateOf(inst.snapshot(), { seq: 1, status: 'ready', engine: 'sim' });
  step();
  const b = stateOf(inst.snapshot(), { seq: 2, status: 'ready', engine: 'sim' });
  const fullCodec = createCodec(instanceStateSchema);
  const deltaCodec = createCodec(instanceStateDeltaSchema);
  const fullBytes = fullCodec.encode(b);
  const delta = diffState(a, b);
  if (delta === undefined) throw new Error('no delta between two iterations');
  const deltaBytes = deltaCodec.encode(delta);
  const time = (f: () => void) => {
    for (let i = 0; i < 50; i++) f();
    const n = 400;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return ((performance.now() - t0) / n) * 1000;
  };
  const fullUs = time(() => {
    if (!fullCodec.decode(fullBytes).ok) throw new Error('full state does not decode');
  });
  const deltaUs = time(() => {
    const d = deltaCodec.decode(deltaBytes);
    if (!d.ok || !applyStateDelta(a, d.value).ok) throw new Error('delta does not apply');
  });
  const sendUs = time(() => {
    deltaCodec.encode(diffState(a, b)!);
  });
  console.log(
    `one state message of an instance with ${b.running.length} requests decoding: full ${fullBytes.byteLength} B, decode+validate ${fullUs.toFixed(0)} µs; delta ${deltaBytes.byteLength} B, decode+validate+apply ${deltaUs.toFixed(0)} µs (${(fullBytes.byteLength / deltaBytes.byteLength).toFixed(1)}x fewer bytes, ${(fullUs / deltaUs).toFixed(1)}x less receiver CPU); the agent's diff+check+encode ${sendUs.toFixed(0)} µs (load average ${loadAverage()})`,
  );
}
perMessage();

await using nats = await startNatsServer();
console.log(
  `fleet at scale: ${agents} sim agents in ${hosts} processes, time scale ${timeScale}, policy ${policy}; ${rate} req/s for ${seconds} s straight to svc.balance (prompt ${promptTokens}, output ${outputTokens} tokens)`,
);
console.log(`load average before: ${loadAverage()}`);
console.log(
  'state   balance p50   balance p99   plan p50   plan p99   round-trip p50   p99     n   state msg/s   state KB/s   full share',
);
interface Samples {
  bal: number[];
  pl: number[];
  rt: number[];
  msgs: number;
  bytes: number;
  full: number;
  wallS: number;
}
const rows: Record<string, Samples> = {};
const row = (mode: string, x: Samples) =>
  console.log(
    `${mode.padEnd(6)} ${cell(quantile(x.bal, 0.5), 12)} ${cell(quantile(x.bal, 0.99), 13)} ${cell(quantile(x.pl, 0.5), 10)} ${cell(quantile(x.pl, 0.99), 10)} ${cell(quantile(x.rt, 0.5), 16)} ${cell(quantile(x.rt, 0.99), 7)} ${String(x.bal.length).padStart(5)} ${cell(x.msgs / x.wallS, 13)} ${cell(x.bytes / x.wallS / 1024, 12)} ${cell(x.full / Math.max(1, x.msgs), 12)}`,
  );
for (const mode of modes) {
  const f = await startFleet(nats.url, mode, 1);
  try {
    for (let i = 0; i < 20; i++) await balanceOnce(f); // warm-up (JIT, policy build)
    const t = await stateTraffic(f.nc, () => steadyLoad(f));
    const x: Samples = {
      bal: t.value.map((r) => r.result.decisionMs?.balance ?? Number.NaN),
      pl: t.value.map((r) => r.result.decisionMs?.plan ?? Number.NaN),
      rt: t.value.map((r) => r.roundTripMs),
      msgs: t.msgs,
      bytes: t.bytes,
      full: t.full,
      wallS: t.wallS,
    };
    row(mode, x);
    const all = (rows[mode] ??= { bal: [], pl: [], rt: [], msgs: 0, bytes: 0, full: 0, wallS: 0 });
    all.bal.push(...x.bal);
    all.pl.push(...x.pl);
    all.rt.push(...x.rt);
    all.msgs += x.msgs;
    all.bytes += x.bytes;
    all.full += x.full;
    all.wallS += x.wallS;
  } finally {
    await f.stop();
  }
}
console.log('all runs of each mode together:');
for (const [mode, x] of Object.entries(rows)) row(mode, x);
const full = rows.full;
const delta = rows.delta;
if (full !== undefined && delta !== undefined) {
  const perS = (x: Samples) => x.bytes / x.wallS;
  console.log(
    `delta vs full: state bytes/s ${(perS(delta) / perS(full)).toFixed(2)}x (${(perS(full) / perS(delta)).toFixed(1)}x less), balance decision p50 ${(quantile(delta.bal, 0.5) / quantile(full.bal, 0.5)).toFixed(2)}x, p99 ${(quantile(delta.bal, 0.99) / quantile(full.bal, 0.99)).toFixed(2)}x`,
  );
}
console.log(`load average after the state runs: ${loadAverage()}`);

if (replicaSeconds > 0) {
  const perS: number[] = [];
  for (const replicas of [1, 2]) {
    const f = await startFleet(nats.url, 'delta', replicas);
    try {
      for (let i = 0; i < 20; i++) await balanceOnce(f);
      perS.push(await closedLoop(f, replicaSeconds * 1000));
      console.log(
        `${replicas} balancer replica(s): ${perS.at(-1)!.toFixed(1)} decisions/s (${concurrency} in flight, ${replicaSeconds} s; load average ${loadAverage()})`,
      );
    } finally {
      await f.stop();
    }
  }
  console.log(`2 replicas vs 1: ${(perS[1]! / perS[0]!).toFixed(2)}x decisions/s`);
}
