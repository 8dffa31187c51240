import { createRng, lognormal } from '@adagen/stats';
import type { Rng } from '@adagen/stats';
import { LatencyModel } from '../latency/model.js';
import type { LatencyProfile } from '../latency/profile.js';
import { PrefixCache } from '../kv/prefix-cache.js';
import type { PrefixCacheEvent } from '../kv/prefix-cache.js';
import type { BlockHash } from '../kv/prefix-hash.js';
import { applyBatch } from '../scheduler/apply.js';
import { resolveEngineConfig } from '../scheduler/config.js';
import type { EngineConfig } from '../scheduler/config.js';
import { formBatch } from '../scheduler/form-batch.js';
import { cachedTokensNow, freeBlocks } from '../scheduler/prefix.js';
import { newReq } from '../scheduler/request.js';
import { EngineState } from '../scheduler/state.js';
import type {
  InstanceObserver,
  InstanceSnapshot,
  IterationReport,
  RequestPhase,
  WorkItem,
} from '../types.js';
import { internalsFromSnapshot } from './from-snapshot.js';
import type { FromSnapshotOptions } from './from-snapshot.js';
import { toProgress } from './progress.js';
import { RecentIterations } from './recent.js';
import type { SimInstanceInternals, SimInstanceOptions } from './types.js';

/** Floor on an iteration's duration (ms), so virtual time always moves forward. */
const MIN_ITERATION_MS = 1e-3;

/**
 * One GPU instance in virtual time: a vLLM-like iteration scheduler over a paged KV cache,
 * with iteration times from a calibrated latency model. Deterministic: the same calls and
 * jitter seed give the same events.
 */
export class SimInstance {
  readonly id: string;
  readonly profile: LatencyProfile;
  readonly config: EngineConfig;
  private readonly model: LatencyModel;
  private readonly observer: InstanceObserver | undefined;
  private readonly jitterSigma: number;
  private readonly jitterRng: Rng | undefined;
  private readonly jitter: { sigma: number; seed: number } | undefined;
  private readonly recordChunks: boolean;
  private state: EngineState;
  private clock: number;
  private iterationIndex: number;
  private current: IterationReport | undefined;
  private recent: RecentIterations;

  constructor(options: SimInstanceOptions, internals?: SimInstanceInternals) {
    this.id = options.id;
    this.profile = options.profile;
    this.config = internals?.config ?? resolveEngineConfig(options.profile, options.config);
    this.model = new LatencyModel(options.profile);
    this.observer = options.observer;
    const j = options.jitter;
    if (j !== undefined && !(j.sigma >= 0 && Number.isFinite(j.sigma))) {
      throw new RangeError(`jitter.sigma must be a finite number >= 0, got ${j.sigma}`);
    }
    this.jitter = j;
    this.jitterSigma = j?.sigma ?? 0;
    this.jitterRng = j && j.sigma > 0 ? createRng(j.seed) : undefined;
    this.recordChunks = options.recordChunks ?? false;
    this.state = internals?.state ?? new EngineState();
    if (internals === undefined && this.config.enablePrefixCaching)
      this.state.cache = new PrefixCache();
    this.clock = internals?.clockMs ?? 0;
    this.iterationIndex = internals?.iterationIndex ?? 0;
    this.current = internals?.current;
    this.recent = internals?.recent ?? new RecentIterations(options.recentIterations ?? 16);
  }

  /** Virtual time: the end of the last iteration or the latest start time asked for. */
  get clockMs(): number {
    return this.clock;
  }

  /** Queues `item` (arriving at `atMs`); an iteration in progress is not changed. */
  enqueue(item: WorkItem, atMs: number): void {
    if (this.state.byId.has(item.id)) {
      throw new RangeError(`work item "${item.id}" is already on instance ${this.id}`);
    }
    const r = newReq(item, atMs);
    this.state.byId.set(r.id, r);
    this.state.waiting.push(r);
  }

  /** Running or waiting requests exist (held prefill KV is not work). */
  hasWork(): boolean {
    return this.state.running.length > 0 || this.state.waitingCount() > 0;
  }

  /** End of the iteration in progress, or undefined. */
  busyUntilMs(): number | undefined {
    return this.current ? this.current.startMs + this.current.durationMs : undefined;
  }

