/**
 * Byte-level BPE (the GPT-2 scheme that llama.cpp's "gpt2" tokenizer reads): 256 tokens, one per
 * byte, spelled with printable code points so a vocabulary can tokenize any text, plus merges
 * learned greedily from a corpus.
 */

/** The printable character that stands for each byte (GPT-2's byte-to-unicode table). */
export function byteSymbols(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    out.push(String.fromCodePoint(printable(b) ? b : 256 + shifted++));
  }
  return out;
}

/** GPT-2's pre-tokenizer: words with their leading space, numbers, punctuation runs, spaces. */
const PRE_TOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function preTokenize(text: string): string[] {
  return text.match(PRE_TOKEN) ?? [];
}

export interface BpeMerges {
  /** Merges in rank order, each "left right" as llama.cpp reads them. */
  merges: string[];
  /** The distinct new tokens the merges create, in order of first creation. */
  tokens: string[];
}

function symbolsOf(word: string, table: readonly string[]): string[] {
  return Array.from(new TextEncoder().encode(word), (b) => table[b]!);
}

/**
 * Learns merges from `text` until they have created `count` new tokens: each round merges the
 * most frequent adjacent pair (ties broken by the pair's text, so the result is deterministic).
 * Two pairs can spell the same token ("a bc", "ab c"): both merges are kept, the token once.
 * Stops early when no pair is left.
 */
export function learnMerges(text: string, count: number): BpeMerges {
  const table = byteSymbols();
  const freq = new Map<string, number>();
  for (const w of preTokenize(text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq].map(([w, n]) => ({ symbols: symbolsOf(w, table), n }));
  const merges: string[] = [];
  const tokens: string[] = [];
  const known = new Set<string>();
  while (tokens.length < count) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 0;
    for (const [key, n] of pairs) {
      if (n > bestN || (n === bestN && best !== undefined && key < best)) {
        best = key;
        bestN = n;
      }
    }
    if (best === undefined) break;
    const [left, right] = best.split(' ') as [string, string];
    const merged = left + right;
    merges.push(best);
    if (!known.has(merged)) {
      known.add(merged);
      tokens.push(merged);
    }
    for (const word of words) {
      const s = word.symbols;
      const next: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
          next.push(merged);
          i++;
        } else next.push(s[i]!);
      }
      word.symbols = next;
    }
  }
  return { merges, tokens };
}
