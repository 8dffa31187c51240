/**
 * A balancer's or planner's view of the agents: the latest state snapshot of each (the engine's
 * `InstanceSnapshot`), plus placements made since that the snapshot may not show yet (this
 * replica's and, from placement notices, its peers'). Agents whose snapshots stop are dropped.
 * Pure: every method takes the fleet time it applies at.
 */
import type { InstanceSnapshot } from '@adagen/engine';
import type {
  AgentAnnounce,
  InstanceState,
  InstanceStateDelta,
  RequestProgress,
} from '@adagen/protocol';
import type { ClusterView, InstanceView, PendingPlacement } from '@adagen/scheduler';
import { snapshotOf } from './convert.js';
import { registerCalibrated } from './profiles.js';
import { applyStateDelta, changesNoWork } from './state-delta.js';

export interface FleetViewOptions {
  /**
   * An agent whose snapshots stop for this long (fleet ms) while other agents' go on is removed
   * from placement (see `sweep`). @default 500 (5 periods of 100 ms)
   */
  readonly staleAfterMs?: number;
  /**
   * Work placed this long before a snapshot that does not show it is taken as already delivered
   * and finished (dispatch takes a few ms), so it stops counting as pending.
   * @default 100
   */
  readonly dispatchGraceMs?: number;
  /** A pending `decode` (it arrives after a KV hand-off) no snapshot showed expires after this. @default 10000 */
  readonly handoffTtlMs?: number;
}

/** What a policy is built from: one line per agent. */
export interface Member {
  readonly id: string;
  readonly profile: string;
  readonly config: InstanceSnapshot['config'];
  readonly totalKvBlocks: number;
}

interface Entry {
  readonly id: string;
  state: InstanceState;
  /** The profile estimators predict it with: its calibrated one when it sends one. */
  profile: string;
  receivedAtMs: number;
  status: 'ready' | 'draining';
  pending: PendingPlacement[];
  view: InstanceView;
}

export class FleetView {
  private readonly entries = new Map<string, Entry>();
  private readonly staleAfterMs: number;
  private readonly dispatchGraceMs: number;
  private readonly handoffTtlMs: number;
  /** Decision → agent delay measured on placements the snapshots show (fleet ms), smoothed. */
  private measuredDelayMs: number | undefined;
  /**
   * `membershipKey()` as last computed; undefined once an agent joins, leaves or changes (it is
   * asked for on every decision, the agents change far less often).
   */
  private memberKeyCache: string | undefined;

