/**
 * The approximate prefix index of the balancer's own decisions (Dynamo's KV router without
 * events: its placements, kept for a TTL, 120 s there): a request placed on an instance is taken
 * to leave its prompt's blocks cached there until they expire. Used for agents that publish no
 * cache events, and — with a short TTL — on top of the events, for the blocks of requests placed
 * but not prefilled yet (no `stored` event can have arrived for them). Bounded per instance:
 * the least recently placed blocks go first. Pure: every call takes the fleet time.
 */
import type { BlockHash } from '@adagen/engine';

export interface PlacedIndexOptions {
  /**
   * Blocks an instance keeps per instance at most (least recently placed dropped first).
   * @default 100000
   */
  readonly maxBlocksPerInstance?: number;
}

export class PlacedIndex {
  private readonly maxBlocks: number;
  /** Per instance: block → expiry (fleet ms), in the order last placed. */
  private readonly instances = new Map<string, Map<BlockHash, number>>();

  constructor(options: PlacedIndexOptions = {}) {
    this.maxBlocks = options.maxBlocksPerInstance ?? 100_000;
    if (!Number.isSafeInteger(this.maxBlocks) || this.maxBlocks < 1)
      throw new RangeError(`maxBlocksPerInstance: expected an integer >= 1, got ${this.maxBlocks}`);
  }

  /** A request with these prompt blocks was placed on `instanceId` at `nowMs`, kept `ttlMs`. */
  record(instanceId: string, hashes: readonly BlockHash[], nowMs: number, ttlMs: number): void {
    if (hashes.length === 0) return;
    let blocks = this.instances.get(instanceId);
    if (blocks === undefined)
      this.instances.set(instanceId, (blocks = new Map<BlockHash, number>()));
    const until = nowMs + ttlMs;
    for (const h of hashes) {
      const was = blocks.get(h);
      blocks.delete(h); // re-inserted last: the most recently placed
      blocks.set(h, Math.max(until, was ?? 0));
    }
    for (const h of blocks.keys()) {
      if (blocks.size <= this.maxBlocks) break;
      blocks.delete(h);
    }
  }

  /** Leading blocks of `hashes` placed on the instance and not expired at `nowMs`. */
  matchedBlocks(instanceId: string, hashes: readonly BlockHash[], nowMs: number): number {
    const blocks = this.instances.get(instanceId);
    if (blocks === undefined) return 0;
    let n = 0;
    while (n < hashes.length && (blocks.get(hashes[n]!) ?? -Infinity) > nowMs) n++;
    return n;
  }

  /** Drops expired blocks (call now and then); returns how many. */
  sweep(nowMs: number): number {
    let dropped = 0;
    for (const [id, blocks] of this.instances) {
      for (const [h, until] of blocks)
        if (until <= nowMs) {
          blocks.delete(h);
          dropped++;
        }
      if (blocks.size === 0) this.instances.delete(id);
    }
    return dropped;
  }

  remove(instanceId: string): void {
    this.instances.delete(instanceId);
  }

  /** Blocks kept for an instance (expired ones included until swept). */
  size(instanceId: string): number {
    return this.instances.get(instanceId)?.size ?? 0;
  }
}
