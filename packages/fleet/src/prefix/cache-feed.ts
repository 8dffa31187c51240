/**
 * An agent's side of the prefix-cache events: the engine's cache changes (stored / removed /
 * cleared, in order — from an engine that logs them, or from `heldChanges` diffing what it holds)
 * become numbered batches (`kv_events`, `seq` 1, 2, … within the agent's `epoch`) and, every
 * snapshot period, a full `kv_snapshot` of the blocks held, numbered with the last batch it
 * reflects. Pure: the caller publishes and keeps time.
 */
import type { BlockHash } from '@adagen/engine';
import { LIMITS } from '@adagen/protocol';
import type { KvCacheEvent, KvCacheSnapshot, KvEventBatch } from '@adagen/protocol';

/** What an engine's prefix cache tells the agent. */
export interface PrefixCacheSource {
  /** Tokens per hashed block. */
  readonly blockSize: number;
  /** Changes since the last call, in order. */
  changes(): KvCacheEvent[];
  /** What the engine holds now, read without taking changes (engines that can say). */
  blocks?(): ReadonlySet<BlockHash>;
}

/** Hashes per batch at most (about 450 KiB of msgpack, well under NATS's 1 MiB). */
const BLOCKS_PER_BATCH = 50_000;

export interface CacheFeedOptions {
  readonly instanceId: string;
  /** The agent's start (fleet ms): a restarted agent's batches start again at seq 1. */
  readonly epoch: number;
  readonly blockSize: number;
}

export class CacheFeed {
  private seq = 0;
  /** Blocks held, in the order stored (the last are the most recent). */
  private readonly held = new Set<BlockHash>();
  private queued: KvCacheEvent[] = [];

  constructor(private readonly o: CacheFeedOptions) {}

  /** Blocks the engine holds now. */
  get size(): number {
    return this.held.size;
  }

  /** Records changes (to send with the next batch). */
  push(changes: readonly KvCacheEvent[]): void {
    for (const e of changes) {
      switch (e.type) {
        case 'stored':
          for (const h of e.blockHashes) {
            this.held.delete(h);
            this.held.add(h);
          }
          break;
        case 'removed':
          for (const h of e.blockHashes) this.held.delete(h);
          break;
        case 'cleared':
          this.held.clear();
          break;
      }
      this.queued.push(e);
    }
  }

  /** The changes recorded since the last call, as batches (none when nothing changed). */
  takeBatches(atMs: number): KvEventBatch[] {
    if (this.queued.length === 0) return [];
    const out: KvEventBatch[] = [];
    let events: KvCacheEvent[] = [];
    let blocks = 0;
    const flush = () => {
      if (events.length === 0) return;
      out.push({
        v: 1,
        type: 'kv_events',
        instanceId: this.o.instanceId,
        epoch: this.o.epoch,
        seq: ++this.seq,
        atMs,
        blockSize: this.o.blockSize,
        events,
      });
      events = [];
      blocks = 0;
    };
    for (const e of splitLarge(this.queued)) {
      const n = e.type === 'cleared' ? 0 : e.blockHashes.length;
      if (blocks + n > BLOCKS_PER_BATCH || events.length >= LIMITS.kvEventsPerBatch) flush();
      events.push(e);
      blocks += n;
    }
    flush();
    this.queued = [];
    return out;
  }

  /**
   * Everything held, as of the last batch taken (take batches first, so it reflects the
   * changes pushed so far). Beyond `LIMITS.kvSnapshotBlocks` the most recently stored are listed.
   */
  snapshot(atMs: number): KvCacheSnapshot {
    const all = [...this.held];
    const truncated = all.length > LIMITS.kvSnapshotBlocks;
    const s: KvCacheSnapshot = {
      v: 1,
      type: 'kv_snapshot',
      instanceId: this.o.instanceId,
      epoch: this.o.epoch,
      seq: this.seq,
      atMs,
      blockSize: this.o.blockSize,
      blockHashes: truncated ? all.slice(all.length - LIMITS.kvSnapshotBlocks) : all,
    };
    if (truncated) s.truncated = true;
    return s;
  }
}

/** Events naming more blocks than a batch carries, cut into pieces. */
function* splitLarge(events: readonly KvCacheEvent[]): Generator<KvCacheEvent> {
  for (const e of events) {
    if (e.type === 'cleared' || e.blockHashes.length <= BLOCKS_PER_BATCH) {
      yield e;
      continue;
    }
    for (let i = 0; i < e.blockHashes.length; i += BLOCKS_PER_BATCH) {
      const blockHashes = e.blockHashes.slice(i, i + BLOCKS_PER_BATCH);
      if (e.type === 'removed') yield { type: 'removed', blockHashes };
      else if (i === 0) yield { ...e, blockHashes };
      else yield { type: 'stored', blockHashes };
    }
  }
}

/**
 * For an engine that can say what it holds but logs no changes (llama.cpp's sequences): the
 * changes from `before` to `now`, as one `removed` and one `stored` event (each omitted when
 * empty). `now` is iterated in order, so stored blocks keep their chain order.
 */
export function heldChanges(
  before: ReadonlySet<BlockHash>,
  now: ReadonlySet<BlockHash>,
): KvCacheEvent[] {
  const removed: BlockHash[] = [];
  for (const h of before) if (!now.has(h)) removed.push(h);
  const stored: BlockHash[] = [];
  for (const h of now) if (!before.has(h)) stored.push(h);
  const out: KvCacheEvent[] = [];
  if (removed.length > 0) out.push({ type: 'removed', blockHashes: removed });
  if (stored.length > 0) out.push({ type: 'stored', blockHashes: stored });
  return out;
}
