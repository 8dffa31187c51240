/**
 * The discrete-event cluster simulator. Events (arrival, delivery after the control-plane delay,
 * iteration end, KV hand-off) are processed in time order, ties by insertion order; instances
 * advance one iteration per event; the policy decides at each arrival on a stale view.
 *
 * With `balancers` > 1 the policy runs as that many replicas, as balancer replicas in a NATS
 * queue group do: each arrival goes to one replica at random, and each replica has its own view
 * of every instance — the instances' published snapshots, which all share, plus only its own
 * placements since them. A replica learns of another's placements from the snapshots alone.
 */
import type { InstanceObserver } from '@adagen/engine';
import { ProfileBeliefs } from './beliefs.js';
import type { ClusterView, Decision, Policy, RequestInfo } from '@adagen/scheduler';
import {
  OfferGate,
  admission,
  createPolicy,
  decide,
  inShard,
  otherShard,
  resolveSlo,
} from '@adagen/scheduler';
import { createRng } from '@adagen/stats';
import type { TraceRequest } from '@adagen/workloads';
import type { SimConfig } from './config.js';
import { deadlineMsOf } from './config.js';
import { EventQueue } from './event-queue.js';
import { FloatBuffer } from './float-buffer.js';
import type { InstanceSlot, InstanceSpec } from './instances.js';
import { buildSlots, resolveProfile } from './instances.js';
import { RequestMetrics } from './metrics.js';
import { PlanExecutor } from './plans.js';
import { RequestPrefixes } from './prefixes.js';
import { SharedSource, StaleView } from './staleness.js';

export type SimEvent =
  | { type: 'arrival'; req: number }
  | { type: 'deliver'; req: number }
  | { type: 'iteration'; slot: number }
  | { type: 'handoff'; req: number }
  | { type: 'reject'; req: number }
  | { type: 'deadline'; req: number };

export interface RunOptions {
  /** Wall clock (ms) for per-decision timing, e.g. `performance.now`; never read otherwise. */
  now?: () => number;
  /** Called every `progressEvery` arrivals and at the end. */
  onProgress?: (arrived: number, total: number) => void;
  /** @default 1000 */
  progressEvery?: number;
  /** Include one record per request in the result (`SimResult.requests`). @default false */
  perRequest?: boolean;
}

/** One balancer replica: its own policy and its own view of every instance. */
interface Replica {
  readonly policy: Policy;
  readonly views: StaleView[];
  readonly clusterView: { nowMs: number; instances: ClusterView['instances'] };
}

export class Simulation {
  readonly queue = new EventQueue<SimEvent>();
  readonly metrics: RequestMetrics;
  readonly slots: InstanceSlot[];
  /** The balancer replicas (one unless `balancers` says otherwise). */
  readonly replicas: readonly Replica[];
  readonly slotById = new Map<string, number>();
  readonly decisionTimesUs = new FloatBuffer(1024);
  /** The first replica's policy (every replica runs the same one). */
  readonly policy: Policy;
  readonly requests: readonly TraceRequest[];
  readonly beliefs: ProfileBeliefs;
  private readonly reqIndex = new Map<string, number>();
  private readonly plans: PlanExecutor;
  /** Prompt block hashes of requests in flight (prefix caching). */
  readonly prefixes: RequestPrefixes;
  private readonly busy: Uint8Array;
  /** The replica that decided each request (all 0 with one balancer). */
  private readonly replicaOf: Uint16Array;
  /** Which other shard a hopeless request is handed to (`shardSpill`). */
  private readonly spillRng: ReturnType<typeof createRng>;
  /** Requests a shard handed to another that predicted a hit there (`shardSpill`). */
  spilled = 0;
  /** Hopeless requests a shard did not offer, its recent offers being mostly declined. */
  spillHeld = 0;
  /** Per replica, when it offers (the live balancer's rule); and its draws. */
  private readonly offerGates: OfferGate[];
  private readonly gateRng: ReturnType<typeof createRng>;
  /** Arrival time of the next request not yet decided (Infinity after the last). */
  nextArrivalMs = Number.POSITIVE_INFINITY;
  nowMs = 0;

