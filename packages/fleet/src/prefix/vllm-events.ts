/**
 * vLLM's KV events (`--kv-events-config`, ZMQ PUB frames `[topic, seq, payload]`): the payload is
 * a msgpack `EventBatch` encoded by msgspec with `array_like` structs — `[ts, events,
 * data_parallel_rank?]` — whose events are tagged arrays: `["BlockStored", block_hashes,
 * parent_block_hash, token_ids, block_size, lora_id, medium, …]`, `["BlockRemoved",
 * block_hashes, medium, …]`, `["AllBlocksCleared"]` (later vLLM versions append fields; they are
 * ignored). vLLM's hashes (bytes, or 64-bit integers) are opaque ids in their own space, so
 * `VllmEventTranslator` recomputes AdaGen's chained hashes from the token ids of each stored
 * block and its parent (as Dynamo's router does) and maps removals through the same table.
 * Pure; the ZMQ socket is not wired (no ZMQ client in this repository).
 */
import { ROOT_BLOCK_HASH, chainBlockHash } from '@adagen/engine';
import type { BlockHash } from '@adagen/engine';
import type { KvCacheEvent } from '@adagen/protocol';
import { Unpackr } from 'msgpackr';

const unpackr = new Unpackr({ useRecords: false, int64AsType: 'bigint' });

/** A vLLM block hash: bytes (sha256 modes) as hex, integers in decimal. */
export type VllmHashKey = string;

export type VllmEvent =
  | {
      readonly type: 'BlockStored';
      readonly blockHashes: readonly VllmHashKey[];
      readonly parentBlockHash: VllmHashKey | undefined;
      readonly tokenIds: readonly number[];
      readonly blockSize: number;
    }
  | { readonly type: 'BlockRemoved'; readonly blockHashes: readonly VllmHashKey[] }
  | { readonly type: 'AllBlocksCleared' };

export interface VllmEventBatch {
  readonly ts: number;
  readonly events: readonly VllmEvent[];
  readonly dataParallelRank?: number;
}

/** A payload that is not a vLLM `EventBatch`; the message names what and where. */
export class VllmEventError extends Error {}

function hashKey(v: unknown, where: string): VllmHashKey {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw new VllmEventError(`${where}: expected a block hash (bytes or integer), got ${typeof v}`);
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new VllmEventError(`${where}: expected an array, got ${typeof v}`);
  return v;
}

function int(v: unknown, where: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new VllmEventError(`${where}: expected a non-negative integer, got ${String(v)}`);
  return n;
}

function event(raw: unknown, where: string): VllmEvent {
  const a = list(raw, where);
  const tag = a[0];
  switch (tag) {
    case 'BlockStored': {
      const tokenIds = list(a[3], `${where}.token_ids`).map((t, i) =>
        int(t, `${where}.token_ids[${i}]`),
      );
      const blockHashes = list(a[1], `${where}.block_hashes`).map((h, i) =>
        hashKey(h, `${where}.block_hashes[${i}]`),
      );
      const blockSize = int(a[4], `${where}.block_size`);
      if (blockSize < 1 || tokenIds.length !== blockHashes.length * blockSize)
        throw new VllmEventError(
          `${where}: expected ${blockHashes.length} blocks × block_size ${blockSize} token ids, got ${tokenIds.length}`,
        );
      const parent =
        a[2] === null || a[2] === undefined
          ? undefined
          : hashKey(a[2], `${where}.parent_block_hash`);
      return { type: 'BlockStored', blockHashes, parentBlockHash: parent, tokenIds, blockSize };
    }
    case 'BlockRemoved':
      return {
        type: 'BlockRemoved',
        blockHashes: list(a[1], `${where}.block_hashes`).map((h, i) =>
          hashKey(h, `${where}.block_hashes[${i}]`),
        ),
      };
    case 'AllBlocksCleared':
      return { type: 'AllBlocksCleared' };
    default:
      throw new VllmEventError(
        `${where}: expected an event tagged BlockStored, BlockRemoved or AllBlocksCleared, got ${JSON.stringify(String(tag)).slice(0, 80)}`,
      );
  }
}

/** Decodes one vLLM `EventBatch` payload. @throws VllmEventError naming the bad part. */
export function decodeVllmEventBatch(payload: Uint8Array): VllmEventBatch {
  let raw: unknown;
  try {
    raw = unpackr.unpack(payload);
  } catch (cause) {
    throw new VllmEventError(
      `payload: expected msgpack, could not decode: ${cause instanceof Error ? cause.message.slice(0, 200) : String(cause)}`,
    );
  }
  const a = list(raw, 'EventBatch');
  const ts = a[0];
  if (typeof ts !== 'number' || !Number.isFinite(ts))
    throw new VllmEventError(`EventBatch.ts: expected a number, got ${typeof ts}`);
  const events = list(a[1], 'EventBatch.events').map((e, i) => event(e, `EventBatch.events[${i}]`));
  const rank = a[2];
  return rank === undefined || rank === null
    ? { ts, events }
    : { ts, events, dataParallelRank: int(rank, 'EventBatch.data_parallel_rank') };
}

/**
 * vLLM's events as AdaGen cache events: stored blocks get AdaGen's chained hashes of their token
 * ids (at `blockSize`; vLLM's block size must be the same), chained from the parent's (known
 * from an earlier `BlockStored`, or the root); removals map through the table. Blocks whose
 * parent was never seen cannot be hashed and are counted in `unknownParents`.
 */
export class VllmEventTranslator {
  private readonly ours = new Map<VllmHashKey, BlockHash>();
  unknownParents = 0;
  unknownRemoved = 0;

  constructor(readonly blockSize: number) {}

  translate(batch: VllmEventBatch): KvCacheEvent[] {
    const out: KvCacheEvent[] = [];
    for (const e of batch.events) {
      switch (e.type) {
        case 'BlockStored': {
          if (e.blockSize !== this.blockSize)
            throw new VllmEventError(
              `BlockStored.block_size ${e.blockSize}: expected the fleet's prefixBlockSize ${this.blockSize}`,
            );
          let parent =
            e.parentBlockHash === undefined ? ROOT_BLOCK_HASH : this.ours.get(e.parentBlockHash);
          if (parent === undefined) {
            this.unknownParents += e.blockHashes.length;
            break;
          }
          const stored: BlockHash[] = [];
          e.blockHashes.forEach((key, i) => {
            parent = chainBlockHash(parent!, e.tokenIds, i * e.blockSize, (i + 1) * e.blockSize);
            this.ours.set(key, parent);
            stored.push(parent);
          });
          out.push({ type: 'stored', blockHashes: stored });
          break;
        }
        case 'BlockRemoved': {
          const removed: BlockHash[] = [];
          for (const key of e.blockHashes) {
            const h = this.ours.get(key);
            if (h === undefined) this.unknownRemoved++;
            else {
              removed.push(h);
              this.ours.delete(key);
            }
          }
          if (removed.length > 0) out.push({ type: 'removed', blockHashes: removed });
          break;
        }
        case 'AllBlocksCleared':
          this.ours.clear();
          out.push({ type: 'cleared' });
          break;
      }
    }
    return out;
  }
}
