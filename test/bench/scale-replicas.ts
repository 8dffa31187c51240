/**
 * Balancer replicas' decisions/s, 1 against 2, in a closed loop: each replica limited to a share
 * of a CPU in a cgroup of its own (as a pod with a CPU limit is), then unlimited, in one run. For
 * each: decisions/s, the decision time the balancer reports (p50/p99), how the queue group split
 * the requests between the replicas, and where the CPU went (each replica against its limit and
 * how often it was throttled, the planner, the agent hosts, the driver, the whole machine), so a
 * ratio that measures something else than the balancer shows it. Each run first places a standing
 * load (`preloadPerAgent`) and measures, for a few seconds with nothing to decide, what following
 * the fleet's states costs each replica.
 */
import { wildcards } from '@adagen/protocol';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createCpuLimit, findCpuCgroups } from '../src/cpu-limit.js';
import { metricSum } from '../src/faults/metrics.js';
import { pairedRatios } from '../src/paired-runs.js';
import type { CpuCgroupsFound, CpuLimit, CpuThrottling } from '../src/cpu-limit.js';
import { loadAverage, quantile } from './common.js';
import { cpuCount, machineCpuS, preemptions, processCpuS } from './cpu-usage.js';
import { balanceOnce, startFleet } from './scale-fleet.js';
import type { Fleet, ScaleSetup } from './scale-fleet.js';

export interface ReplicaBenchOptions {
  readonly setup: ScaleSetup;
  readonly natsUrl: string;
  /** Wall seconds of closed loop per run. */
  readonly seconds: number;
  /** Requests in flight in the closed loop. */
  readonly concurrency: number;
  /** Cores per balancer replica in the limited runs (0: unlimited runs only). */
  readonly balancerCpu: number;
  /**
   * Replica counts in the order they run, for each limit (1 and 2 each at least once); the
   * runs of a count are pooled. `1,2,2,1` puts neither count always on the busier machine.
   */
  readonly order: readonly number[];
  /**
   * Requests per agent placed before the timed loop, whose output outlives the run: the fleet's
   * standing load, the same for 1 and 2 replicas. With the loop's requests short enough to finish
   * (a departure per arrival), the decisions face the same fleet whatever their rate; with 0 and
   * long loop requests, every decision adds to the fleet for good, so the run that decides more
   * simulates busier instances. @default 0
   */
  readonly preloadPerAgent?: number;
  /** Also run unlimited replicas after the limited ones. @default true */
  readonly unlimited?: boolean;
  /**
   * In limited 1-replica runs, a busy process under the same CPU limit beside the replica (it
   * walks 8 MB and allocates, as a second replica would load the box): the two counts then run
   * on an equally loaded machine, so the ratio shows what a peer costs through the messages and
   * the estimator rather than through two shared cores. @default false
   */
  readonly twin?: boolean;
  /**
   * Pins replica i, all its threads, to CPU i mod the CPU count (`taskset`), in every run. On one
   * box the replicas otherwise float over the shared cores and may run on the same one, taking
   * turns with each other's caches (2 MB of L2 per core here), which separate pods on separate
   * machines do not. The rest of the fleet still floats over every CPU. @default false
   */
  readonly pin?: boolean;
  /**
   * 2 replicas run as 2 balancer shards (`ADAGEN_SHARDS`): each follows and places on half of
   * the agents only, instead of every replica following the whole fleet. @default false
   */
  readonly shards?: boolean;
}

/** Pins every thread of `pid` to `cpu`; throws naming the command's complaint. */
function pinToCpu(pid: number, cpu: number): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], {
    encoding: 'utf8',
  });
  if (r.error !== undefined || r.status !== 0)
    throw new Error(
      `taskset could not pin process ${pid} to CPU ${cpu}: ${r.error?.message ?? r.stderr.trim()}`,
    );
}

/** `--replica-twin`'s process: memory walked and objects made in a loop, until killed. */
const TWIN_SOURCE = `
const a = new Float64Array(1 << 20);
let s = 0;
for (;;) {
  for (let k = 0; k < a.length; k += 8) s += a[(k * 7919) & (a.length - 1)];
  const o = [];
  for (let j = 0; j < 2000; j++) o.push({ j, s });
  a[s & 7] = o.length;
}`;