  /**
   * Forms the next batch at max(nowMs, clock) and returns the iteration's end time, or
   * undefined when there is nothing to run. @throws Error if an iteration is in progress.
   */
  startIteration(nowMs: number): number | undefined {
    if (this.current) throw new Error(`instance ${this.id}: an iteration is already in progress`);
    if (Number.isNaN(nowMs)) throw new RangeError('nowMs must be a number');
    const t = nowMs > this.clock ? nowMs : this.clock;
    this.clock = t;
    const s = this.state;
    formBatch(s, this.config, t, this.observer);
    if (s.batchLen === 0) return undefined;
    let durationMs = this.model.iterationMsOf(
      s.prefillTokens,
      s.prefillAttnWork,
      s.decodeRequests,
      s.decodeContextTokens,
      s.batchLen,
    );
    if (this.jitterRng) {
      durationMs *= lognormal(this.jitterRng.fork(`i${this.iterationIndex}`), 0, this.jitterSigma);
    }
    // A user profile can predict ≤ 0 (or NaN) far outside its fitted range: time must advance.
    if (!(durationMs >= MIN_ITERATION_MS)) durationMs = MIN_ITERATION_MS;
    const report: IterationReport = {
      instanceId: this.id,
      index: this.iterationIndex++,
      startMs: t,
      durationMs,
      prefillTokens: s.prefillTokens,
      prefillAttnWork: s.prefillAttnWork,
      decodeRequests: s.decodeRequests,
      decodeContextTokens: s.decodeContextTokens,
      numSeqs: s.batchLen,
      admitted: s.admitted,
      preempted: s.preempted,
      kvUsedBlocks: s.usedBlocks,
    };
    if (this.recordChunks) {
      report.chunks = s.batch.slice(0, s.batchLen).map((r) => ({
        id: r.id,
        prefillTokens: r.schedTokens,
        decode: r.schedDecode,
      }));
    }
    this.current = report;
    return t + durationMs;
  }

  /** Applies the iteration in progress at its end time. @throws Error if none is in progress. */
  finishIteration(): IterationReport {
    const report = this.current;
    if (!report) throw new Error(`instance ${this.id}: no iteration in progress`);
    this.current = undefined;
    const endMs = report.startMs + report.durationMs;
    this.clock = endMs;
    this.recent.push(
      report.startMs,
      report.durationMs,
      report.prefillTokens,
      report.decodeRequests,
    );
    this.observer?.onIteration?.(report);
    applyBatch(this.state, this.config.blockSize, endMs, this.observer);
    return report;
  }

  /**
   * Runs iterations back to back: finishes those ending at or before `untilMs` and starts
   * new ones that begin before it (the last may still be in progress). Returns the clock.
   */
  runUntil(untilMs: number): number {
    for (;;) {
      if (this.current) {
        if (this.current.startMs + this.current.durationMs > untilMs) break;
        this.finishIteration();
        continue;
      }
      const startMs = this.nextStartMs();
      if (startMs === undefined || startMs >= untilMs) break;
      if (this.startIteration(startMs) === undefined) break;
    }
    return this.clock;
  }

  /** Runs until no iteration can start; returns the clock. */
  runToCompletion(): number {
    return this.runUntil(Infinity);
  }

  /** When the next iteration could start: now if anything runs, else the head's arrival. */
  private nextStartMs(): number | undefined {
    if (this.state.running.length > 0) return this.clock;
    const head = this.state.waitingPeek();
    if (head === undefined) return undefined;
    return head.arrivalMs > this.clock ? head.arrivalMs : this.clock;
  }

  /** Where request `id` is on this instance (undefined if it is not here). */
  phaseOf(id: string): RequestPhase | undefined {
    const r = this.state.byId.get(id);
    return r === undefined || r.phase === 'done' ? undefined : r.phase;
  }

  /** Frees the KV of a `held` item (prefill handed over). False if `id` is unknown. */
  release(id: string): boolean {
    const s = this.state;
    const r = s.byId.get(id);
    if (r === undefined) return false;
    if (r.phase !== 'held') {
      throw new Error(`instance ${this.id}: cannot release "${id}" while it is ${r.phase}`);
    }
    s.held.splice(s.held.indexOf(r), 1);
    freeBlocks(s, r);
    r.phase = 'done';
    s.byId.delete(id);
    return true;
  }

