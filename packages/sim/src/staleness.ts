/**
 * The balancer's realistically stale view of one instance. Each instance publishes a snapshot
 * every Δ ms at its own phase (instance i of N at i·Δ/N, k·Δ later), and the view holds the
 * latest published snapshot plus the placements made since it (`pending`).
 *
 * Snapshots are captured lazily but exactly: the instance's state changes only when the
 * simulator touches it, so before every touch (and before every view) the slot checks whether a
 * publication time T passed since its last capture and, if so, captures the current state — which
 * is the state at T, since nothing changed in between — stamped `atMs = T`. A publication is
 * skipped when no arrival will read it (the next arrival comes after the following publication),
 * so an idle or post-arrival phase costs nothing. A snapshot at T reflects every event before T.
 */
import type { InstanceSnapshot, PrefixCacheEvent } from '@adagen/engine';
import { PrefixIndex } from '@adagen/engine';
import type { InstanceView, PendingPlacement } from '@adagen/scheduler';

export interface SnapshotSource {
  snapshot(): InstanceSnapshot;
  /** Prefix-cache changes since the last call (empty when the instance caches nothing). */
  drainPrefixEvents?(): PrefixCacheEvent[];
}

/** The profile name a snapshot taken at `atMs` announces (fixed, or calibrated over time). */
export type ProfileName = string | ((atMs: number) => string);

export class StaleView {
  /** The object handed to the policy (its fields are replaced, never mutated). */
  readonly view: InstanceView;
  private readonly phaseMs: number;
  private capturedTickMs = Number.NEGATIVE_INFINITY;
  private readonly pending: PendingPlacement[] = [];
  /** Time each pending placement reached the instance (Infinity until it does). */
  private readonly deliveredMs: number[] = [];

  constructor(
    id: string,
    private readonly profile: ProfileName,
    private readonly source: SnapshotSource,
    private readonly intervalMs: number,
    index: number,
    count: number,
  ) {
    this.phaseMs = (index / count) * intervalMs;
    const first = source.snapshot();
    this.view = {
      id,
      profile: typeof profile === 'string' ? profile : profile(0),
      status: 'ready',
      snapshot: stamp(first, 0),
      pending: [],
    };
    // The instance's cache as the policy sees it: its cache events applied at each snapshot.
    if (first.prefixCache !== undefined && source.drainPrefixEvents) {
      this.prefixIndex = new PrefixIndex(first.config.blockSize);
      this.prefixIndex.apply(source.drainPrefixEvents());
      this.view.prefixCache = this.prefixIndex;
    }
  }

  private readonly prefixIndex: PrefixIndex | undefined;

  /** The latest publication time ≤ `nowMs` (−∞ before the first). */
  tickAtOrBefore(nowMs: number): number {
    if (nowMs < this.phaseMs) return Number.NEGATIVE_INFINITY;
    return this.phaseMs + Math.floor((nowMs - this.phaseMs) / this.intervalMs) * this.intervalMs;
  }

  /**
   * Call before the instance's state changes at `nowMs` and before a view is read at `nowMs`.
   * `nextArrivalMs` is the earliest time a policy may read the view again.
   */
  sync(nowMs: number, nextArrivalMs: number): void {
    const tick = this.tickAtOrBefore(nowMs);
    if (tick <= this.capturedTickMs) return;
    this.capturedTickMs = tick;
    // Nobody reads this publication if the next arrival is at or after the following one.
    if (nextArrivalMs >= tick + this.intervalMs) return;
    this.view.snapshot = stamp(this.source.snapshot(), tick);
    if (this.prefixIndex) this.prefixIndex.apply(this.source.drainPrefixEvents!());
    if (typeof this.profile !== 'string') this.view.profile = this.profile(tick);
    this.prune(tick);
  }

  /** A placement decided now; it stays pending until a snapshot taken after its delivery. */
  addPending(p: PendingPlacement): void {
    this.pending.push(p);
    this.deliveredMs.push(Number.POSITIVE_INFINITY);
    this.view.pending = this.pending.slice();
  }

  /** The placement's work reached the instance at `atMs`. */
  delivered(requestId: string, atMs: number): void {
    for (let k = 0; k < this.pending.length; k++) {
      if (this.pending[k]!.requestId === requestId && this.deliveredMs[k] === Infinity) {
        this.deliveredMs[k] = atMs;
        return;
      }
    }
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  private prune(tickMs: number): void {
    let w = 0;
    for (let r = 0; r < this.pending.length; r++) {
      // Delivered strictly before the publication: the snapshot already includes it.
      if (this.deliveredMs[r]! < tickMs) continue;
      this.pending[w] = this.pending[r]!;
      this.deliveredMs[w] = this.deliveredMs[r]!;
      w++;
    }
    if (w === this.pending.length) return;
    this.pending.length = w;
    this.deliveredMs.length = w;
    this.view.pending = this.pending.slice();
  }
}

function stamp(s: InstanceSnapshot, atMs: number): InstanceSnapshot {
  return s.atMs === atMs ? s : { ...s, atMs };
}

/**
 * One instance's snapshots and prefix-cache events read by several views (balancer replicas):
 * `reader(k)` is view k's source, and every reader gets every event once, in order.
 */
export class SharedSource {
  private log: PrefixCacheEvent[] = [];
  private readonly cursors: number[];

  constructor(
    private readonly source: SnapshotSource,
    readers: number,
  ) {
    this.cursors = new Array<number>(readers).fill(0);
  }

  reader(k: number): SnapshotSource {
    const snapshot = () => this.source.snapshot();
    if (this.source.drainPrefixEvents === undefined) return { snapshot };
    return { snapshot, drainPrefixEvents: () => this.drain(k) };
  }

  private drain(k: number): PrefixCacheEvent[] {
    for (const e of this.source.drainPrefixEvents!()) this.log.push(e);
    const out = this.log.slice(this.cursors[k]);
    this.cursors[k] = this.log.length;
    const done = Math.min(...this.cursors);
    if (done > 0) {
      this.log = this.log.slice(done);
      for (let i = 0; i < this.cursors.length; i++) this.cursors[i]! -= done;
    }
    return out;
  }
}
