/**
 * An open-loop load generator for overload tests: requests at a fixed rate regardless of how
 * the fleet keeps up, each timed per streamed token, classified as served (meeting the SLO or
 * not), shed (429/503 with `Retry-After`), failed, or lost.
 */
import { postStream } from '../fleet/openai-client.js';

export interface LoadResult {
  readonly sentAtMs: number;
  readonly status: number;
  readonly retryAfterS?: number;
  readonly code?: string;
  readonly ttftMs?: number;
  readonly tpotMs?: number;
  readonly completed: boolean;
}

export interface Slo {
  readonly ttftMs: number;
  readonly tpotMs: number;
}

export async function openLoop(o: {
  readonly url: string;
  readonly ratePerS: number;
  readonly durationMs: number;
  readonly body: (i: number) => Record<string, unknown>;
}): Promise<LoadResult[]> {
  const t0 = performance.now();
  const results: Promise<LoadResult>[] = [];
  const n = Math.round((o.ratePerS * o.durationMs) / 1000);
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / o.ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentAtMs = performance.now() - t0;
    results.push(
      postStream(o.url, o.body(i)).then((r): LoadResult => {
        const base = { sentAtMs, status: r.status };
        if (r.status !== 200) {
          const err = (JSON.parse(r.body) as { error?: { code?: string } }).error;
          const after = Number(r.headers.get('retry-after'));
          return {
            ...base,
            completed: false,
            ...(err?.code === undefined ? {} : { code: err.code }),
            ...(Number.isFinite(after) && r.headers.has('retry-after')
              ? { retryAfterS: after }
              : {}),
          };
        }
        const tokens = r.events.filter(
          (e) =>
            (e.choices as Array<{ finish_reason: unknown }> | undefined)?.[0]?.finish_reason ===
            null,
        );
        const at = r.atMs.slice(0, tokens.length);
        const error = r.events.find((e) => 'error' in e) as { error: { code: string } } | undefined;
        return {
          ...base,
          completed: r.sawDone && error === undefined,
          ...(error === undefined ? {} : { code: error.error.code }),
          ...(at.length > 0 ? { ttftMs: at[0]! } : {}),
          ...(at.length > 1 ? { tpotMs: (at.at(-1)! - at[0]!) / (at.length - 1) } : {}),
        };
      }),
    );
  }
  return Promise.all(results);
}

export interface LoadSummary {
  readonly offered: number;
  readonly offeredPerS: number;
  readonly acceptedPerS: number;
  readonly shed: number;
  readonly shedWithRetryAfter: number;
  readonly failed: number;
  readonly completed: number;
  /** Share of completed requests meeting both TTFT and TPOT SLOs. */
  readonly attainmentOfAccepted: number;
  /** Share of all offered requests completed within SLO (goodput share). */
  readonly attainmentOfOffered: number;
}

export function summarizeLoad(
  results: readonly LoadResult[],
  durationMs: number,
  slo: Slo,
): LoadSummary {
  const shed = results.filter((r) => r.status === 429 || r.status === 503);
  const completed = results.filter((r) => r.completed);
  const good = completed.filter(
    (r) => (r.ttftMs ?? Infinity) <= slo.ttftMs && (r.tpotMs ?? 0) <= slo.tpotMs,
  ).length;
  return {
    offered: results.length,
    offeredPerS: results.length / (durationMs / 1000),
    acceptedPerS: (results.length - shed.length) / (durationMs / 1000),
    shed: shed.length,
    shedWithRetryAfter: shed.filter((r) => (r.retryAfterS ?? 0) >= 1).length,
    failed: results.filter((r) => !r.completed && r.status !== 429 && r.status !== 503).length,
    completed: completed.length,
    attainmentOfAccepted: completed.length === 0 ? 0 : good / completed.length,
    attainmentOfOffered: results.length === 0 ? 0 : good / results.length,
  };
}
