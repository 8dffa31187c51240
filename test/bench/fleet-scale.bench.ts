/**
 * The control plane at fleet scale: 64 simulated agents (in agent-host processes), a balancer
 * and a planner as processes, requests sent straight to `svc.balance` (the classifier's message)
 * at a steady rate. In one run, the same load with the agents' state sent in full (before) and
 * as deltas with a periodic full state (after):
 * - the balancer's and the planner's decision time per request (p50/p99, as they report it in
 *   the plan result) and the round trip of `svc.balance`;
 * - what the agents' state costs on the wire: messages/s and bytes/s on `agent.*.state`.
 * Then the balancer's decisions/s with 1 and 2 replicas in a closed loop, as a ratio: each
 * replica limited to `--balancer-cpu` cores in a cgroup of its own (a pod's CPU limit; needs
 * root and a cpu cgroup controller, else it says so and runs unlimited only), then unlimited
 * (scale-replicas.ts). Each replica run first places `--replica-preload` long requests per
 * agent (8), the fleet's standing load, then loops on requests of `--replica-output-tokens` (4)
 * that finish soon after they are placed, so the fleet is as busy for 1 replica as for 2
 * (`--replica-preload 0 --replica-output-tokens 500`: the earlier loop, where every request
 * stays and the run that decides more ends with a busier fleet).
 *
 *   pnpm --filter @adagen/testkit bench:scale
 *   pnpm --filter @adagen/testkit bench:scale -- --agents 64 --rate 20 --seconds 20 --time-scale 0.25
 *   pnpm --filter @adagen/testkit bench:scale -- --modes none --time-scale 1 --balancer-cpu 0.25 --concurrency 64
 *   pnpm --filter @adagen/testkit bench:scale -- --replica-policies adagen,least-kv
 *
 * `--replica-twin on` puts a busy process under the same CPU limit beside the replica in the
 * limited 1-replica runs, so 1 and 2 replicas run on an equally loaded box (scale-replicas.ts).
 *
 * `--replica-shards on` runs 2 replicas as 2 balancer shards (`ADAGEN_SHARDS=2`): each follows
 * and places on half of the agents, so neither pays for the other's decisions (scale-replicas.ts).
 *
 * `--replica-pin on` pins replica i (every thread of it) to CPU i mod the CPU count, so each
 * replica has a core's caches to itself as a pod on a machine of its own has (scale-replicas.ts).
 *
 * `--replica-policies` (default: `--policy`) runs the replica section once per policy listed, in
 * that order, so AdaGen's scaling and a trivial balance step's are measured in one run.
 */
import { SimInstance, builtinProfiles } from '@adagen/engine';
import { applyStateDelta, diffState, stateOf } from '@adagen/fleet';
import {
  createCodec,
  instanceStateDeltaSchema,
  instanceStateSchema,
  wildcards,
} from '@adagen/protocol';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer } from '../src/natsServer.js';
import { flag, loadAverage, numberFlag, quantile, sleep } from './common.js';
import { cpuCount } from './cpu-usage.js';
import { balanceOnce, startFleet } from './scale-fleet.js';
import type { Fleet, ScaleSetup } from './scale-fleet.js';
import { removeCpuLimits, replicaBench } from './scale-replicas.js';

