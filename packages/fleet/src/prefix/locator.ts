/**
 * Where a prompt's prefix is cached, as a balancer sees it: the event index for agents that
 * publish cache events, the index of its own (and its peers') placements for those that do not
 * (kept `placedTtlMs`, Dynamo's approximate mode), and — on top of the events — the placements of
 * the last `pendingTtlMs`, whose blocks no `stored` event can show yet. Pure.
 */
import type { BlockHash, PrefixLookup } from '@adagen/engine';
import type { KvCacheMessage } from '@adagen/protocol';
import { PlacedIndex } from './placed-index.js';
import { AgentCacheIndex } from './agent-cache-index.js';
import type { ApplyOutcome } from './agent-cache-index.js';

export interface PrefixLocatorOptions {
  /** Tokens per hashed block (the classifier's and every agent's). */
  readonly blockSize: number;
  /** How long a placement counts as cached on an agent without events. @default 120000 (Dynamo's TTL) */
  readonly placedTtlMs?: number;
  /** How long a placement counts on an agent with events (until its blocks are stored). @default 10000 */
  readonly pendingTtlMs?: number;
  /** @default 256 */
  readonly maxHeldBatches?: number;
  /** @default 100000 */
  readonly maxPlacedBlocksPerInstance?: number;
}

/** Cached prefix of a prompt on one agent, and what the figure rests on. */
export interface PrefixMatch {
  readonly blocks: number;
  readonly source: 'events' | 'placements';
}

export class PrefixLocator {
  readonly events: AgentCacheIndex;
  readonly placements: PlacedIndex;
  readonly blockSize: number;
  private readonly placedTtlMs: number;
  private readonly pendingTtlMs: number;

  constructor(options: PrefixLocatorOptions) {
    this.blockSize = options.blockSize;
    this.events = new AgentCacheIndex({
      blockSize: options.blockSize,
      ...(options.maxHeldBatches === undefined ? {} : { maxHeldBatches: options.maxHeldBatches }),
    });
    this.placements = new PlacedIndex(
      options.maxPlacedBlocksPerInstance === undefined
        ? {}
        : { maxBlocksPerInstance: options.maxPlacedBlocksPerInstance },
    );
    this.placedTtlMs = options.placedTtlMs ?? 120_000;
    this.pendingTtlMs = options.pendingTtlMs ?? 10_000;
  }

  /** An agent's cache batch or snapshot. */
  apply(message: KvCacheMessage): ApplyOutcome {
    return this.events.apply(message);
  }

  /** Whether the agent publishes cache events (placements then only bridge until `stored`). */
  hasEvents(instanceId: string): boolean {
    return this.events.has(instanceId);
  }

  /** A request with these prompt blocks was placed on the agent (by this balancer or a peer). */
  placed(instanceId: string, hashes: readonly BlockHash[], nowMs: number): void {
    const ttl = this.hasEvents(instanceId) ? this.pendingTtlMs : this.placedTtlMs;
    this.placements.record(instanceId, hashes, nowMs, ttl);
  }

  /** The prompt's cached prefix on the agent at `nowMs`. */
  match(instanceId: string, hashes: readonly BlockHash[], nowMs: number): PrefixMatch {
    const placed = this.placements.matchedBlocks(instanceId, hashes, nowMs);
    if (!this.hasEvents(instanceId)) return { blocks: placed, source: 'placements' };
    return {
      blocks: Math.max(placed, this.events.matchedBlocks(instanceId, hashes)),
      source: 'events',
    };
  }

  /**
   * The agent's cache as policies see it (`InstanceView.prefixCache`): `match` at `nowMs`.
   * Undefined when nothing is known of it (no events, no placement with a prefix).
   */
  lookup(instanceId: string, nowMs: number): PrefixLookup | undefined {
    const events = this.events.lookup(instanceId);
    const placed = this.placements.size(instanceId);
    if (events === undefined && placed === 0) return undefined;
    return {
      blockSize: this.blockSize,
      size: Math.max(events?.size ?? 0, placed),
      matchBlocks: (hashes, maxBlocks = hashes.length) =>
        Math.min(maxBlocks, this.match(instanceId, hashes, nowMs).blocks),
    };
  }

  /** Forgets an agent that left. */
  remove(instanceId: string): void {
    this.events.remove(instanceId);
    this.placements.remove(instanceId);
  }

  /** Drops expired placements. */
  sweep(nowMs: number): void {
    this.placements.sweep(nowMs);
  }
}