interface LoopResult {
  readonly done: number;
  readonly failed: number;
  readonly wallS: number;
  readonly decisionMs: number[];
  readonly roundTripMs: number[];
}

async function closedLoop(
  setup: ScaleSetup,
  f: Fleet,
  forMs: number,
  concurrency: number,
): Promise<LoopResult> {
  const t0 = performance.now();
  const until = t0 + forMs;
  let done = 0;
  let failed = 0;
  const decisionMs: number[] = [];
  const roundTripMs: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const r = await balanceOnce(setup, f);
        if (r === undefined) {
          failed += 1;
          continue;
        }
        done += 1;
        decisionMs.push(r.result.decisionMs?.balance ?? Number.NaN);
        roundTripMs.push(r.roundTripMs);
      }
    }),
  );
  return { done, failed, wallS: (performance.now() - t0) / 1000, decisionMs, roundTripMs };
}

/** Balance decisions a replica made with outcome ok, from its /metrics. */
/** A balancer's decisions so far, and its estimator's work (`adagen_estimator_work_total`). */
async function countsOf(httpPort: number): Promise<ReplicaCounts> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const work = (kind: string) => metricSum(text, 'adagen_estimator_work_total', { kind });
  return {
    decisions: metricSum(text, 'adagen_decisions_total', { step: 'balance', outcome: 'ok' }),
    offered: metricSum(text, 'adagen_shard_spills_total', { side: 'offered' }),
    taken: metricSum(text, 'adagen_shard_spills_total', { side: 'offered', outcome: 'taken' }),
    held: metricSum(text, 'adagen_shard_spills_total', { side: 'offered', outcome: 'held' }),
    estimates: work('estimates'),
    rebuilds: work('rebuilds'),
    iterations: work('iterations'),
  };
}

interface ReplicaCounts {
  readonly decisions: number;
  /** Requests a shard predicted hopeless on all its agents (offered, or held back). */
  readonly offered: number;
  /** Of them, taken by the other shard, and held back (not offered: offers mostly declined). */
  readonly taken: number;
  readonly held: number;
  readonly estimates: number;
  readonly rebuilds: number;
  readonly iterations: number;
}

interface RunFigures {
  readonly replicas: number;
  readonly limitCores: number | undefined;
  readonly loop: LoopResult;
  readonly perS: number;
  readonly perReplica: number[];
  /** The replicas' estimator work during the loop, all together. */
  readonly work: Omit<ReplicaCounts, 'decisions' | 'offered' | 'taken' | 'held'>;
  /** Shard spill during the loop, all replicas together (each offer one more decision's work). */
  readonly spill: { readonly hopeless: number; readonly taken: number; readonly held: number };
  readonly balancerCores: number[];
  /** Times the replicas' main threads were switched out while runnable, during the loop, all together. */
  readonly preempted: number;
  readonly throttledShare: number[];
  readonly plannerCores: number;
  readonly agentHostCores: number;
  readonly driverCores: number;
  readonly machineCores: number;
  /** Agents' state messages and peers' placement notices on the wire during the loop. */
  readonly stateMsgs: number;
  readonly notices: number;
  /** Before the loop, no decisions: each replica's CPU (ms/s) and the state messages/s it got. */
  readonly idle: { readonly balancerMsPerS: number[]; readonly statePerS: number };
}

/** How long each run first measures what following the fleet costs a replica, idle. */
const IDLE_MS = 3000;

/** Every limit not removed yet, for `removeCpuLimits` on the way out. */
const live = new Set<CpuLimit>();

/** Removes every CPU limit this module made and has not removed yet (for exit handlers). */
export function removeCpuLimits(): void {
  for (const l of live) {
    try {
      l.remove();
    } catch (error) {
      console.error(`could not remove cgroup ${l.path}: ${(error as Error).message}`);
    }
    live.delete(l);
  }
}

/**
 * Output tokens of a preloaded request: more than a run generates at time scale 1 (~30 tokens/s
 * each), within an 8 k context.
 */
