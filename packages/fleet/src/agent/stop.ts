/**
 * Stop strings over streamed text (OpenAI semantics): the output ends before the first stop
 * string and never contains it, even when a stop string spans several tokens. Text that could be
 * the start of a stop string is held back until the next token settles it, so no part of a stop
 * string leaks into a chunk already sent.
 */
export interface StopStep {
  /** Text that may be sent now. */
  readonly emit: string;
  /** A stop string was found: generation ends; `emit` is the text before it. */
  readonly stopped: boolean;
}

export class StopMatcher {
  private held = '';
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((s) => s.length));
  }

  /** Adds generated text; returns what may be sent. */
  push(text: string): StopStep {
    const buffer = this.held + text;
    let at = -1;
    for (const s of this.stops) {
      const i = buffer.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      this.held = '';
      return { emit: buffer.slice(0, at), stopped: true };
    }
    const keep = this.partialTail(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return { emit: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** Text held back as a possible start of a stop string (sent when generation ends otherwise). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Text held back now. */
  get pending(): string {
    return this.held;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of a stop string. */
  private partialTail(buffer: string): number {
    for (let k = Math.min(this.longest - 1, buffer.length); k > 0; k--) {
      const tail = buffer.slice(buffer.length - k);
      if (this.stops.some((s) => s.startsWith(tail))) return k;
    }
    return 0;
  }
}
