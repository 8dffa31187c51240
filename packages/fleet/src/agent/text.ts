/**
 * The simulated engine's text: a deterministic function of the request (its prompt and sampling
 * seed) and the token index, so a test can check every stream against what its agent generated.
 * One short word per token.
 */
import type { DispatchRequest } from '@adagen/protocol';

const WORDS = [
  ' the',
  ' quick',
  ' brown',
  ' fox',
  ' jumps',
  ' over',
  ' a',
  ' lazy',
  ' dog',
  ' and',
  ' runs',
  ' far',
  ' away',
  ' from',
  ' home',
  '.',
  ' in',
  ' green',
  ' fields',
  ' under',
  ' blue',
  ' skies',
  ' with',
  ' bright',
  ' light',
  ' of',
  ' early',
  ' spring',
  ' when',
  ' birds',
  ' sing',
  ',',
] as const;

/** FNV-1a over a string, 32 bits. */
function fnv1a(text: string, hash = 0x811c9dc5): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** What a simulated completion depends on: the prompt as sent, and the sampling seed. */
export type SimTextInput = Pick<
  DispatchRequest,
  'prompt' | 'promptTokenIds' | 'messages' | 'sampling'
>;

/** The seed of a request's simulated text. */
export function simTextSeed(r: SimTextInput): number {
  let h = 0x811c9dc5;
  if (r.prompt !== undefined) h = fnv1a(`p\u0000${r.prompt}`, h);
  if (r.promptTokenIds !== undefined) h = fnv1a(`t\u0000${r.promptTokenIds.join(',')}`, h);
  for (const m of r.messages ?? []) h = fnv1a(`m\u0000${m.role}\u0000${m.content}\u0000`, h);
  if (r.sampling?.seed !== undefined) h = fnv1a(`s\u0000${r.sampling.seed}`, h);
  return h;
}

/** Text of token `index` of the completion with seed `seed`. */
export function simToken(seed: number, index: number): string {
  let x = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return WORDS[x % WORDS.length] ?? ' ';
}

/** The first `tokens` tokens of a simulated completion, joined. */
export function simText(seed: number, tokens: number): string {
  let out = '';
  for (let i = 0; i < tokens; i++) out += simToken(seed, i);
  return out;
}
