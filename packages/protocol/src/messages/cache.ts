/**
 * Prefix-cache events: what an agent's engine holds in its KV cache, as chained block hashes
 * (`adagen.v1.agent.<instanceId>.cache`). The shape follows vLLM's KV events (`--kv-events-config`:
 * an `EventBatch` of `BlockStored`, `BlockRemoved` and `AllBlocksCleared`): batches of events with a
 * per-agent sequence number, so a subscriber applies them in order and notices a gap, plus a
 * periodic full snapshot (`kv_snapshot`) that resynchronises a subscriber that lost or reordered
 * batches. Hashes are AdaGen's own chained block hashes (`promptBlockHashes` in
 * `@adagen/engine`): non-negative integers below 2^53, the hash of block i covering its tokens
 * and the hash of block i − 1, so the classifier's hashes of a prompt and an agent's hashes of
 * what its engine holds are comparable when both hash the same token ids with the same block size.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { boundedInt, idSchema, seqNumber, timestampMs, versionField } from './primitives.js';

/** A chained block hash: an integer in [0, 2^53). */
export const blockHash = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Tokens per hashed block. */
export const blockSizeField = boundedInt(LIMITS.blockSizeTokens).min(1);

/** Blocks newly held by the engine (vLLM's `BlockStored`), each chained from the previous one. */
export const kvBlockStoredSchema = z.object({
  type: z.literal('stored'),
  blockHashes: z.array(blockHash).min(1).max(LIMITS.kvEventBlocks),
  /** The hash the first block is chained from, when the blocks are one chain (vLLM's field). */
  parentBlockHash: blockHash.optional(),
});

/** Blocks the engine no longer holds (vLLM's `BlockRemoved`: evicted or freed for good). */
export const kvBlockRemovedSchema = z.object({
  type: z.literal('removed'),
  blockHashes: z.array(blockHash).min(1).max(LIMITS.kvEventBlocks),
});

/** The engine dropped every cached block (vLLM's `AllBlocksCleared`). */
export const kvAllClearedSchema = z.object({ type: z.literal('cleared') });

export const kvCacheEventSchema = z.discriminatedUnion('type', [
  kvBlockStoredSchema,
  kvBlockRemovedSchema,
  kvAllClearedSchema,
]);
export type KvCacheEvent = z.infer<typeof kvCacheEventSchema>;

/**
 * One batch of cache events (vLLM's `EventBatch`). `seq` grows by one per batch of an agent's
 * `epoch` (the agent's start, fleet ms: a restarted agent starts a new epoch at seq 1), so a
 * subscriber applies batches in order and knows when one is missing.
 */
export const kvEventBatchSchema = z.object({
  v: versionField,
  type: z.literal('kv_events'),
  instanceId: idSchema,
  epoch: timestampMs,
  seq: seqNumber.min(1),
  atMs: timestampMs,
  blockSize: blockSizeField,
  events: z.array(kvCacheEventSchema).min(1).max(LIMITS.kvEventsPerBatch),
});
export type KvEventBatch = z.infer<typeof kvEventBatchSchema>;

/**
 * Everything the engine holds, sent every snapshot period: a subscriber replaces its copy with
 * it and continues with batch `seq + 1` (`seq` is the last batch it reflects, 0 before any). When
 * the engine holds more than `LIMITS.kvSnapshotBlocks` blocks the most recently used are listed
 * and `truncated` is set.
 */
export const kvCacheSnapshotSchema = z.object({
  v: versionField,
  type: z.literal('kv_snapshot'),
  instanceId: idSchema,
  epoch: timestampMs,
  seq: seqNumber,
  atMs: timestampMs,
  blockSize: blockSizeField,
  blockHashes: z.array(blockHash).max(LIMITS.kvSnapshotBlocks),
  truncated: z.boolean().optional(),
});
export type KvCacheSnapshot = z.infer<typeof kvCacheSnapshotSchema>;

/** What travels on `adagen.v1.agent.<instanceId>.cache`. */
export const kvCacheMessageSchema = z.discriminatedUnion('type', [
  kvEventBatchSchema,
  kvCacheSnapshotSchema,
]);
export type KvCacheMessage = z.infer<typeof kvCacheMessageSchema>;

/**
 * A prompt's chained block hashes, computed by the classifier from its token ids and carried to
 * the balancer. At most `LIMITS.promptBlockHashes` (the prompt's first blocks: a prefix of a
 * prefix is still a prefix).
 */
export const promptPrefixSchema = z.object({
  blockSize: blockSizeField,
  blockHashes: z.array(blockHash).max(LIMITS.promptBlockHashes),
});
export type PromptPrefix = z.infer<typeof promptPrefixSchema>;
