/**
 * What `adagen up` shows while it runs: from the agents' completion records, requests and
 * tokens per second and SLO attainment (the simulator's definitions: TTFT and TPOT against the
 * SLO of the request's prompt length) over the last window and since the start.
 */
import type { CompletionRecord } from '@adagen/protocol';
import { quantileSorted } from '@adagen/stats';

export type SloOf = (promptTokens: number) => { ttftMs: number; tpotMs: number };

interface Sample {
  readonly atWallMs: number;
  readonly tokens: number;
  readonly met: boolean;
  readonly ttftMs: number;
}

export class LiveStats {
  private readonly window: Sample[] = [];
  private total = 0;
  private met = 0;
  private tokens = 0;

  constructor(
    private readonly sloOf: SloOf,
    private readonly windowMs = 10_000,
  ) {}

  add(r: CompletionRecord, atWallMs: number): void {
    const fleet = this.sloOf(r.promptTokens);
    // A client's own targets (x-slo-* headers) replace the fleet's.
    const slo = { ttftMs: r.slo?.ttftMs ?? fleet.ttftMs, tpotMs: r.slo?.tpotMs ?? fleet.tpotMs };
    const met = r.ttftMs <= slo.ttftMs && (r.outputTokens <= 1 || r.tpotMs <= slo.tpotMs);
    this.window.push({ atWallMs, tokens: r.outputTokens, met, ttftMs: r.ttftMs });
    this.total += 1;
    this.tokens += r.outputTokens;
    if (met) this.met += 1;
  }

  /** One status line; `nowWallMs` ends the window. */
  line(nowWallMs: number, agents: number): string {
    while (this.window.length > 0 && this.window[0]!.atWallMs < nowWallMs - this.windowMs)
      this.window.shift();
    const w = this.window;
    const spanS = this.windowMs / 1000;
    const reqPerS = w.length / spanS;
    const tokPerS = w.reduce((s, x) => s + x.tokens, 0) / spanS;
    const ttfts = Float64Array.from(w, (x) => x.ttftMs).sort();
    const attainment = w.length === 0 ? '—' : pct(w.filter((x) => x.met).length / w.length);
    const all = this.total === 0 ? '—' : pct(this.met / this.total);
    const p50 = w.length === 0 ? '—' : `${Math.round(quantileSorted(ttfts, 0.5))}`;
    const p99 = w.length === 0 ? '—' : `${Math.round(quantileSorted(ttfts, 0.99))}`;
    return (
      `last ${spanS} s: ${reqPerS.toFixed(1)} req/s, ${Math.round(tokPerS)} tok/s, ` +
      `SLO ${attainment}, TTFT p50 ${p50} ms p99 ${p99} ms | ` +
      `total ${this.total} done (${this.tokens} tokens), SLO ${all} | agents ${agents}`
    );
  }
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
