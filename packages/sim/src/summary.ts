/** Reducing per-request metrics to the run summary (the `metrics` object of the JSON result). */
import { summarizeSorted } from '@adagen/stats';
import type { Summary } from '@adagen/stats';
import type { RequestMetrics } from './metrics.js';
import { planKinds } from './metrics.js';
import type { PrefixCacheSummary, TtftPredictionError } from './prefix-summary.js';
import { perRequestGapQuantile } from './tbt.js';

export interface SloAttainment {
  /**
   * Share of the OFFERED requests that met both TTFT and TPOT: shed, abandoned and unfinished
   * requests count as misses.
   */
  attainment: number;
  ttftAttainment: number;
  tpotAttainment: number;
  /** With a TBT SLO: share of all requests whose own token-gap p99 met it (they must finish). */
  tbtAttainment?: number;
  met: number;
}

export interface SimSummary {
  requests: {
    /** Offered: every request of the workload. */
    total: number;
    /** Passed admission control (offered − shed). */
    accepted: number;
    /** Refused by admission control. */
    shed: number;
    /** Given up by their client: no first token by the deadline. */
    abandoned: number;
    finished: number;
    /** Not finished at the end (includes `shed`, `abandoned` and `rejected`). */
    unfinished: number;
    /** Dropped by an instance that could never run them (too long for maxModelLen or KV). */
    rejected: number;
    preemptions: number;
  };
  ttftMs: Summary;
  tpotMs: Summary;
  tbtMs: Summary;
  e2eMs: Summary;
  queueingMs: Summary;
  slo: SloAttainment;
  /** Per second of `simulatedSpanMs`; `goodputPerS`: requests that met their SLO. */
  throughput: { requestsPerS: number; outputTokensPerS: number; goodputPerS: number };
  plans: Record<(typeof planKinds)[number], number>;
  /** From the first arrival to the last token (virtual ms). */
  simulatedSpanMs: number;
  /** Prefix caching figures, when some instance caches prefixes. */
  prefixCache?: PrefixCacheSummary;
  /** The policy's TTFT prediction error (relative), by prefix-cache hit, when it predicts. */
  ttftPredictionError?: TtftPredictionError;
}

function collect(m: RequestMetrics, value: (i: number) => number, include: (i: number) => boolean) {
  const out = new Float64Array(m.count);
  let k = 0;
  for (let i = 0; i < m.count; i++) if (include(i)) out[k++] = value(i);
  return out.subarray(0, k).sort();
}

/** The per-request TTFT values (ms) of requests that produced a first token, ascending. */
export function sortedTtftMs(m: RequestMetrics): Float64Array {
  return collect(
    m,
    (i) => m.ttftMs(i),
    (i) => m.tokens[i]! > 0,
  );
}

export function summarizeRun(m: RequestMetrics): SimSummary {
  const finished = (i: number) => m.isFinished(i);
  let met = 0;
  let ttftMet = 0;
  let tpotMet = 0;
  let preemptions = 0;
  let outputTokens = 0;
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastToken = Number.NEGATIVE_INFINITY;
  const plans = { single: 0, 'pd-split': 0, 'split-prefill': 0 };
  const scoresTbt = m.tbtSloMs.some((x) => !Number.isNaN(x));
  const tbtP99 = scoresTbt ? perRequestGapQuantile(m, 0.99) : undefined;
  let tbtMet = 0;
  for (let i = 0; i < m.count; i++) {
    preemptions += m.preemptions[i]!;
    outputTokens += m.tokens[i]!;
    firstArrival = Math.min(firstArrival, m.arrivalMs[i]!);
    if (m.tokens[i]! > 0) lastToken = Math.max(lastToken, m.lastTokenMs[i]!);
    const code = m.plan[i]!;
    if (code >= 0) plans[planKinds[code]!] += 1;
    const okTtft = m.tokens[i]! > 0 && m.ttftMs(i) <= m.ttftSloMs[i]!;
    const okTpot = finished(i) && m.tpotMs(i) <= m.tpotSloMs[i]!;
    // A request without gaps (one token) meets any gap target once finished.
    const okTbt = tbtP99 === undefined || (finished(i) && !(tbtP99[i]! > m.tbtSloMs[i]!));
    if (okTtft) ttftMet += 1;
    if (okTpot) tpotMet += 1;
    if (tbtP99 !== undefined && okTbt) tbtMet += 1;
    if (okTtft && okTpot && okTbt) met += 1;
  }
  const n = m.count;
  const spanMs = lastToken > firstArrival ? lastToken - firstArrival : 0;
  const perS = (x: number) => (spanMs > 0 ? (x * 1000) / spanMs : 0);
  return {
    requests: {
      total: n,
      accepted: n - m.shedCount,
      shed: m.shedCount,
      abandoned: m.abandonedCount,
      finished: m.finished,
      unfinished: n - m.finished,
      rejected: m.rejectedCount,
      preemptions,
    },
    ttftMs: summarizeSorted(sortedTtftMs(m)),
    tpotMs: summarizeSorted(
      collect(
        m,
        (i) => m.tpotMs(i),
        (i) => finished(i) && m.tokens[i]! > 1,
      ),
    ),
    tbtMs: summarizeSorted(m.gapsMs.sorted()),
    e2eMs: summarizeSorted(collect(m, (i) => m.lastTokenMs[i]! - m.arrivalMs[i]!, finished)),
    queueingMs: summarizeSorted(
      collect(
        m,
        (i) => m.firstAdmitMs[i]! - m.arrivalMs[i]!,
        (i) => !Number.isNaN(m.firstAdmitMs[i]!),
      ),
    ),
    slo: {
      attainment: n === 0 ? Number.NaN : met / n,
      ttftAttainment: n === 0 ? Number.NaN : ttftMet / n,
      tpotAttainment: n === 0 ? Number.NaN : tpotMet / n,
      ...(tbtP99 === undefined ? {} : { tbtAttainment: n === 0 ? Number.NaN : tbtMet / n }),
      met,
    },
    throughput: {
      requestsPerS: perS(m.finished),
      outputTokensPerS: perS(outputTokens),
      goodputPerS: perS(met),
    },
    plans,
    simulatedSpanMs: spanMs,
  };
}
