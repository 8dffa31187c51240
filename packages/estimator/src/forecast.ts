/**
 * The predicted compute layout of one instance: from its (stale) snapshot plus the placements
 * made since, the next iterations as the engine's scheduler would form them — prefill tokens and
 * decode tokens per iteration and how long each takes — and, for each request there, its
 * first-token time (seen, or predicted) against its TTFT target. What a dashboard draws; the
 * same forward replay the estimator's decisions use, without a hypothetical addition.
 */
import type { IterationReport } from '@adagen/engine';
import type { BaselineEntry } from './baseline.js';
import { runForward } from './forward.js';
import type { SloTargets } from './types.js';

/** One predicted iteration. */
export interface ForecastIteration {
  startMs: number;
  durationMs: number;
  prefillTokens: number;
  /** Decode tokens (one per decoding request). */
  decodeTokens: number;
  /** Sequences in the batch. */
  seqs: number;
}

/** One request on the instance, with its first token seen or predicted. */
export interface ForecastRequest {
  id: string;
  kind: string;
  promptTokens: number;
  generatedTokens: number;
  /** When it entered the system (TTFT counts from here). */
  originMs: number;
  /** First-token time: seen (`predicted: false`) or from the forecast; Infinity past it. */
  firstTokenAtMs: number;
  predicted: boolean;
  /** `firstTokenAtMs − originMs` (Infinity when not within the forecast). */
  ttftMs: number;
  slo: SloTargets;
}

export interface LayoutForecast {
  instanceId: string;
  nowMs: number;
  iterations: ForecastIteration[];
  requests: ForecastRequest[];
}

export interface ForecastLimits {
  /** Iterations to predict. */
  iterations: number;
  /** Furthest virtual time ahead of `nowMs` (ms). */
  horizonMs: number;
}

class LayoutRecorder {
  readonly iterations: ForecastIteration[] = [];
  readonly firstTokenAtMs = new Map<string, number>();

  onIteration(r: IterationReport): void {
    this.iterations.push({
      startMs: r.startMs,
      durationMs: r.durationMs,
      prefillTokens: r.prefillTokens,
      decodeTokens: r.decodeRequests,
      seqs: r.numSeqs,
    });
  }

  onToken(id: string, index: number, atMs: number): void {
    if (index === 0 && !this.firstTokenAtMs.has(id)) this.firstTokenAtMs.set(id, atMs);
  }
}

/** Forecasts `entry` (already advanced to `nowMs`) without changing it. */
export function forecastLayout(
  entry: BaselineEntry,
  nowMs: number,
  limits: ForecastLimits,
  sloFor: (promptTokens: number, profile: string) => SloTargets,
): LayoutForecast {
  const rec = new LayoutRecorder();
  const inst = entry.inst.clone(rec);
  runForward(inst, entry.future.copy(), () => rec.iterations.length >= limits.iterations, {
    maxIterations: limits.iterations,
    untilMs: nowMs + limits.horizonMs,
  });
  const requests: ForecastRequest[] = [];
  for (const [id, k] of entry.known) {
    if (k.kind === 'decode') continue; // its TTFT belongs to the instance that prefilled it
    const seen = k.firstTokenAtMs;
    const first = seen ?? rec.firstTokenAtMs.get(id) ?? Number.POSITIVE_INFINITY;
    if (seen !== undefined && k.generated >= k.outputTokens) continue; // finished
    requests.push({
      id,
      kind: k.kind,
      promptTokens: k.promptTokens,
      generatedTokens: k.generated,
      originMs: k.originMs,
      firstTokenAtMs: first,
      predicted: seen === undefined,
      ttftMs: first - k.originMs,
      slo: sloFor(k.promptTokens, entry.input.profile),
    });
  }
  return { instanceId: entry.input.id, nowMs, iterations: rec.iterations, requests };
}
