/**
 * Prompts of a given length for trace replay (traces give lengths, not text). Two requests share
 * a prompt start exactly where the trace says they do, and nowhere else: with Mooncake's
 * `hashIds` (one per 512-token block), block j of a prompt is a function of its hash id, so
 * requests with the same leading hash ids send the same leading tokens (a prefix cache can hit
 * them, as in the trace); a request without hash ids gets content of its own, a function of its
 * id, which shares no block with any other request. The same trace replays the same prompts.
 *
 * Text mode: single-letter words (`" a"` … `" z"`), which the Llama 3 tokenizer counts as one
 * token each (plus BOS), so the server sees the trace's prompt length. Tokens mode: token ids
 * from 256 to 511 (valid in any vocabulary of at least 512, the generated GGUF's default).
 */
import type { TraceRequest } from '@adagen/workloads';

export const PROMPT_FORMATS = ['text', 'tokens'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

/** Tokens per Mooncake hash id. */
export const TRACE_BLOCK_TOKENS = 512;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const FIRST_ID = 256;
const IDS = 256;

/** What a prompt is made from: its length and its trace identity. */
export type PromptSource = Pick<TraceRequest, 'id' | 'promptTokens' | 'hashIds'>;

/** FNV-1a of a string, 32 bits. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A well-mixed 32-bit value for position `i` of the stream seeded by `seed`. */
function unit(seed: number, i: number): number {
  let h = Math.imul(seed ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * `n` units of `r`'s prompt: position i from its block's hash id when the trace gives one (so
 * equal hash ids give equal blocks), else from the request's own id. Request seeds are kept
 * apart from hash-id seeds (odd against even), so the two never give the same block.
 */
function units(r: PromptSource, n: number, into: (u: number, i: number) => void): void {
  const own = (hashString(r.id) << 1) | 1;
  const hashes = r.hashIds ?? [];
  for (let i = 0; i < n; i++) {
    const j = Math.floor(i / TRACE_BLOCK_TOKENS);
    const seed = j < hashes.length ? (hashes[j]! << 1) >>> 0 : own;
    into(unit(seed, i % TRACE_BLOCK_TOKENS), i);
  }
}

/** Text of `r.promptTokens` Llama 3 tokens, counting the BOS token the server adds. */
export function promptText(r: PromptSource): string {
  const n = Math.max(0, r.promptTokens - 1);
  const words = new Array<string>(n);
  units(r, n, (u, i) => {
    words[i] = ` ${LETTERS[u % LETTERS.length]!}`;
  });
  return words.join('');
}

/** `r.promptTokens` token ids. */
export function promptIds(r: PromptSource): number[] {
  const n = Math.max(1, r.promptTokens);
  const ids = new Array<number>(n);
  units(r, n, (u, i) => {
    ids[i] = FIRST_ID + (u % IDS);
  });
  return ids;
}
