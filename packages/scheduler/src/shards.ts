/**
 * How balancer shards split the instances, the one rule the live balancer
 * (`@adagen/fleet`'s `FleetShards`) and the simulator (`--sharded`) share: by rank in a
 * fixed order, the instance at rank i belongs to shard i mod `shards`; with fewer instances than
 * shards, shard k also takes the instance at rank k mod count, so that no shard is left empty.
 */
export function inShard(rank: number, count: number, shard: number, shards: number): boolean {
  return rank % shards === shard || (count < shards && rank === shard % count);
}

/**
 * The shard a spilling shard offers a request to: one of the others, uniformly, from a draw in
 * [0, 1) (the live balancer's `Math.random()`, the simulator's seeded stream).
 */
export function otherShard(shard: number, shards: number, draw: number): number {
  return (shard + 1 + Math.floor(draw * (shards - 1))) % shards;
}

/**
 * When a shard offers another a request it predicts to miss on all of its own instances (the
 * spill; the live balancer's `shardSpill`, the simulator's `shardSpill`). Each offer costs the
 * other shard a decision, and when the whole fleet is overloaded most offers are declined: a
 * shard keeps a moving share of its recent offers that were taken (over about `memory` answers,
 * starting at 1) and offers always while it is at least one half, else with twice the share as
 * its chance, at least `minChance`. An unbalanced fleet keeps offering; an overloaded one mostly
 * stops. (Always offering cut two saturated shards' decisions to 1.08× one replica's;
 * docs/PERFORMANCE.md, "Shard spill, live".)
 */
export class OfferGate {
  private takenShare = 1;

  constructor(
    private readonly memory = 16,
    private readonly minChance = 1 / 16,
  ) {
    if (!(memory >= 1)) throw new RangeError(`memory: expected at least 1, got ${memory}`);
    if (!(minChance > 0 && minChance <= 1))
      throw new RangeError(`minChance: expected a number in (0, 1], got ${minChance}`);
  }

  /** The chance to offer now. */
  get chance(): number {
    return Math.min(1, Math.max(this.minChance, 2 * this.takenShare));
  }

  /** Whether to offer now, given a uniform draw in [0, 1). */
  offer(draw: number): boolean {
    return draw < this.chance;
  }

  /** An offer was answered: taken, or declined (or no shard there to answer). */
  answered(taken: boolean): void {
    this.takenShare += ((taken ? 1 : 0) - this.takenShare) / this.memory;
  }
}
