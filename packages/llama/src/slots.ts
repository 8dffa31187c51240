/** The context's sequences and which one a new request gets. */
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { Generation } from './generation.js';

export interface Slot {
  readonly seq: LlamaContextSequence;
  gen: Generation | undefined;
  lastUsedMs: number;
}

/**
 * The free slot whose KV shares the longest prefix with `prompt` (least recently used on a
 * tie), and how many prompt tokens it can keep: at least one is always evaluated again, since
 * its logits give the first output token.
 */
export function pickSlot(
  free: readonly Slot[],
  prompt: readonly Token[],
  prefixCache: boolean,
): { slot: Slot; keep: number } {
  const tokens = [...prompt];
  let best = free[0]!;
  let bestKeep = -1;
  for (const s of free) {
    const keep = prefixCache ? s.seq.compareContextTokens(tokens).firstDifferentIndex : 0;
    if (keep > bestKeep || (keep === bestKeep && s.lastUsedMs < best.lastUsedMs)) {
      best = s;
      bestKeep = keep;
    }
  }
  return { slot: best, keep: Math.min(Math.max(bestKeep, 0), prompt.length - 1) };
}

/** KV cells held by running requests, and kept by idle sequences for prefix reuse. */
export function kvCells(slots: readonly Slot[]): { used: number; cached: number } {
  let used = 0;
  let cached = 0;
  for (const s of slots) {
    if (s.gen !== undefined) used += s.seq.nextTokenIndex;
    else cached += s.seq.nextTokenIndex;
  }
  return { used, cached };
}
