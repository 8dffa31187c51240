/**
 * Chained block hashes for prefix caching (vLLM's automatic prefix caching scheme): the hash of
 * block i covers the block's token ids *and* the hash of block i − 1, so equal hashes at position
 * i mean equal prompts up to the end of block i. Only full blocks are hashed (a partial last
 * block is never shared), as in vLLM.
 *
 * A hash is a non-negative safe integer below 2^53 (two 32-bit murmur3 lanes, one cut to 21
 * bits), so it is a cheap `Map` key and survives JSON and msgpack unchanged. The values are our
 * own, not vLLM's (vLLM hashes a pickled tuple with sha256 or a per-process seed): hashes read from
 * a vLLM engine's KV events are opaque ids in their own space and must not be compared with these.
 *
 * Pure: no state, no allocation beyond the returned arrays.
 */

/** A chained block hash: an integer in [0, 2^53). */
export type BlockHash = number;

/** Tokens per block in the Mooncake traces' `hash_ids` (one id per 512 prompt tokens). */
export const MOONCAKE_BLOCK_TOKENS = 512;

/** The parent of a prompt's first block (vLLM's NONE_HASH); fixed so hashes agree across processes. */
export const ROOT_BLOCK_HASH: BlockHash = 0x1f2e3d4c5b6a7;

const TWO_32 = 2 ** 32;
const LANE2_MASK = 0x1fffff; // 21 bits: lane1 (32) + lane2 (21) = 53 bits

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finalMix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function checkWord(v: number, what: string, i: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`${what}[${i}] must be a non-negative safe integer, got ${v}`);
  }
}

/**
 * The hash of one block whose parent (the previous block's hash, or {@link ROOT_BLOCK_HASH})
 * is `parent` and whose content is `words[start..end)` (token ids, or any non-negative safe
 * integers that identify the content). @throws RangeError on a bad parent or word.
 */
export function chainBlockHash(
  parent: BlockHash,
  words: ArrayLike<number>,
  start = 0,
  end = words.length,
): BlockHash {
  if (!Number.isSafeInteger(parent) || parent < 0) {
    throw new RangeError(`parent block hash must be a non-negative safe integer, got ${parent}`);
  }
  const pLo = parent % TWO_32;
  const pHi = Math.floor(parent / TWO_32);
  let a = mixWord(0x9747b28c, pLo);
  a = mixWord(a, pHi);
  let b = mixWord(0x5bd1e995, pHi);
  b = mixWord(b, pLo);
  for (let i = start; i < end; i++) {
    const w = words[i]!;
    checkWord(w, 'words', i);
    const lo = w % TWO_32;
    a = mixWord(a, lo);
    b = mixWord(b, lo ^ 0x2545f491);
    if (w >= TWO_32) {
      const hi = Math.floor(w / TWO_32);
      a = mixWord(a, hi);
      b = mixWord(b, hi);
    }
  }
  const n = end - start;
  return finalMix(a, n) + (finalMix(b, n ^ 0x68e31da4) & LANE2_MASK) * TWO_32;
}

function checkBlockSize(blockSize: number, name = 'blockSize'): void {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`${name} must be an integer >= 1, got ${blockSize}`);
  }
}

/**
 * Chained hashes of the full blocks of a prompt given as token ids: ⌊tokens / blockSize⌋
 * hashes, block i from `tokenIds[i·blockSize, (i+1)·blockSize)` and hash i − 1.
 * @throws RangeError on a bad block size or token id.
 */
export function promptBlockHashes(tokenIds: ArrayLike<number>, blockSize: number): BlockHash[] {
  checkBlockSize(blockSize);
  const n = Math.floor(tokenIds.length / blockSize);
  const out = new Array<BlockHash>(n);
  let parent = ROOT_BLOCK_HASH;
  for (let i = 0; i < n; i++) {
    parent = chainBlockHash(parent, tokenIds, i * blockSize, (i + 1) * blockSize);
    out[i] = parent;
  }
  return out;
}

/**
 * Chained hashes of the full engine blocks of a prompt known only by trace block ids (Mooncake's
 * `hash_ids`, one per `traceBlockTokens` = 512 prompt tokens; equal ids mean equal prefixes).
 * Engine block j (tokens [j·blockSize, (j+1)·blockSize), only if inside `promptTokens`) is
 * identified by the id of the last trace block it touches and its index j, chained from block
 * j − 1. So two prompts share engine block j exactly when they share the trace block holding its
 * last token; a trace block that ends past the prompt (the partial last one) is shared only by
 * prompts with the same id there. Works for any block size (16 divides 512; others straddle).
 * @throws RangeError if `hashIds` is shorter than ⌈promptTokens / traceBlockTokens⌉ or holds a
 * bad id, or on a bad size.
 */
export function traceBlockHashes(
  hashIds: readonly number[],
  promptTokens: number,
  blockSize: number,
  traceBlockTokens: number = MOONCAKE_BLOCK_TOKENS,
): BlockHash[] {
  checkBlockSize(blockSize);
  checkBlockSize(traceBlockTokens, 'traceBlockTokens');
  if (!Number.isSafeInteger(promptTokens) || promptTokens < 0) {
    throw new RangeError(`promptTokens must be an integer >= 0, got ${promptTokens}`);
  }
  const needed = Math.ceil(promptTokens / traceBlockTokens);
  if (hashIds.length < needed) {
    throw new RangeError(
      `hash_ids has ${hashIds.length} ids but ${promptTokens} prompt tokens need ${needed} ` +
        `(one per ${traceBlockTokens} tokens)`,
    );
  }
  const n = Math.floor(promptTokens / blockSize);
  const out = new Array<BlockHash>(n);
  const pair = [0, 0];
  let parent = ROOT_BLOCK_HASH;
  for (let j = 0; j < n; j++) {
    const m = Math.floor(((j + 1) * blockSize - 1) / traceBlockTokens);
    const id = hashIds[m]!;
    checkWord(id, 'hash_ids', m);
    pair[0] = id;
    pair[1] = j;
    parent = chainBlockHash(parent, pair);
    out[j] = parent;
  }
  return out;
}
