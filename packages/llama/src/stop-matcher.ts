/**
 * Stop strings over streamed text: text is released only when no stop string can still begin
 * in it, so no part of a stop string ever reaches the client, even split across chunks.
 */
export type StopPush =
  { type: 'text'; text: string } | { type: 'stop'; text: string; stop: string };

export class StopMatcher {
  private held = '';
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Adds text; returns the text now safe to send, or the text before a stop string. */
  push(text: string): StopPush {
    const buf = this.held + text;
    let at = -1;
    let stop = '';
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i !== -1 && (at === -1 || i < at)) {
        at = i;
        stop = s;
      }
    }
    if (at !== -1) {
      this.held = '';
      return { type: 'stop', text: buf.slice(0, at), stop };
    }
    const keep = this.partialSuffix(buf);
    this.held = buf.slice(buf.length - keep);
    return { type: 'text', text: buf.slice(0, buf.length - keep) };
  }

  /** The held-back text, when generation ends without a stop string. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest suffix of `buf` that is a proper prefix of some stop string. */
  private partialSuffix(buf: string): number {
    for (let n = Math.min(buf.length, this.longest - 1); n > 0; n--) {
      const tail = buf.slice(buf.length - n);
      if (this.stops.some((s) => s.length > n && s.startsWith(tail))) return n;
    }
    return 0;
  }
}