const PRELOAD_OUTPUT_TOKENS = 6000;

/** Places `preloadPerAgent` standing requests per agent (see the option), or fails the run. */
async function preload(o: ReplicaBenchOptions, f: Fleet): Promise<void> {
  const total = (o.preloadPerAgent ?? 0) * o.setup.agents;
  if (total === 0) return;
  const long = { ...o.setup, outputTokens: PRELOAD_OUTPUT_TOKENS };
  let next = 0;
  let placed = 0;
  const why = new Map<string, number>();
  const failed = (w: string) => why.set(w, (why.get(w) ?? 0) + 1);
  await Promise.all(
    Array.from({ length: Math.min(64, total) }, async () => {
      while (next < total) {
        next += 1;
        if ((await balanceOnce(long, f, failed)) !== undefined) placed += 1;
      }
    }),
  );
  if (placed < total)
    throw new Error(
      `preload: ${total - placed} of ${total} requests failed: ${[...why].map(([w, n]) => `${n}× ${w}`).join('; ')}`,
    );
  await new Promise((r) => setTimeout(r, 1000)); // their states reach every replica
}

async function replicaRun(
  o: ReplicaBenchOptions,
  replicas: number,
  cgroups: CpuCgroupsFound,
  limitCores: number | undefined,
): Promise<RunFigures> {
  const f = await startFleet(o.setup, o.natsUrl, 'delta', replicas, o.shards === true);
  const limits: CpuLimit[] = [];
  let twin: ChildProcess | undefined;
  let twinLimit: CpuLimit | undefined;
  try {
    if (limitCores !== undefined) {
      if ('unavailable' in cgroups) throw new Error(cgroups.unavailable);
      if (o.twin === true && replicas === 1) {
        twin = spawn(process.execPath, ['-e', TWIN_SOURCE], { stdio: 'ignore' });
        twinLimit = createCpuLimit(cgroups, `adagen-bench-${process.pid}-twin`, limitCores);
        live.add(twinLimit);
        twinLimit.add(twin.pid!);
      }
      for (const [i, b] of f.balancers.entries()) {
        const l = createCpuLimit(
          cgroups,
          `adagen-bench-${process.pid}-r${replicas}-${i}`,
          limitCores,
        );
        live.add(l);
        limits.push(l);
        l.add(b.process.pid!);
      }
    }
    if (o.pin === true)
      for (const [i, b] of f.balancers.entries()) pinToCpu(b.process.pid!, i % cpuCount());
    for (let i = 0; i < 20; i++) await balanceOnce(o.setup, f); // warm-up (JIT, policy build)
    await preload(o, f);
    const pids = {
      balancers: f.balancers.map((b) => b.process.pid),
      planner: f.planner.process.pid,
      hosts: f.agentHosts.map((h) => h.pid),
    };
    const cpuNow = () => ({
      balancers: pids.balancers.map(processCpuS),
      preempted: pids.balancers.map(preemptions),
      planner: processCpuS(pids.planner),
      hosts: pids.hosts.map(processCpuS).reduce((a, b) => a + b, 0),
      driver: process.cpuUsage(),
      machine: machineCpuS(),
      throttling: limits.map((l) => l.throttling()),
    });
    // What every replica receives whatever its share of the decisions: counted on the wire.
    const wire = { state: 0, notices: 0 };
    const stateSub = f.nc.subscribe(wildcards.agentState, { callback: () => void wire.state++ });
    const noticeSub = f.nc.subscribe(wildcards.placements, {
      callback: () => void wire.notices++,
    });
    await f.nc.flush();
    // Following the fleet with no decisions to make: the agents' states only.
    const i0 = { cpu: pids.balancers.map(processCpuS), state: wire.state, t: performance.now() };
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleS = (performance.now() - i0.t) / 1000;
    const idle = {
      balancerMsPerS: pids.balancers.map((p, i) => (1000 * (processCpuS(p) - i0.cpu[i]!)) / idleS),
      statePerS: (wire.state - i0.state) / idleS,
    };
    wire.state = 0;
    const counts0 = await Promise.all(f.balancers.map((b) => countsOf(b.httpPort)));
    const c0 = cpuNow();
    const loop = await closedLoop(o.setup, f, o.seconds * 1000, o.concurrency);
    const c1 = cpuNow();
    stateSub.unsubscribe();
    noticeSub.unsubscribe();
    const counts1 = await Promise.all(f.balancers.map((b) => countsOf(b.httpPort)));
    const grew = (k: keyof ReplicaCounts) =>
      counts1.reduce((a, c, i) => a + c[k] - counts0[i]![k], 0);
    const s = loop.wallS;
    const driver = process.cpuUsage(c0.driver);
    const share = (a: CpuThrottling | undefined, b: CpuThrottling | undefined) =>
      a === undefined || b === undefined
        ? Number.NaN
        : (b.throttledPeriods - a.throttledPeriods) / Math.max(1, b.periods - a.periods);
    return {
      replicas,
      limitCores,
      loop,
      perS: loop.done / s,
      perReplica: counts1.map((c, i) => c.decisions - counts0[i]!.decisions),
      spill: { hopeless: grew('offered'), taken: grew('taken'), held: grew('held') },
      work: {
        estimates: grew('estimates'),
        rebuilds: grew('rebuilds'),
        iterations: grew('iterations'),
      },
      balancerCores: c1.balancers.map((x, i) => (x - c0.balancers[i]!) / s),
      preempted: c1.preempted.reduce((a, x, i) => a + x - c0.preempted[i]!, 0),
      throttledShare: limits.map((_, i) => share(c0.throttling[i], c1.throttling[i])),
      plannerCores: (c1.planner - c0.planner) / s,
      agentHostCores: (c1.hosts - c0.hosts) / s,
      driverCores: (driver.user + driver.system) / 1e6 / s,
      machineCores: (c1.machine.busyS - c0.machine.busyS) / s,
      stateMsgs: wire.state,
      notices: wire.notices,
      idle,
    };
  } finally {
    if (twin !== undefined && twin.exitCode === null && twin.signalCode === null) {
      const gone = new Promise((r) => twin!.once('exit', r));
      twin.kill('SIGKILL');
      await gone;
    }
    await f.stop();
    for (const l of twinLimit === undefined ? limits : [...limits, twinLimit]) {
      l.remove();
      live.delete(l);
    }
  }
}

