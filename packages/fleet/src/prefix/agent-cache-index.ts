/**
 * A balancer's index of what every agent's engine holds in its prefix cache, kept from the
 * agents' cache events (each agent's blocks in an engine `PrefixIndex`, the simulator's too) (`adagen.v1.agent.<id>.cache`): batches applied strictly in sequence
 * order, batches that arrive early held back until the gap fills, and a full snapshot that
 * replaces an agent's blocks and ends any gap — so lost or reordered batches cost at most one
 * snapshot period of staleness. Lookup gives, per agent, how many leading blocks of a prompt's
 * chained hashes it holds (a chained hash at position i stands for the whole prefix to block i).
 * Pure: no clock, no I/O.
 */
import { PrefixIndex } from '@adagen/engine';
import type { BlockHash } from '@adagen/engine';
import type { KvCacheMessage, KvCacheSnapshot, KvEventBatch } from '@adagen/protocol';

export interface AgentCacheIndexOptions {
  /** Tokens per block of the hashes looked up; messages in another block size are refused. */
  readonly blockSize: number;
  /**
   * Batches past a gap held back per agent (waiting for the missing one or a snapshot); the
   * oldest is dropped beyond this.
   * @default 256
   */
  readonly maxHeldBatches?: number;
}

/** What applying one message did. */
export type ApplyOutcome =
  /** Applied (with any held-back batches it unblocked). */
  | 'applied'
  /** A snapshot replaced the agent's blocks. */
  | 'resynced'
  /** Early: a batch before it is missing; held back. */
  | 'held'
  /** Already reflected (duplicate, or older than the last snapshot), or of an older epoch. */
  | 'stale'
  /** In another block size than the index's: ignored. */
  | 'wrong_block_size';

export interface AgentCacheStatus {
  readonly epoch: number;
  /** Last batch applied (the snapshot's `seq` after a resync). */
  readonly seq: number;
  readonly blocks: number;
  /** Batches held back behind a gap. */
  readonly held: number;
  /** False while a gap is open (until it fills or a snapshot arrives). */
  readonly inSync: boolean;
  /** The agent's last snapshot said it listed only part of its blocks. */
  readonly truncated: boolean;
}

interface AgentCache {
  epoch: number;
  seq: number;
  blocks: PrefixIndex;
  held: Map<number, KvEventBatch>;
  truncated: boolean;
}

export interface AgentCacheIndexCounters {
  batches: number;
  snapshots: number;
  /** Gaps seen (a batch arrived past a missing one). */
  gaps: number;
  /** Snapshots that ended an open gap. */
  recoveries: number;
  stale: number;
  wrongBlockSize: number;
  /** Held batches dropped because too many were waiting. */
  overflow: number;
}

export class AgentCacheIndex {
  readonly blockSize: number;
  private readonly maxHeld: number;
  private readonly agents = new Map<string, AgentCache>();
  readonly counters: AgentCacheIndexCounters = {
    batches: 0,
    snapshots: 0,
    gaps: 0,
    recoveries: 0,
    stale: 0,
    wrongBlockSize: 0,
    overflow: 0,
  };

  constructor(options: AgentCacheIndexOptions) {
    if (!Number.isSafeInteger(options.blockSize) || options.blockSize < 1)
      throw new RangeError(`blockSize: expected an integer >= 1, got ${options.blockSize}`);
    this.blockSize = options.blockSize;
    this.maxHeld = options.maxHeldBatches ?? 256;
  }

  /** Applies one batch or snapshot from an agent. */
  apply(message: KvCacheMessage): ApplyOutcome {
    if (message.blockSize !== this.blockSize) {
      this.counters.wrongBlockSize++;
      return 'wrong_block_size';
    }
    const outcome =
      message.type === 'kv_events' ? this.applyBatch(message) : this.applySnapshot(message);
    if (outcome === 'stale') this.counters.stale++;
    return outcome;
  }

  /** Forgets an agent (it left the fleet). */
  remove(instanceId: string): void {
    this.agents.delete(instanceId);
  }