  constructor(
    readonly config: SimConfig,
    specs: readonly InstanceSpec[],
    private readonly options: RunOptions = {},
  ) {
    this.requests = config.workload.requests;
    this.requests.forEach((r, i) => this.reqIndex.set(r.id, i));
    if (this.reqIndex.size !== this.requests.length) {
      throw new RangeError(`workload "${config.workload.name}" has duplicate request ids`);
    }
    this.metrics = new RequestMetrics(this.requests);
    this.beliefs = new ProfileBeliefs(
      specs,
      config.estimatorProfile === undefined
        ? undefined
        : resolveProfile(config.estimatorProfile, 'estimatorProfile'),
      config.calibrate,
    );
    this.slots = buildSlots(specs, config, (i) => this.observer(i));
    this.slots.forEach((s) => this.slotById.set(s.id, s.index));
    this.busy = new Uint8Array(this.slots.length);
    const shared =
      config.balancers === 1
        ? undefined
        : this.slots.map((sl) => new SharedSource(sl.instance, config.balancers));
    this.replicas = Array.from({ length: config.balancers }, (_, k) => {
      const views = this.slots.map(
        (sl) =>
          new StaleView(
            sl.id,
            this.beliefs.calibrating
              ? (atMs: number) => this.beliefs.nameAt(sl.index, atMs)
              : this.beliefs.announced(sl.index).name,
            shared === undefined ? sl.instance : shared[sl.index]!.reader(k),
            config.snapshotIntervalMs,
            sl.index,
            this.slots.length,
          ),
      );
      const n = views.length;
      const mine = config.sharded ? (i: number) => inShard(i, n, k, config.balancers) : undefined;
      return {
        policy: this.makePolicy(config, specs, config.seed + k),
        views,
        clusterView: {
          nowMs: 0,
          instances: views.filter((_, i) => mine?.(i) ?? true).map((v) => v.view),
        },
      };
    });
    this.policy = this.replicas[0]!.policy;
    this.replicaOf = new Uint16Array(this.requests.length);
    // Which replica each arrival goes to (a queue group picks one at random).
    if (config.balancers > 1) {
      const rng = createRng(config.seed).fork('balancer-replicas');
      for (let r = 0; r < this.replicaOf.length; r++) this.replicaOf[r] = rng.int(config.balancers);
    }
    this.spillRng = createRng(config.seed).fork('shard-spill');
    this.gateRng = createRng(config.seed).fork('shard-spill-gate');
    this.offerGates = this.replicas.map(() => new OfferGate());
    this.prefixes = new RequestPrefixes(this.requests, this.slots);
    this.plans = new PlanExecutor(this);
  }

  private makePolicy(config: SimConfig, specs: readonly InstanceSpec[], seed: number): Policy {
    if (typeof config.policy === 'string') return createPolicy(config.policy, { seed });
    return config.policy({
      seed,
      slo: config.slo,
      instances: specs.map((s, i) => ({
        id: s.id,
        profile: this.beliefs.announced(i),
        engine: s.engine,
      })),
      controlDelayMs: config.controlDelayMs,
      snapshotIntervalMs: config.snapshotIntervalMs,
      kvLink: config.kvLink,
      profileFor: (name) => this.beliefs.profileFor(name),
      sloReference: this.slots[0]!.profile,
    });
  }

  /** The views of the replica that decided request `r`. */
  viewsFor(r: number): readonly StaleView[] {
    return this.replicas[this.replicaOf[r]!]!.views;
  }

  requestIndex(id: string): number {
    const i = this.reqIndex.get(id);
    if (i === undefined) throw new Error(`engine reported unknown request id "${id}"`);
    return i;
  }

  private observer(slot: number): InstanceObserver {
    return {
      onToken: (id, index, atMs) => {
        const r = this.requestIndex(id);
        if (index === 0 && this.plans.ownsFirstToken(r)) return;
        if (this.metrics.token(r, index, atMs)) this.completed(r, atMs);
      },
      onRejected: (id) => {
        const r = this.requestIndex(id);
        // Called while the instance forms a batch: clean up the rest of the plan afterwards.
        if (this.metrics.reject(r)) this.queue.push(this.nowMs, { type: 'reject', req: r });
      },
      onAdmitted: (id, atMs, cachedTokens) =>
        this.metrics.admitted(this.requestIndex(id), atMs, cachedTokens),
      onPreempted: (id) => this.metrics.preempted(this.requestIndex(id)),
      onIteration: (report) => this.beliefs.observe(slot, report),
      onPrefillDone: (id, atMs, kvTokens) =>
        this.plans.prefillDone(slot, this.requestIndex(id), atMs, kvTokens),
    };
  }

  /** Record the first token of a distributed request (emitted by the simulator, not an engine). */
  emitToken(r: number, index: number, atMs: number): void {
    if (this.metrics.token(r, index, atMs)) this.completed(r, atMs);
  }

  private completed(r: number, atMs: number): void {
    const req = this.requests[r]!;
    // Every replica learns from every outcome (the live fleet's classifier is one service).
    const outcome = {
      requestId: req.id,
      promptTokens: req.promptTokens,
      outputTokens: req.outputTokens,
      ...(req.tenant !== undefined ? { tenant: req.tenant } : {}),
      finishedAtMs: atMs,
      ttftMs: this.metrics.ttftMs(r),
      tpotMs: this.metrics.tpotMs(r),
    };
    for (const replica of this.replicas) replica.policy.classifier.observe?.(outcome);
    this.plans.completed(r);
    this.prefixes.forget(r);
  }

  /** Bring slot `s`'s published snapshot up to date before touching its state. */
  touch(s: number): void {
    for (const replica of this.replicas) replica.views[s]!.sync(this.nowMs, this.nextArrivalMs);
  }

  /** Start an iteration on slot `s` if it is idle and has work. */
  kick(s: number): void {
    if (this.busy[s] === 1) return;
    const inst = this.slots[s]!.instance;
    if (!inst.hasWork()) return;
    this.touch(s);
    const endMs = inst.startIteration(this.nowMs);
    if (endMs === undefined) return;
    this.busy[s] = 1;
    this.queue.push(endMs, { type: 'iteration', slot: s });
  }