const fx = (x: number, digits = 2, w = 0) => x.toFixed(digits).padStart(w);

function printRow(r: RunFigures): void {
  const total = r.perReplica.reduce((a, b) => a + b, 0);
  const split = r.perReplica
    .map((n) => `${n} (${((100 * n) / Math.max(1, total)).toFixed(0)} %)`)
    .join(' / ');
  const balancers = r.balancerCores
    .map((c) =>
      r.limitCores === undefined ? fx(c) : `${fx(c)} (${((100 * c) / r.limitCores).toFixed(0)} %)`,
    )
    .join(' / ');
  const throttled = r.throttledShare.map((t) => `${(100 * t).toFixed(0)} %`).join(' / ');
  console.log(
    [
      (r.limitCores === undefined ? 'none' : `${r.limitCores} cpu`).padEnd(9),
      String(r.replicas).padStart(8),
      fx(r.perS, 1, 11),
      fx(quantile(r.loop.decisionMs, 0.5), 2, 12),
      fx(quantile(r.loop.decisionMs, 0.99), 2, 12),
      fx(quantile(r.loop.roundTripMs, 0.5), 1, 10),
      // Every replica's CPU over the decisions they made together: what one decision costs.
      fx((1000 * r.balancerCores.reduce((a, b) => a + b, 0)) / r.perS, 2, 11),
      String(r.loop.failed).padStart(6),
      // Per decision made: the state messages and notices each replica handles, whatever its share.
      fx(r.stateMsgs / Math.max(1, r.loop.done), 2, 10),
      fx(r.notices / Math.max(1, r.loop.done), 2, 12),
      `  ${split}`,
      `  balancer cores ${balancers}${throttled === '' ? '' : `, throttled ${throttled} of periods`}`,
      `; planner ${fx(r.plannerCores)}, agent hosts ${fx(r.agentHostCores)}, driver ${fx(r.driverCores)}, machine ${fx(r.machineCores)} of ${cpuCount()} (load ${loadAverage().split(' ')[0]})`,
      // Before the loop: what following the fleet costs a replica with nothing to decide.
      // The estimator's work per decision (every replica's together): what grows with peers'
      // placements beyond the messages is the cached states rebuilt from new snapshots.
      `; per decision: ${fx(r.preempted / Math.max(1, total), 2)} preemptions, ${fx(r.work.estimates / Math.max(1, total), 2)} estimates, ${fx(r.work.rebuilds / Math.max(1, total), 2)} rebuilds, ${fx(r.work.iterations / Math.max(1, total), 0)} iterations simulated`,
      `; idle: ${fx(r.idle.statePerS, 0)} states/s, balancer ${r.idle.balancerMsPerS.map((m) => `${fx(m, 0)} ms/s (${fx((1000 * m) / Math.max(1, r.idle.statePerS), 0)} µs per state)`).join(' / ')}`,
    ].join(' '),
  );
}