  /** Whether the agent publishes cache events (it has sent at least one message). */
  has(instanceId: string): boolean {
    return this.agents.has(instanceId);
  }

  instanceIds(): string[] {
    return [...this.agents.keys()].sort();
  }

  status(instanceId: string): AgentCacheStatus | undefined {
    const a = this.agents.get(instanceId);
    if (a === undefined) return undefined;
    return {
      epoch: a.epoch,
      seq: a.seq,
      blocks: a.blocks.size,
      held: a.held.size,
      inSync: a.held.size === 0,
      truncated: a.truncated,
    };
  }

  /** The agent's blocks (a `PrefixLookup`), when it sends events. */
  lookup(instanceId: string): PrefixIndex | undefined {
    return this.agents.get(instanceId)?.blocks;
  }

  /** Whether the agent holds this block. */
  holds(instanceId: string, hash: BlockHash): boolean {
    return this.agents.get(instanceId)?.blocks.has(hash) ?? false;
  }

  /** Leading blocks of `hashes` the agent holds (0 for an agent without events). */
  matchedBlocks(instanceId: string, hashes: readonly BlockHash[]): number {
    return this.agents.get(instanceId)?.blocks.matchBlocks(hashes) ?? 0;
  }

  /** Total blocks indexed, over every agent. */
  get totalBlocks(): number {
    let n = 0;
    for (const a of this.agents.values()) n += a.blocks.size;
    return n;
  }

  private entry(instanceId: string, epoch: number): AgentCache | undefined {
    const a = this.agents.get(instanceId);
    if (a !== undefined && epoch < a.epoch) return undefined; // an older incarnation
    if (a !== undefined && epoch === a.epoch) return a;
    // New agent, or it restarted: its old blocks are gone with its old engine.
    const fresh: AgentCache = {
      epoch,
      seq: 0,
      blocks: new PrefixIndex(this.blockSize),
      held: new Map(),
      truncated: false,
    };
    this.agents.set(instanceId, fresh);
    return fresh;
  }

  private applyBatch(b: KvEventBatch): ApplyOutcome {
    this.counters.batches++;
    const a = this.entry(b.instanceId, b.epoch);
    if (a === undefined || b.seq <= a.seq || a.held.has(b.seq)) return 'stale';
    if (b.seq > a.seq + 1) {
      if (a.held.size === 0) this.counters.gaps++;
      a.held.set(b.seq, b);
      if (a.held.size > this.maxHeld) {
        a.held.delete(Math.min(...a.held.keys()));
        this.counters.overflow++;
      }
      return 'held';
    }
    applyEvents(a, b);
    this.drainHeld(a);
    return 'applied';
  }

  private applySnapshot(s: KvCacheSnapshot): ApplyOutcome {
    this.counters.snapshots++;
    const a = this.entry(s.instanceId, s.epoch);
    // Batches up to a.seq are applied: an older snapshot has nothing to add (if a gap is open,
    // the next snapshot closes it).
    if (a === undefined || s.seq < a.seq) return 'stale';
    const hadGap = a.held.size > 0;
    a.blocks = new PrefixIndex(this.blockSize);
    a.blocks.apply([{ type: 'stored', blockHashes: s.blockHashes }]);
    a.seq = s.seq;
    a.truncated = s.truncated === true;
    for (const seq of [...a.held.keys()]) if (seq <= s.seq) a.held.delete(seq);
    this.drainHeld(a);
    if (hadGap) this.counters.recoveries++;
    return 'resynced';
  }

  /** Applies held batches that now follow on. */
  private drainHeld(a: AgentCache): void {
    for (let next = a.held.get(a.seq + 1); next !== undefined; next = a.held.get(a.seq + 1)) {
      a.held.delete(next.seq);
      applyEvents(a, next);
    }
  }
}

function applyEvents(a: AgentCache, b: KvEventBatch): void {
  for (const e of b.events) {
    if (e.type === 'cleared') a.blocks.clear();
    else a.blocks.apply([e]);
  }
  a.seq = b.seq;
}
