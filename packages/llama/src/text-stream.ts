/**
 * Incremental detokenization: a token can end in the middle of a UTF-8 character (byte-level
 * vocabularies), so text is held back while it ends in U+FFFD, up to a few tokens.
 */
export type Detokenize = (tokens: readonly number[], lastTokens: readonly number[]) => string;

/** Longest UTF-8 character, in bytes (and so in byte tokens). */
const MAX_HELD_TOKENS = 4;
const LAST_TOKENS = 16;

export class TextStream {
  private pending: number[] = [];
  private last: number[] = [];

  constructor(private readonly detokenize: Detokenize) {}

  /** Adds one token; returns the text it completes ('' while a character is unfinished). */
  push(token: number): string {
    this.pending.push(token);
    const text = this.detokenize(this.pending, this.last);
    if (text.endsWith('\uFFFD') && this.pending.length < MAX_HELD_TOKENS) return '';
    return this.commit(text);
  }

  /** Whatever is held at the end of generation (an unfinished character shows as U+FFFD). */
  flush(): string {
    if (this.pending.length === 0) return '';
    return this.commit(this.detokenize(this.pending, this.last));
  }

  private commit(text: string): string {
    this.last = [...this.last, ...this.pending].slice(-LAST_TOKENS);
    this.pending = [];
    return text;
  }
}
