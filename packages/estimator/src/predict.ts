import type { KnownRequest } from './baseline.js';
import type { RequestWindow, SloTargets } from './types.js';

/** Predicted end-of-request latencies of one existing request from one forward run. */
export interface RequestOutlook {
  ttftMs: number;
  tpotMs: number;
  finishAtMs: number;
}

/**
 * Extrapolates a request's TTFT and TPOT from what a forward run showed: tokens seen in the
 * run, their pace, and what is left of its predicted length after the run (assumed to keep the
 * run's pace). Tokens before the run are timed from its first-token time when known, else at
 * the run's pace.
 */
export function outlook(
  k: KnownRequest,
  w: RequestWindow | undefined,
  nowMs: number,
  fallbackItlMs: number,
): RequestOutlook {
  const total = Math.max(k.outputTokens, k.generated + (w?.tokens ?? 0), 1);
  const seen = w?.tokens ?? 0;
  const itl =
    w && seen >= 2 && w.lastAtMs > w.firstAtMs
      ? (w.lastAtMs - w.firstAtMs) / (seen - 1)
      : fallbackItlMs;
  const firstAtMs =
    k.firstTokenAtMs ??
    (w && w.firstIndex === 0 ? w.firstAtMs : nowMs - Math.max(0, k.generated - 1) * itl);
  const lastSeenAtMs = w && seen > 0 ? w.lastAtMs : nowMs;
  const left = w?.finished ? 0 : Math.max(0, total - k.generated - seen);
  const finishAtMs = lastSeenAtMs + left * itl;
  const ttftMs =
    k.firstTokenAtMs !== undefined || k.generated > 0 || (w && w.firstIndex === 0)
      ? firstAtMs - k.originMs
      : // first token not within the run: at least until the run's end
        Math.max(lastSeenAtMs, nowMs) - k.originMs + itl;
  const tpotMs = total > 1 ? (finishAtMs - firstAtMs) / (total - 1) : 0;
  return { ttftMs, tpotMs, finishAtMs };
}

export function violates(o: RequestOutlook, slo: SloTargets): boolean {
  return o.ttftMs > slo.ttftMs || o.tpotMs > slo.tpotMs;
}
