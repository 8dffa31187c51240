import type { BlockHash } from './prefix-hash.js';

/**
 * The cached KV blocks of one instance, by chained block hash (vLLM's automatic prefix caching):
 * each cached block has a reference count (the requests using it); a block whose count drops to
 * 0 stays cached in an LRU list of free blocks and is evicted only when a new block is needed
 * and no other free block is left. The engine's scheduler keeps the block counts; this keeps
 * which blocks are cached, their counts and their eviction order.
 *
 * Deviation from vLLM (its free queue also holds never-cached blocks in free order): here blocks
 * that were never cached are always reused first, so a cached free block is evicted only when
 * every free block is a cached one. vLLM frees a request's blocks tail first so that the prefix
 * is evicted last; `release` callers do the same.
 *
 * Changes can be recorded as events (the shape of vLLM's KV events: stored / removed block
 * hashes, in order) for an index kept elsewhere (`drainEvents`).
 */
export interface PrefixCacheEvent {
  type: 'stored' | 'removed';
  blockHashes: BlockHash[];
}

interface Entry {
  hash: BlockHash;
  ref: number;
  /** LRU list of free entries (ref 0): older toward `prev`. */
  prev: Entry | undefined;
  next: Entry | undefined;
}

export class PrefixCache {
  private readonly map = new Map<BlockHash, Entry>();
  /** Least recently freed (evicted first). */
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private freeCount = 0;
  /** Stored hashes as h, removed as −(h + 1), in order; only while `recording`. */
  private log: number[] = [];
  recording = false;
  /** Prompt tokens looked up at admissions (vLLM's prefix_cache_queries). */
  queriedTokens = 0;
  /** Of those, tokens found cached (vLLM's prefix_cache_hits). */
  hitTokens = 0;
  evictedBlocks = 0;

  /** Cached blocks (in use or free). */
  get size(): number {
    return this.map.size;
  }

  /** Cached blocks no request uses (evictable). */
  get freeCached(): number {
    return this.freeCount;
  }

  has(hash: BlockHash): boolean {
    return this.map.has(hash);
  }

  /** Reference count of a cached block (undefined when not cached). */
  refOf(hash: BlockHash): number | undefined {
    return this.map.get(hash)?.ref;
  }

  /** Leading blocks of `hashes` that are cached, at most `maxBlocks`. */
  matchBlocks(hashes: readonly BlockHash[], maxBlocks = hashes.length): number {
    const n = Math.min(maxBlocks, hashes.length);
    let k = 0;
    while (k < n && this.map.has(hashes[k]!)) k++;
    return k;
  }

  /** Of the first `blocks` of `hashes` (all cached), how many are free (ref 0). */
  freeAmong(hashes: readonly BlockHash[], blocks: number): number {
    let n = 0;
    for (let i = 0; i < blocks; i++) if (this.map.get(hashes[i]!)!.ref === 0) n++;
    return n;
  }

  /** One more user of a cached block; true if it was free (it now counts as used). */
  acquire(hash: BlockHash): boolean {
    const e = this.map.get(hash);
    if (e === undefined) throw new Error(`prefix cache: block ${hash} is not cached`);
    e.ref++;
    if (e.ref > 1) return false;
    this.unlink(e);
    return true;
  }

  /** One user fewer; true if the block became free (it stays cached, most recently used). */
  release(hash: BlockHash): boolean {
    const e = this.map.get(hash);
    if (e === undefined || e.ref === 0) {
      throw new Error(`prefix cache: block ${hash} released more often than acquired`);
    }
    e.ref--;
    if (e.ref > 0) return false;
    this.append(e);
    return true;
  }

  /** Caches a newly computed block with one user; false (nothing done) if already cached. */
  store(hash: BlockHash): boolean {
    if (this.map.has(hash)) return false;
    this.map.set(hash, { hash, ref: 1, prev: undefined, next: undefined });
    if (this.recording) this.log.push(hash);
    return true;
  }

  /** Evicts the least recently freed block; false if none is free. */
  evictOne(): boolean {
    const e = this.head;
    if (e === undefined) return false;
    this.unlink(e);
    this.map.delete(e.hash);
    this.evictedBlocks++;
    if (this.recording) this.log.push(-(e.hash + 1));
    return true;
  }

  /** Cached hashes, most recently freed last; blocks in use first (for snapshots and tests). */
  hashes(): BlockHash[] {
    const used: BlockHash[] = [];
    for (const e of this.map.values()) if (e.ref > 0) used.push(e.hash);
    for (let e = this.head; e !== undefined; e = e.next) used.push(e.hash);
    return used;
  }

  /** The changes since the last drain, grouped into runs of one type, in order. */
  drainEvents(): PrefixCacheEvent[] {
    const out: PrefixCacheEvent[] = [];
    let cur: PrefixCacheEvent | undefined;
    for (const v of this.log) {
      const type = v >= 0 ? 'stored' : 'removed';
      if (cur === undefined || cur.type !== type) {
        cur = { type, blockHashes: [] };
        out.push(cur);
      }
      cur.blockHashes.push(v >= 0 ? v : -v - 1);
    }
    this.log = [];
    return out;
  }

  /** An independent copy (same entries, counts, LRU order and counters; not recording). */
  copy(): PrefixCache {
    const c = new PrefixCache();
    for (const e of this.map.values()) {
      c.map.set(e.hash, { hash: e.hash, ref: e.ref, prev: undefined, next: undefined });
    }
    for (let e = this.head; e !== undefined; e = e.next) c.append(c.map.get(e.hash)!);
    c.queriedTokens = this.queriedTokens;
    c.hitTokens = this.hitTokens;
    c.evictedBlocks = this.evictedBlocks;
    return c;
  }

  private append(e: Entry): void {
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.freeCount++;
  }

  private unlink(e: Entry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = undefined;
    e.next = undefined;
    this.freeCount--;
  }
}