  run(): void {
    const n = this.requests.length;
    if (n > 0) {
      this.nextArrivalMs = this.requests[0]!.arrivalMs;
      this.queue.push(this.nextArrivalMs, { type: 'arrival', req: 0 });
    }
    const horizon = this.config.horizonMs ?? Number.POSITIVE_INFINITY;
    for (let ev = this.queue.pop(); ev !== undefined; ev = this.queue.pop()) {
      if (ev.atMs > horizon) break;
      this.nowMs = ev.atMs;
      const e = ev.payload;
      switch (e.type) {
        case 'arrival':
          this.arrive(e.req);
          break;
        case 'deliver':
          this.plans.deliver(e.req);
          break;
        case 'iteration':
          this.touch(e.slot);
          this.slots[e.slot]!.instance.finishIteration();
          this.busy[e.slot] = 0;
          this.kick(e.slot);
          break;
        case 'handoff':
          this.plans.handoff(e.req);
          break;
        case 'reject':
          this.plans.rejected(e.req);
          break;
        case 'deadline':
          if (this.metrics.abandon(e.req)) {
            this.plans.rejected(e.req);
            this.prefixes.forget(e.req);
          }
          break;
      }
    }
    this.options.onProgress?.(n, n);
  }

  private arrive(r: number): void {
    const req = this.requests[r]!;
    const n = this.requests.length;
    const next = this.requests[r + 1];
    const every = this.options.progressEvery ?? 1000;
    if (r % every === 0 && r > 0) this.options.onProgress?.(r, n);
    for (const replica of this.replicas)
      for (const v of replica.views) v.sync(this.nowMs, this.nowMs);
    this.nextArrivalMs = next === undefined ? Number.POSITIVE_INFINITY : next.arrivalMs;
    if (next !== undefined) this.queue.push(next.arrivalMs, { type: 'arrival', req: r + 1 });

    const ref = this.slots[0]!;
    const slo = resolveSlo(this.config.slo, req, ref.model, ref.chunking);
    this.metrics.setSlo(r, slo.ttftMs, slo.tpotMs, slo.tbtMs);
    const info: RequestInfo = {
      id: req.id,
      arrivalMs: req.arrivalMs,
      promptTokens: req.promptTokens,
      // The client's own targets (as `x-slo-ttft-ms` / `x-slo-tpot-ms`): every policy plans
      // against the targets it is scored on, whatever it believes about the engines.
      slo: { ttftMs: slo.ttftMs, tpotMs: slo.tpotMs },
    };
    if (req.tenant !== undefined) info.tenant = req.tenant;
    const prefix = this.prefixes.of(r);
    if (prefix !== undefined) info.prefix = prefix;
    const { policy, clusterView: ownView } = this.replicas[this.replicaOf[r]!]!;
    ownView.nowMs = this.nowMs;
    const clock = this.options.now;
    const t0 = clock?.();
    let decision: Decision = decide(policy, info, ownView);
    let clusterView = ownView;
    if (this.config.shardSpill && decision.placement.hopeless === true) {
      const gate = this.offerGates[this.replicaOf[r]!]!;
      if (!gate.offer(this.gateRng.next())) this.spillHeld++;
      else {
        const other = otherShard(this.replicaOf[r]!, this.replicas.length, this.spillRng.next());
        const there = this.replicas[other]!;
        there.clusterView.nowMs = this.nowMs;
        const theirs = decide(there.policy, info, there.clusterView);
        gate.answered(theirs.placement.hopeless !== true);
        if (theirs.placement.hopeless !== true) {
          decision = theirs;
          clusterView = there.clusterView;
          this.replicaOf[r] = other; // its pending placement is that shard's
          this.spilled++;
        }
      }
    }
    if (clock && t0 !== undefined) this.decisionTimesUs.push((clock() - t0) * 1000);
    // Admission sees what the policy saw: the same view, the prompt and the TTFT target.
    const verdict = admission(
      this.config.admission,
      clusterView,
      {
        promptTokens: req.promptTokens,
        ttftTargetMs: slo.ttftMs,
        hopeless: decision.placement.hopeless === true,
      },
      (profile) => this.beliefs.modelOf(profile),
    );
    if (!verdict.admit) {
      this.metrics.shedRequest(r);
      this.prefixes.forget(r);
      return;
    }
    const predicted = decision.prediction?.ttftMs ?? decision.placement.prediction?.ttftMs;
    if (predicted !== undefined) this.metrics.predictedTtftMs[r] = predicted;
    this.plans.decided(r, decision);
    this.queue.push(this.nowMs + this.config.controlDelayMs, { type: 'deliver', req: r });
    const deadlineMs = deadlineMsOf(this.config.deadline, slo.ttftMs);
    if (Number.isFinite(deadlineMs))
      this.queue.push(req.arrivalMs + deadlineMs, { type: 'deadline', req: r });
  }
}
