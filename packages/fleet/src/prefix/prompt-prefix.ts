/** A prompt's chained block hashes as the classifier sends them (`Classification.prefix`). */
import { promptBlockHashes } from '@adagen/engine';
import { LIMITS } from '@adagen/protocol';
import type { PromptPrefix } from '@adagen/protocol';

/**
 * The hashes of the prompt's full blocks, at most `LIMITS.promptBlockHashes` (the prompt's
 * first blocks: a prefix of a prefix is still a prefix). @throws RangeError on a bad token id.
 */
export function promptPrefixOf(tokenIds: ArrayLike<number>, blockSize: number): PromptPrefix {
  const max = LIMITS.promptBlockHashes * blockSize;
  const ids =
    tokenIds.length > max ? (Array.prototype.slice.call(tokenIds, 0, max) as number[]) : tokenIds;
  return { blockSize, blockHashes: promptBlockHashes(ids, blockSize) };
}
