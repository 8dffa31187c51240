/**
 * How balancer shards split the instances, the one rule the live balancer
 * (`@adagen/fleet`'s `FleetShards`) and the simulator (`--sharded`) share: by rank in a
 * fixed order, the instance at rank i belongs to shard i mod `shards`; with fewer instances than
 * shards, shard k also takes the instance at rank k mod count, so that no shard is left empty.
 */
export function inShard(rank: number, count: number, shard: number, shards: number): boolean {
  return rank % shards === shard || (count < shards && rank === shard % count);
}
