/**
 * Prompt-length counting. The classifier takes a `Tokenizer` (pluggable); the default is the
 * Llama 3 tokenizer (BPE with its vocabulary bundled in `llama3-tokenizer-js`), loaded lazily
 * because its data is a few megabytes.
 */
export interface Tokenizer {
  readonly name: string;
  /** Token count of `text`, including the BOS token the engine adds. */
  countTokens(text: string): number;
}

let llama3: Promise<Tokenizer> | undefined;

/** The Llama 3 tokenizer (loaded once per process). */
export function loadLlama3Tokenizer(): Promise<Tokenizer> {
  llama3 ??= import('llama3-tokenizer-js').then(({ default: tokenizer }) => ({
    name: 'llama-3',
    countTokens: (text: string) => tokenizer.encode(text, { bos: true, eos: false }).length,
  }));
  return llama3;
}

/** A crude tokenizer for tests and tools: one token per 4 characters, plus BOS. */
export const charsPerTokenTokenizer: Tokenizer = {
  name: 'chars/4',
  countTokens: (text: string) => 1 + Math.ceil(text.length / 4),
};
