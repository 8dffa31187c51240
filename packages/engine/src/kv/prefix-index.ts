import type { PrefixCacheEvent } from './prefix-cache.js';
import type { BlockHash } from './prefix-hash.js';

/** What a router needs to know about one instance's prefix cache: how much of a prompt is there. */
export interface PrefixLookup {
  /** Tokens per block of the instance (hashes of another block size never match). */
  readonly blockSize: number;
  /** Cached blocks known. */
  readonly size: number;
  /** Changes whenever the known blocks may have changed (lets callers memoise matches). */
  readonly version?: number;
  /** Leading blocks of `hashes` cached on the instance, at most `maxBlocks`. */
  matchBlocks(hashes: readonly BlockHash[], maxBlocks?: number): number;
}

/**
 * An instance's cached blocks as a router sees them: built from the instance's cache events
 * (stored / removed hashes, applied in order), so it is exact as of the last event applied — the
 * instance's snapshot time in the simulator, the last event received in the live fleet.
 */
export class PrefixIndex implements PrefixLookup {
  private readonly blocks = new Set<BlockHash>();
  private changes = 0;

  constructor(readonly blockSize: number) {
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
      throw new RangeError(`blockSize must be an integer >= 1, got ${blockSize}`);
    }
  }

  get size(): number {
    return this.blocks.size;
  }

  get version(): number {
    return this.changes;
  }

  has(hash: BlockHash): boolean {
    return this.blocks.has(hash);
  }

  apply(events: readonly PrefixCacheEvent[]): void {
    if (events.length > 0) this.changes++;
    const b = this.blocks;
    for (const e of events) {
      const hashes = e.blockHashes;
      if (e.type === 'stored') for (let i = 0; i < hashes.length; i++) b.add(hashes[i]!);
      else for (let i = 0; i < hashes.length; i++) b.delete(hashes[i]!);
    }
  }

  /** Forgets everything (vLLM's AllBlocksCleared). */
  clear(): void {
    this.changes++;
    this.blocks.clear();
  }

  matchBlocks(hashes: readonly BlockHash[], maxBlocks = hashes.length): number {
    const n = Math.min(maxBlocks, hashes.length);
    let k = 0;
    while (k < n && this.blocks.has(hashes[k]!)) k++;
    return k;
  }
}

/**
 * Prompt tokens an instance would reuse from its prefix cache for a prompt with these block
 * hashes (`blockSize` their block size): the longest cached prefix, never the whole prompt (the
 * last token is always computed, as in vLLM). 0 when the block sizes differ or nothing is known.
 */
export function cachedPrefixTokens(
  lookup: PrefixLookup | undefined,
  prefix: { blockSize: number; blockHashes: readonly BlockHash[] } | undefined,
  promptTokens: number,
): number {
  if (lookup === undefined || prefix === undefined || lookup.blockSize !== prefix.blockSize) {
    return 0;
  }
  const bs = prefix.blockSize;
  return lookup.matchBlocks(prefix.blockHashes, Math.floor((promptTokens - 1) / bs)) * bs;
}
