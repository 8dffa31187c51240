/** Filler text for the simulated engine's tokens: one short word per token, deterministic. */
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
] as const;

/** The text of token `index` of a simulated completion. */
export function fillerToken(index: number): string {
  return WORDS[index % WORDS.length] ?? ' ';
}
