/**
 * The fleet's figures over time, from the agents' completion records and the shed / deadline
 * counters: one point per frame, each computed over the last `windowMs` (wall clock, injected).
 */
import { quantileSorted } from '@adagen/stats';

/** One point of the fleet's history. */
export interface SeriesPoint {
  /** Wall epoch ms. */
  t: number;
  reqPerS: number;
  tokPerS: number;
  /** Share of the window's completions that met both TTFT and TPOT targets; null if none. */
  attainment: number | null;
  ttftP50Ms: number | null;
  ttftP99Ms: number | null;
  /** Requests shed (429) and failed by their deadline (504) per second. */
  shedPerS: number;
  abandonedPerS: number;
  agents: number;
}

/** Running totals since the dashboard started. */
export interface Totals {
  done: number;
  met: number;
  tokens: number;
  shed: number;
  abandoned: number;
}

interface Done {
  atMs: number;
  tokens: number;
  met: boolean;
  ttftMs: number;
}

export class FleetSeries {
  private readonly done: Done[] = [];
  private readonly counters: Array<{ atMs: number; shed: number; abandoned: number }> = [];
  private readonly history: SeriesPoint[] = [];
  readonly totals: Totals = { done: 0, met: 0, tokens: 0, shed: 0, abandoned: 0 };

  constructor(
    private readonly windowMs: number,
    private readonly historyPoints: number,
  ) {}

  /** A completion record seen at `atMs`, with whether it met its SLO. */
  complete(atMs: number, outputTokens: number, met: boolean, ttftMs: number): void {
    this.done.push({ atMs, tokens: outputTokens, met, ttftMs });
    this.totals.done += 1;
    this.totals.tokens += outputTokens;
    if (met) this.totals.met += 1;
  }

  /** The latest cumulative shed and deadline-failure counts. */
  count(shed: number, abandoned: number): void {
    this.totals.shed = shed;
    this.totals.abandoned = abandoned;
  }

  /** Closes a point at `nowMs` and keeps it in the history. */
  point(nowMs: number, agents: number): SeriesPoint {
    const from = nowMs - this.windowMs;
    while (this.done.length > 0 && this.done[0]!.atMs < from) this.done.shift();
    this.counters.push({ atMs: nowMs, shed: this.totals.shed, abandoned: this.totals.abandoned });
    while (this.counters.length > 1 && this.counters[0]!.atMs < from) this.counters.shift();
    const spanS = this.windowMs / 1000;
    const w = this.done;
    const ttfts = Float64Array.from(w, (d) => d.ttftMs).sort();
    const first = this.counters[0]!;
    const counterSpanS = Math.max((nowMs - first.atMs) / 1000, 1e-3);
    const p: SeriesPoint = {
      t: nowMs,
      reqPerS: w.length / spanS,
      tokPerS: w.reduce((s, d) => s + d.tokens, 0) / spanS,
      attainment: w.length === 0 ? null : w.filter((d) => d.met).length / w.length,
      ttftP50Ms: w.length === 0 ? null : quantileSorted(ttfts, 0.5),
      ttftP99Ms: w.length === 0 ? null : quantileSorted(ttfts, 0.99),
      shedPerS: this.counters.length < 2 ? 0 : (this.totals.shed - first.shed) / counterSpanS,
      abandonedPerS:
        this.counters.length < 2 ? 0 : (this.totals.abandoned - first.abandoned) / counterSpanS,
      agents,
    };
    this.history.push(p);
    if (this.history.length > this.historyPoints) this.history.shift();
    return p;
  }

  points(): readonly SeriesPoint[] {
    return this.history;
  }
}