const setup: ScaleSetup = {
  agents: numberFlag('agents', 64, { min: 1, max: 10_000, integer: true }),
  hosts: numberFlag('hosts', 2, { min: 1, max: 64, integer: true }),
  timeScale: numberFlag('time-scale', 0.25, { min: 1e-6, max: 1e6 }),
  policy: flag('policy', 'adagen'),
  promptTokens: numberFlag('prompt-tokens', 256, { min: 1, max: 10_000_000, integer: true }),
  outputTokens: numberFlag('output-tokens', 300, { min: 1, max: 10_000_000, integer: true }),
};
const rate = numberFlag('rate', 20, { min: 0.001, max: 1e6 });
const seconds = numberFlag('seconds', 20, { min: 0.001, max: 86_400 });
/** Requests in flight in the replicas' closed loop: enough that 2 limited replicas saturate. */
const concurrency = numberFlag('concurrency', 64, { min: 1, max: 100_000, integer: true });
const replicaSeconds = numberFlag('replica-seconds', 10, { min: 0, max: 86_400 });
/** Standing requests per agent before each replica run's loop (see `preloadPerAgent`). */
const replicaPreload = numberFlag('replica-preload', 8, { min: 0, max: 10_000, integer: true });
/** Output tokens of the replica loop's requests: few, so each finishes soon after it is placed. */
const replicaOutputTokens = numberFlag('replica-output-tokens', 4, {
  min: 1,
  max: 10_000_000,
  integer: true,
});
/** Cores per balancer replica in the limited replica runs; 0: unlimited runs only. */
const balancerCpu = numberFlag('balancer-cpu', 0.25, { min: 0, max: cpuCount() });
/** `off`: the replica section runs limited replicas only (when a limit is possible). */
const replicaUnlimited = flag('replica-unlimited', 'on');
/** `on`: a busy twin process beside the replica in limited 1-replica runs (see `twin`). */
const replicaTwin = flag('replica-twin', 'off');
/** `on`: each balancer replica pinned to a CPU of its own (see `pin`). */
const replicaPin = flag('replica-pin', 'off');
/** `on`: 2 replicas run as 2 balancer shards, each following half of the agents. */
const replicaShards = flag('replica-shards', 'off');
if (replicaShards !== 'on' && replicaShards !== 'off')
  throw new RangeError(`--replica-shards must be on or off, got '${replicaShards}'`);
if (replicaPin !== 'on' && replicaPin !== 'off')
  throw new RangeError(`--replica-pin must be on or off, got '${replicaPin}'`);
if (replicaTwin !== 'on' && replicaTwin !== 'off')
  throw new RangeError(`--replica-twin must be on or off, got '${replicaTwin}'`);
if (replicaUnlimited !== 'on' && replicaUnlimited !== 'off')
  throw new RangeError(`--replica-unlimited must be on or off, got '${replicaUnlimited}'`);
/** Balancer replica counts in the order they run (for each limit); the runs of a count pooled. */
const replicaOrder = flag('replica-order', '1,2,2,1')
  .split(',')
  .map((x) => Number(x));
if (
  !replicaOrder.every((n) => n === 1 || n === 2) ||
  !replicaOrder.includes(1) ||
  !replicaOrder.includes(2)
)
  throw new RangeError(
    `--replica-order must list 1 and 2 (each at least once), got '${flag('replica-order', '')}'`,
  );
/** Policies the replica section runs, in this order (each a full replica section). */
const replicaPolicies = flag('replica-policies', setup.policy)
  .split(',')
  .filter((p) => p !== '');
if (replicaPolicies.length === 0)
  throw new RangeError(`--replica-policies must list at least one policy, got ''`);
/** State runs in this order (ABBA by default, so neither mode always runs on the busier machine); `none`: skip. */
const modes = flag('modes', 'full,delta,delta,full')
  .split(',')
  .filter((m) => m !== '' && m !== 'none');
for (const m of modes)
  if (m !== 'full' && m !== 'delta')
    throw new RangeError(`--modes must list full and delta (or be none), got '${m}'`);

// The balancers' cgroups go away however the run ends (the children exit with this process).
process.once('exit', removeCpuLimits);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    removeCpuLimits();
    process.exit(130);
  });

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
    started.push(balanceOnce(setup, f));
  }
  return (await Promise.all(started)).filter((x) => x !== undefined);
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
  `fleet at scale: ${setup.agents} sim agents in ${setup.hosts} processes, time scale ${setup.timeScale}, policy ${setup.policy}; ${rate} req/s for ${seconds} s straight to svc.balance (prompt ${setup.promptTokens}, output ${setup.outputTokens} tokens)`,
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
  const f = await startFleet(setup, nats.url, mode, 1);
  try {
    for (let i = 0; i < 20; i++) await balanceOnce(setup, f); // warm-up (JIT, policy build)
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

if (replicaSeconds > 0)
  for (const policy of replicaPolicies)
    await replicaBench({
      setup: { ...setup, policy, outputTokens: replicaOutputTokens },
      natsUrl: nats.url,
      seconds: replicaSeconds,
      concurrency,
      balancerCpu,
      order: replicaOrder,
      preloadPerAgent: replicaPreload,
      unlimited: replicaUnlimited === 'on',
      twin: replicaTwin === 'on',
      pin: replicaPin === 'on',
      shards: replicaShards === 'on',
    });
