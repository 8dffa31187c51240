/**
 * The latest decision records, for the page, and each recent request's SLO targets as its
 * balancer resolved them (so a completion is judged against the same targets).
 */
import type { DecisionRecord } from '@adagen/protocol';

export class DecisionLog {
  private readonly recent: DecisionRecord[] = [];
  private fresh: DecisionRecord[] = [];
  private readonly slo = new Map<string, { ttftMs: number; tpotMs: number }>();
  /** Shed decisions seen (the fallback when no balancer's /metrics is scraped). */
  shed = 0;
  /** Decision records seen, and those that did not fit in a frame. */
  seen = 0;
  skipped = 0;

  constructor(
    private readonly keep: number,
    private readonly perFrame = 20,
    private readonly sloEntries = 100_000,
  ) {}

  add(d: DecisionRecord): void {
    this.seen += 1;
    if (d.outcome === 'shed') this.shed += 1;
    if (d.slo !== undefined) {
      if (this.slo.size >= this.sloEntries) {
        const oldest = this.slo.keys().next().value;
        if (oldest !== undefined) this.slo.delete(oldest);
      }
      this.slo.set(d.requestId, d.slo);
    }
    this.recent.push(d);
    if (this.recent.length > this.keep) this.recent.shift();
    this.fresh.push(d);
    if (this.fresh.length > this.perFrame) {
      this.fresh.shift();
      this.skipped += 1;
    }
  }

  /** The SLO targets the balancer resolved for a request (and forgets them). */
  takeSlo(requestId: string): { ttftMs: number; tpotMs: number } | undefined {
    const s = this.slo.get(requestId);
    if (s !== undefined) this.slo.delete(requestId);
    return s;
  }

  /** Records since the last call (at most `perFrame`, the newest). */
  drain(): DecisionRecord[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  latest(): readonly DecisionRecord[] {
    return this.recent;
  }
}
