/**
 * Time windows of a workload: which requests fall in each, their offered load, and a window cut
 * out as a workload of its own (with a warm-up before it whose requests run but are not counted,
 * so the window starts on a loaded fleet, not an empty one).
 */
import type { TraceRequest, Workload } from '@adagen/workloads';

export interface Window {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Request indices [from, to) in the workload. */
  readonly from: number;
  readonly to: number;
}

/** Splits `w` into windows of `windowMs` (the last may be shorter); empty ones are dropped. */
export function windowsOf(w: Workload, windowMs: number): Window[] {
  const reqs = w.requests;
  if (reqs.length === 0) return [];
  const start = reqs[0]!.arrivalMs;
  const out: Window[] = [];
  let from = 0;
  for (let k = 0; from < reqs.length; k++) {
    const endMs = start + (k + 1) * windowMs;
    let to = from;
    while (to < reqs.length && reqs[to]!.arrivalMs < endMs) to++;
    if (to > from) out.push({ index: out.length, startMs: endMs - windowMs, endMs, from, to });
    from = to;
  }
  return out;
}

/** The requests of `window` plus those of the `warmupMs` before it, rebased to start at 0. */
export function windowWorkload(
  w: Workload,
  window: Window,
  warmupMs: number,
): { workload: Workload; counted: { from: number; to: number } } {
  const reqs = w.requests;
  let first = window.from;
  while (first > 0 && reqs[first - 1]!.arrivalMs >= window.startMs - warmupMs) first--;
  const base = reqs[first]!.arrivalMs;
  const requests: TraceRequest[] = reqs
    .slice(first, window.to)
    .map((r) => ({ ...r, arrivalMs: r.arrivalMs - base }));
  return {
    workload: {
      name: `${w.name}[window ${window.index}]`,
      requests,
      notes: [
        ...w.notes,
        `window ${window.index}: ${window.startMs}–${window.endMs} ms, warm-up ${warmupMs} ms`,
      ],
    },
    counted: { from: window.from - first, to: window.to - first },
  };
}

/**
 * `k` windows standing for all of them: the windows sorted by `score`, cut into `k` strata of
 * about equal request counts, and the middle window of each stratum, weighted by its stratum's
 * share of the requests. Deterministic.
 */
export function stratifiedSample(
  windows: readonly Window[],
  score: (w: Window) => number,
  k: number,
): Array<{ window: Window; weight: number }> {
  if (windows.length === 0) return [];
  const sorted = [...windows].sort((a, b) => score(a) - score(b) || a.index - b.index);
  const total = sorted.reduce((s, w) => s + (w.to - w.from), 0);
  const strata = Math.min(k, sorted.length);
  const out: Array<{ window: Window; weight: number }> = [];
  let i = 0;
  let seen = 0;
  for (let s = 0; s < strata; s++) {
    const goal = ((s + 1) * total) / strata;
    const members: Window[] = [];
    while (i < sorted.length && (seen < goal || members.length === 0)) {
      const w = sorted[i++]!;
      members.push(w);
      seen += w.to - w.from;
      if (sorted.length - i <= strata - s - 1) break;
    }
    if (s === strata - 1) while (i < sorted.length) members.push(sorted[i++]!);
    const n = members.reduce((a, w) => a + (w.to - w.from), 0);
    out.push({ window: members[Math.floor(members.length / 2)]!, weight: n / total });
  }
  return out;
}