  constructor(options: FleetViewOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? 500;
    this.dispatchGraceMs = options.dispatchGraceMs ?? 100;
    this.handoffTtlMs = options.handoffTtlMs ?? 10_000;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Applies a snapshot; true when the set of agents (or one's profile/config) changed. */
  applyState(state: InstanceState, nowMs: number): boolean {
    return this.apply(state, nowMs, false);
  }

  /**
   * Applies a delta on top of the agent's last state: `changed` as `applyState`'s answer, or
   * `gap` (why it does not apply: a lost message, a restarted agent, no full state yet) — the
   * view then keeps the last state it could build, and the agent in placement (it is
   * publishing), until the agent's next full state (agents send one every 10 periods).
   * A delta that changes no work keeps the instance's snapshot object, so the estimator's cache
   * of that instance stays valid.
   */
  applyDelta(
    delta: InstanceStateDelta,
    nowMs: number,
  ): { readonly changed: boolean } | { readonly gap: string } {
    const old = this.entries.get(delta.instanceId);
    if (old === undefined) return { gap: 'no full state from this agent yet' };
    const next = applyStateDelta(old.state, delta);
    if (!next.ok) {
      if (delta.seq > old.state.seq) old.receivedAtMs = nowMs;
      return { gap: next.error };
    }
    return { changed: this.apply(next.value, nowMs, changesNoWork(delta, old.state)) };
  }

  private apply(state: InstanceState, nowMs: number, sameWork: boolean): boolean {
    const old = this.entries.get(state.instanceId);
    if (old !== undefined && state.atMs < old.state.atMs) return false; // out of order
    const snapshot = sameWork && old !== undefined ? old.view.snapshot : snapshotOf(state);
    const pending = old === undefined ? [] : this.prune(old.pending, state);
    const profile =
      state.calibration === undefined
        ? state.profile
        : (registerCalibrated(state.instanceId, state.calibration) ?? state.profile);
    const entry: Entry = {
      id: state.instanceId,
      state,
      profile,
      receivedAtMs: nowMs,
      status: state.status,
      pending,
      view: {
        id: state.instanceId,
        profile,
        status: state.status,
        snapshot,
        pending,
      },
    };
    this.entries.set(state.instanceId, entry);
    const changed = old === undefined || !sameMember(old, entry);
    if (changed) this.memberKeyCache = undefined;
    return changed;
  }

  /** Applies an announcement; true when an agent left. */
  applyAnnounce(a: AgentAnnounce): boolean {
    const entry = this.entries.get(a.instanceId);
    if (entry === undefined) return false;
    if (a.status === 'down') return this.remove(a.instanceId);
    if (a.status === 'draining' && entry.status !== 'draining') {
      entry.status = 'draining';
      entry.view = { ...entry.view, status: 'draining' };
    }
    return false;
  }

  /**
   * Takes an agent out of placement now (it announced `down`, or nobody serves its dispatch
   * subject); its next snapshot, if it is alive after all, brings it back. True if it was here.
   */
  remove(instanceId: string): boolean {
    const removed = this.entries.delete(instanceId);
    if (removed) this.memberKeyCache = undefined;
    return removed;
  }

  /** Work placed on `instanceId` not yet in its snapshot. Ignored for unknown instances. */
  addPending(instanceId: string, p: PendingPlacement): void {
    const entry = this.entries.get(instanceId);
    if (entry === undefined) return;
    const same = entry.pending.some(
      (q) => q.requestId === p.requestId && q.role === p.role && q.startToken === p.startToken,
    );
    if (same) return;
    this.setPending(entry, [...entry.pending, p]);
  }

  /** Forgets every pending placement of a request (it failed, or is replaced by its plan). */
  dropPending(requestId: string): void {
    for (const entry of this.entries.values()) {
      if (entry.pending.some((p) => p.requestId === requestId))
        this.setPending(
          entry,
          entry.pending.filter((p) => p.requestId !== requestId),
        );
    }
  }

  /**
   * Removes agents that went quiet; returns their ids. An agent is dropped when nothing came
   * from it for `staleAfterMs` while the rest of the fleet went on: its last state is more than
   * half that behind the newest state any agent sent. When every agent is quiet at once, this
   * replica may be what stopped (a CPU limit it is held at, a long pause: its messages wait
   * unread, and each agent then looks silent), so it waits `ALL_QUIET_FACTOR` times as long
   * before dropping them. A lone agent is the whole fleet: it goes after that longer wait.
   */
  sweep(nowMs: number): string[] {
    let newestMs = Number.NEGATIVE_INFINITY;
    let heardMs = Number.NEGATIVE_INFINITY;
    for (const e of this.entries.values()) {
      newestMs = Math.max(newestMs, e.state.atMs);
      heardMs = Math.max(heardMs, e.receivedAtMs);
    }
    const allQuiet = nowMs - heardMs > this.staleAfterMs;
    const removed: string[] = [];
    for (const [id, entry] of this.entries) {
      const quietMs = nowMs - entry.receivedAtMs;
      const stale = allQuiet
        ? quietMs > ALL_QUIET_FACTOR * this.staleAfterMs
        : quietMs > this.staleAfterMs && newestMs - entry.state.atMs > this.staleAfterMs / 2;
      if (stale) removed.push(id);
    }
    for (const id of removed) this.entries.delete(id);
    if (removed.length > 0) this.memberKeyCache = undefined;
    return removed;
  }

  /** The scheduler's view at `nowMs`, instances in id order. */
  cluster(nowMs: number): ClusterView {
    const ids = [...this.entries.keys()].sort();
    const instances = ids.map((id) => this.entries.get(id)!.view);
    const d = this.measuredDelayMs;
    return d === undefined ? { nowMs, instances } : { nowMs, instances, controlDelayMs: d };
  }

  /**
   * How long a placement takes to reach its agent (decision → the agent taking the request:
   * planning, dispatch over NATS, the agent's queue), measured on every placement a snapshot
   * shows — the time the agent took it less the decision's — and smoothed; undefined until one
   * is seen. Predictions count from the decision plus this.
   */
  controlDelayMs(): number | undefined {
    return this.measuredDelayMs;
  }

  private observeDelay(ms: number): void {
    if (!(ms >= 0 && ms <= MAX_CONTROL_DELAY_MS)) return;
    const d = this.measuredDelayMs;
    this.measuredDelayMs = d === undefined ? ms : d + DELAY_SMOOTHING * (ms - d);
  }

  /**
   * Whether the agent's engine reuses cached prompt prefixes: false only when its state says so
   * (`capabilities.prefixCaching`); an agent not in the view, or one that does not say, counts
   * as caching (vLLM's default).
   */
  prefixCaching(instanceId: string): boolean {
    return this.entries.get(instanceId)?.state.capabilities?.prefixCaching !== false;
  }

  /** The agents, in id order, for building a policy. */
  members(): Member[] {
    return [...this.entries.keys()].sort().map((id) => {
      const e = this.entries.get(id)!;
      const s = e.state;
      return { id, profile: e.profile, config: s.config, totalKvBlocks: s.kv.totalBlocks };
    });
  }

  /** Changes whenever the agents, their profiles or their engine settings change. */
  membershipKey(): string {
    this.memberKeyCache ??= [...this.entries.keys()]
      .sort()
      .map((id) => memberKey(this.entries.get(id)!))
      .join(';');
    return this.memberKeyCache;
  }

  pendingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.pending.length;
    return n;
  }

  private setPending(entry: Entry, pending: PendingPlacement[]): void {
    entry.pending = pending;
    entry.view = { ...entry.view, pending };
  }

  /** Pending work a new snapshot shows (or that must have finished) stops being pending. */
  private prune(pending: PendingPlacement[], state: InstanceState): PendingPlacement[] {
    if (pending.length === 0) return pending;
    // This runs on every state message of every agent with work pending, in every replica: a
    // few pending placements are looked for by scanning the agent's requests, more through an
    // index by id (ids are unique on an instance).
    let byId: Map<string, RequestProgress> | undefined;
    if (pending.length > 8) {
      byId = new Map();
      for (const r of state.running) byId.set(r.id, r);
      for (const r of state.waiting) byId.set(r.id, r);
    }
    const takenAt = (p: PendingPlacement): number | undefined => {
      if (byId !== undefined) {
        const r = byId.get(p.requestId);
        return r?.kind === p.role ? r.arrivalMs : undefined;
      }
      for (const list of [state.running, state.waiting])
        for (const r of list) if (r.id === p.requestId && r.kind === p.role) return r.arrivalMs;
      return undefined;
    };
    return pending.filter((p) => {
      const takenAtMs = takenAt(p);
      if (takenAtMs !== undefined) {
        // A decode part arrives after a KV hand-off, not after the decision.
        if (p.role !== 'decode') this.observeDelay(takenAtMs - p.atMs);
        return false;
      }
      const ttl = p.role === 'decode' ? this.handoffTtlMs : this.dispatchGraceMs;
      return state.atMs <= p.atMs + ttl;
    });
  }
}

/** How many times `staleAfterMs` agents are kept when all of them are quiet at once. */
const ALL_QUIET_FACTOR = 4;
/** A measured control delay beyond this (fleet ms) is a clock step or a stale entry, not a delay. */
const MAX_CONTROL_DELAY_MS = 5000;
/** Weight of each new measurement in the smoothed control delay (≈ the last 10 placements). */
const DELAY_SMOOTHING = 0.1;

/**
 * `memberKey(a) === memberKey(b)`. It runs on every state: a state built from a delta shares its
 * base's engine settings, so the keys are only built when those are another object.
 */
function sameMember(a: Entry, b: Entry): boolean {
  const x = a.state;
  const y = b.state;
  if (x.config === y.config && a.profile === b.profile && x.kv.totalBlocks === y.kv.totalBlocks)
    return x.instanceId === y.instanceId;
  return memberKey(a) === memberKey(b);
}

/** What `membershipKey` is made of, per agent. */
function memberKey(e: Entry): string {
  const s = e.state;
  const c = s.config;
  return `${s.instanceId}:${e.profile}:${c.maxNumBatchedTokens}:${c.maxNumSeqs}:${c.enableChunkedPrefill}:${c.blockSize}:${s.kv.totalBlocks}:${c.maxModelLen ?? ''}:${c.watermark ?? ''}`;
}
