/**
 * The llama engine's prefix cache as the agent reports it: llama.cpp keeps each sequence's KV
 * (a running request's, and an idle sequence's for reuse by the next request sharing its
 * prefix), so the blocks held are the chained hashes of the full blocks of every sequence's
 * tokens — the engine's real contents, read at each call and diffed against the last.
 */
import { promptBlockHashes } from '@adagen/engine';
import type { BlockHash } from '@adagen/engine';
import { heldChanges } from '@adagen/fleet';
import type { PrefixCacheSource } from '@adagen/fleet';
import type { KvCacheEvent } from '@adagen/protocol';

export class LlamaCacheSource implements PrefixCacheSource {
  private held = new Set<BlockHash>();

  constructor(
    private readonly engine: { heldTokens(): number[][] },
    readonly blockSize: number,
  ) {}

  /** The blocks the engine's sequences hold now. */
  blocks(): Set<BlockHash> {
    const now = new Set<BlockHash>();
    for (const tokens of this.engine.heldTokens())
      for (const h of promptBlockHashes(tokens, this.blockSize)) now.add(h);
    return now;
  }

  changes(): KvCacheEvent[] {
    const now = this.blocks();
    const events = heldChanges(this.held, now);
    this.held = now;
    return events;
  }
}