/** The runs of one kind together: decisions/s over their summed time, every decision time. */
function pooled(runs: readonly RunFigures[]): (LoopResult & { perS: number }) | undefined {
  if (runs.length === 0) return undefined;
  const loop: LoopResult = {
    done: runs.reduce((a, r) => a + r.loop.done, 0),
    failed: runs.reduce((a, r) => a + r.loop.failed, 0),
    wallS: runs.reduce((a, r) => a + r.loop.wallS, 0),
    decisionMs: runs.flatMap((r) => r.loop.decisionMs),
    roundTripMs: runs.flatMap((r) => r.loop.roundTripMs),
  };
  return { ...loop, perS: loop.done / loop.wallS };
}

/** What in a run may make the ratio measure something else than the balancers. */
function caveats(r: RunFigures): string[] {
  const out: string[] = [];
  const what = `${r.limitCores === undefined ? 'unlimited' : `${r.limitCores}-cpu`}, ${r.replicas} replica(s)`;
  if (r.limitCores !== undefined)
    for (const [i, c] of r.balancerCores.entries())
      if (c < 0.85 * r.limitCores)
        out.push(
          `${what}: replica ${i + 1} used ${((100 * c) / r.limitCores).toFixed(0)} % of its limit — not saturated, something else limits (raise --concurrency, look at planner and machine)`,
        );
  if (r.plannerCores > 0.85)
    out.push(
      `${what}: the planner used ${fx(r.plannerCores)} cores (one Node thread) — it may be the limit`,
    );
  if (r.machineCores > 0.9 * cpuCount())
    out.push(
      `${what}: the machine was busy ${fx(r.machineCores)} of ${cpuCount()} cores — CPU contention limits this run`,
    );
  if (r.spill.hopeless > 0)
    out.push(
      `${what}: ${r.spill.hopeless} requests were hopeless on the shard handed them; ${r.spill.hopeless - r.spill.held} offered to the other shard (each a second decision there), ${r.spill.taken} taken, ${r.spill.held} held back`,
    );
  const total = r.perReplica.reduce((a, b) => a + b, 0);
  if (Math.abs(total - r.loop.done) > 0.02 * Math.max(1, r.loop.done))
    out.push(
      `${what}: the replicas count ${total} decisions, the driver ${r.loop.done} answers (warm-up excluded)`,
    );
  return out;
}