  /**
   * Drops a request (the client went away) and frees its blocks at once; an iteration in
   * progress still runs but emits nothing for it. False if `id` is unknown.
   */
  cancel(id: string): boolean {
    const s = this.state;
    const r = s.byId.get(id);
    if (r === undefined) return false;
    if (r.phase === 'waiting') s.waitingRemove(r);
    else if (r.phase === 'held') s.held.splice(s.held.indexOf(r), 1);
    else s.running.splice(s.running.indexOf(r), 1);
    freeBlocks(s, r);
    r.phase = 'done';
    s.byId.delete(id);
    return true;
  }

  /** The instance's state for balancers and estimators (a fresh, plain object). */
  snapshot(): InstanceSnapshot {
    const s = this.state;
    const c = this.config;
    const snap: InstanceSnapshot = {
      instanceId: this.id,
      atMs: this.clock,
      profile: this.profile.name,
      config: {
        maxNumBatchedTokens: c.maxNumBatchedTokens,
        maxNumSeqs: c.maxNumSeqs,
        enableChunkedPrefill: c.enableChunkedPrefill,
        blockSize: c.blockSize,
        watermark: c.watermark,
        maxModelLen: c.maxModelLen,
      },
      kv: { totalBlocks: c.numGpuBlocks, usedBlocks: s.usedBlocks },
      running: [...s.running.map(toProgress), ...s.held.map(toProgress)],
      waiting: s.waitingList().map(toProgress),
      recentIterations: this.recent.list(),
    };
    const cache = s.cache;
    if (cache !== undefined) {
      snap.prefixCache = {
        cachedBlocks: cache.size,
        queriedTokens: cache.queriedTokens,
        hitTokens: cache.hitTokens,
      };
      const list = s.waitingList();
      for (let i = 0; i < list.length; i++) {
        const t = cachedTokensNow(s, list[i]!, c.blockSize);
        if (t > 0) snap.waiting[i]!.cachedTokens = t;
      }
    }
    if (this.current) {
      snap.busySinceMs = this.current.startMs;
      snap.busyUntilMs = this.current.startMs + this.current.durationMs;
    }
    return snap;
  }

  /**
   * Rebuilds a runnable instance from a snapshot, with `outputTokensFor` giving each
   * `full`/`decode` request's output length. KV usage is recomputed from token counts. If the
   * snapshot was taken during an iteration, that iteration is formed again from its start
   * (`busySinceMs`), so the rebuilt instance is busy until the same end time.
   */
  static fromSnapshot(
    snapshot: InstanceSnapshot,
    profile: LatencyProfile,
    options: FromSnapshotOptions,
  ): SimInstance {
    const { internals, busySinceMs } = internalsFromSnapshot(snapshot, profile, options);
    const instance = new SimInstance(
      {
        id: snapshot.instanceId,
        profile,
        observer: options.observer,
        jitter: options.jitter,
        recordChunks: options.recordChunks,
      },
      internals,
    );
    if (busySinceMs !== undefined) instance.startIteration(busySinceMs);
    return instance;
  }

  /**
   * The prefix cache's changes since the last call (stored / removed block hashes, in order,
   * like vLLM's KV events), for an index kept elsewhere. The first call starts the recording
   * and returns every block cached so far as stored. Empty when prefix caching is off.
   */
  drainPrefixEvents(): PrefixCacheEvent[] {
    const cache = this.state.cache;
    if (cache === undefined) return [];
    if (!cache.recording) {
      cache.recording = true;
      cache.drainEvents();
      const all = cache.hashes();
      return all.length === 0 ? [] : [{ type: 'stored', blockHashes: all }];
    }
    return cache.drainEvents();
  }

  /** Whether block `hash` is in this instance's prefix cache (false when caching is off). */
  hasCachedBlock(hash: BlockHash): boolean {
    return this.state.cache?.has(hash) ?? false;
  }

  /** A deep, independent copy of the whole state (including an iteration in progress). */
  clone(observer?: InstanceObserver): SimInstance {
    return new SimInstance(
      {
        id: this.id,
        profile: this.profile,
        observer,
        jitter: this.jitter,
        recordChunks: this.recordChunks,
      },
      {
        config: this.config,
        state: this.state.copy(),
        clockMs: this.clock,
        iterationIndex: this.iterationIndex,
        current: this.current ? { ...this.current } : undefined,
        recent: this.recent.copy(),
      },
    );
  }
}
