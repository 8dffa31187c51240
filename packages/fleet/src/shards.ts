/**
 * Which agents a sharded balancer replica follows and places on.
 *
 * With `shards` = N > 1, the balancer replicas split the fleet: replica k (its `shard`) follows
 * the states of only its share of the agents, decodes nothing of the others', and places every
 * request it is handed on one of its own. A replica of a full view reads every agent's every
 * state and every peer's placement notice, which costs it CPU for decisions made elsewhere; a
 * shard pays only for its own agents (docs/PERFORMANCE.md, "Balancer shards"). The price is
 * balance: a request handed to shard k cannot go to a less loaded agent of another shard.
 *
 * The split is by rank, so that shards get as many agents as each other (a hash of the id would
 * leave 64 agents split 28 / 36 as often as not): every replica keeps the ids of all agents it
 * hears from — read from the state's subject, not decoded — and the agent at rank i in id order
 * belongs to shard i mod N. Every replica hears the same agents, so they agree on the split
 * without talking. When there are fewer agents than shards, shard k also takes the agent at rank
 * k mod count, so that no shard is left with nothing to place on.
 *
 * An agent joining or leaving moves the ranks after it: a shard that gains an agent places on it
 * once it holds the agent's next full state (agents send one every `fullStateEveryMs`, 1 s by
 * default); one that loses an agent drops it from its view at once.
 */
import { inShard } from '@adagen/scheduler';

export interface ShardOptions {
  /** Shards the fleet is split into (1: every replica follows every agent). */
  readonly shards: number;
  /** This replica's shard, 0 ≤ shard < shards. */
  readonly shard: number;
  /**
   * An agent not heard from for this long, while others were heard, leaves the split (fleet
   * ms). Longer than the view's own bound, so a hiccup does not move the ranks.
   */
  readonly forgetAfterMs: number;
}

export class FleetShards {
  readonly shards: number;
  readonly shard: number;
  private readonly forgetAfterMs: number;
  /** Every agent heard from, and when last (fleet ms). */
  private readonly heardAtMs = new Map<string, number>();
  /** The agents this shard owns; undefined once the agents change (recomputed on demand). */
  private ownedIds: Set<string> | undefined;

  constructor(o: ShardOptions) {
    if (!Number.isInteger(o.shards) || o.shards < 1)
      throw new RangeError(`shards: expected a positive integer, got ${o.shards}`);
    if (!Number.isInteger(o.shard) || o.shard < 0 || o.shard >= o.shards)
      throw new RangeError(
        `shard: expected 0 to ${o.shards - 1} (shards is ${o.shards}), got ${o.shard}`,
      );
    if (!(o.forgetAfterMs > 0))
      throw new RangeError(`forgetAfterMs: expected a positive number, got ${o.forgetAfterMs}`);
    this.shards = o.shards;
    this.shard = o.shard;
    this.forgetAfterMs = o.forgetAfterMs;
  }

  /** Agents heard from (all shards). */
  get known(): number {
    return this.heardAtMs.size;
  }

  /** Records that `id` was heard from; true if it is new (the split may have moved). */
  heard(id: string, nowMs: number): boolean {
    const fresh = !this.heardAtMs.has(id);
    this.heardAtMs.set(id, nowMs);
    if (fresh) this.ownedIds = undefined;
    return fresh;
  }

  /** Takes `id` out of the split (it announced `down`); true if it was in it. */
  forget(id: string): boolean {
    const had = this.heardAtMs.delete(id);
    if (had) this.ownedIds = undefined;
    return had;
  }

  /**
   * Takes out agents quiet for `forgetAfterMs` while the newest agent was heard at least half
   * that more recently (when every agent is quiet at once, this replica is likelier the one that
   * stopped reading); returns their ids.
   */
  sweep(nowMs: number): string[] {
    let newestMs = Number.NEGATIVE_INFINITY;
    for (const t of this.heardAtMs.values()) newestMs = Math.max(newestMs, t);
    const gone: string[] = [];
    for (const [id, t] of this.heardAtMs)
      if (nowMs - t > this.forgetAfterMs && newestMs - t > this.forgetAfterMs / 2) gone.push(id);
    for (const id of gone) this.heardAtMs.delete(id);
    if (gone.length > 0) this.ownedIds = undefined;
    return gone;
  }

  /** Whether this shard follows and places on `id` (false for an agent never heard from). */
  owns(id: string): boolean {
    return this.owned().has(id);
  }

  /** The agents this shard owns. */
  owned(): ReadonlySet<string> {
    if (this.ownedIds === undefined) this.ownedIds = this.split();
    return this.ownedIds;
  }

  private split(): Set<string> {
    const ids = [...this.heardAtMs.keys()].sort();
    return new Set(ids.filter((_, i) => inShard(i, ids.length, this.shard, this.shards)));
  }
}