/** Runs 1 and 2 replicas, limited (when cgroups allow) and unlimited, and prints the figures. */
export async function replicaBench(o: ReplicaBenchOptions): Promise<void> {
  const cgroups = findCpuCgroups();
  const limits: Array<number | undefined> = [];
  if (o.balancerCpu > 0) {
    if ('unavailable' in cgroups)
      console.log(
        `balancer replicas: NO CPU LIMIT POSSIBLE (${cgroups.unavailable}); --balancer-cpu ${o.balancerCpu} ignored, unlimited runs only`,
      );
    else {
      console.log(
        `balancer replicas: each limited to ${o.balancerCpu} CPU in a cgroup of its own (cgroup v${cgroups.version}, ${cgroups.dir})${(o.unlimited ?? true) ? ', then unlimited' : ''}`,
      );
      limits.push(o.balancerCpu);
    }
  }
  if ((o.unlimited ?? true) || limits.length === 0) limits.push(undefined);
  console.log(
    `closed loop, policy ${o.setup.policy}: ${o.concurrency} requests in flight for ${o.seconds} s per run, replicas ${o.order.join(',')}, delta state; ${(o.preloadPerAgent ?? 0) === 0 ? `no standing load (loop requests of ${o.setup.outputTokens} output tokens: if they outlast the run, the run that decides more ends on a busier fleet)` : `standing load ${o.preloadPerAgent} requests per agent placed first (${PRELOAD_OUTPUT_TOKENS} output tokens each)`}; load average ${loadAverage()}${o.twin === true ? '; in the limited 1-replica runs a twin process under the same limit loads the box as a second replica would (--replica-twin)' : ''}${o.pin === true ? `; replica i pinned to CPU i mod ${cpuCount()} (--replica-pin)` : ''}${o.shards === true ? `; 2 replicas run as 2 balancer shards, each following and placing on half of the ${o.setup.agents} agents (--replica-shards)` : ''}`,
  );
  console.log(
    'cpu limit  replicas  decisions/s  decision p50  decision p99  rt p50 ms  CPU ms/dec  failed  state/dec  notices/dec  per replica (share)  CPU during the loop (cores)',
  );
  const results: RunFigures[] = [];
  for (const limitCores of limits)
    for (const replicas of o.order) {
      const r = await replicaRun(o, replicas, cgroups, limitCores);
      results.push(r);
      printRow(r);
    }
  for (const limitCores of limits) {
    const [one, two] = [1, 2].map((n) =>
      pooled(results.filter((r) => r.replicas === n && r.limitCores === limitCores)),
    );
    if (one === undefined || two === undefined) continue;
    const q = (x: LoopResult, p: number) => quantile(x.decisionMs, p);
    console.log(
      `${o.setup.policy}: 2 replicas vs 1, ${limitCores === undefined ? 'unlimited' : `each limited to ${limitCores} CPU`}: ${(two.perS / one.perS).toFixed(2)}x decisions/s (${fx(one.perS, 1)} → ${fx(two.perS, 1)}); decision p50 ${fx(q(one, 0.5))} → ${fx(q(two, 0.5))} ms, p99 ${fx(q(one, 0.99))} → ${fx(q(two, 0.99))} ms`,
    );
  }
  for (const limitCores of limits) {
    const pairs = pairedRatios(results.filter((r) => r.limitCores === limitCores));
    if (pairs.length < 2) continue;
    const sorted = [...pairs].sort((a, b) => a - b);
    console.log(
      `${o.setup.policy}: ${limitCores === undefined ? 'unlimited' : `${limitCores}-cpu`}, pairs of runs back to back: ${pairs.length} ratios, median ${quantile(pairs, 0.5).toFixed(2)}x, quartiles ${quantile(pairs, 0.25).toFixed(2)}–${quantile(pairs, 0.75).toFixed(2)}x, range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}x (${pairs.map((x) => x.toFixed(2)).join(', ')})`,
    );
  }
  // The chain behind the balancers must keep up with 2 replicas: the planner is one Node thread.
  for (const r of results.filter((x) => x.replicas === 2)) {
    const msPerRequest = (1000 * r.plannerCores) / r.perS;
    console.log(
      `planner headroom (${r.limitCores === undefined ? 'unlimited' : `${r.limitCores}-cpu`} balancers, 2 replicas): ${fx(msPerRequest)} ms of planner CPU per request, so one core plans about ${fx(1000 / msPerRequest, 0)}/s; this run asked ${fx(r.perS, 1)}/s`,
    );
  }
  for (const c of results.flatMap(caveats)) console.log(`  note: ${c}`);
  console.log(`load average after the replica runs: ${loadAverage()}`);
}
