/**
 * Each agent as the page shows it: status, KV, queue, and its predicted layout — the next
 * iterations' prefill and decode tokens and durations, and its requests' first tokens (seen or
 * predicted) against their TTFT targets — from the `LayoutEstimator` run on its latest snapshot
 * plus the placements made since (the balancers' view of it).
 */
import { LatencyModel } from '@adagen/engine';
import { LayoutEstimator } from '@adagen/estimator';
import type { FleetView } from '@adagen/fleet';
import { findProfile } from '@adagen/fleet';
import { queuedPrefillTokens, resolveSlo } from '@adagen/scheduler';
import type { SloSpec } from '@adagen/scheduler';

/** One request row: id, TTFT (seen or predicted; null = beyond the forecast), its target, predicted? */
export type RequestRow = [id: string, ttftMs: number | null, sloTtftMs: number, predicted: 0 | 1];

export interface AgentFrame {
  id: string;
  status: 'ready' | 'draining';
  profile: string;
  kvUsedBlocks: number;
  kvTotalBlocks: number;
  running: number;
  waiting: number;
  pending: number;
  queuedPrefillTokens: number;
  /** Predicted iterations: [start − now (ms), duration (ms), prefill tokens, decode tokens]. */
  iterations: Array<[number, number, number, number]>;
  /** Requests there, the latest relative to their target first (at most `maxRequests`). */
  requests: RequestRow[];
  requestCount: number;
  /** Requests whose first token is predicted after their TTFT target. */
  predictedMisses: number;
}

const round = (x: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export class AgentFrames {
  private readonly estimator: LayoutEstimator;
  /** SLO targets of a request of `promptTokens` on `profile` (as the balancers resolve them). */
  readonly sloFor: (promptTokens: number, profile: string) => { ttftMs: number; tpotMs: number };

  constructor(
    slo: SloSpec,
    private readonly iterations: number,
    private readonly maxRequests = 12,
  ) {
    const models = new Map<string, LatencyModel>();
    const profile = (name: string) => {
      const p = findProfile(name);
      if (p === undefined) throw new RangeError(`unknown latency profile "${name}"`);
      return p;
    };
    this.sloFor = (promptTokens, name) => {
      let model = models.get(name);
      if (model === undefined) {
        model = new LatencyModel(profile(name));
        models.set(name, model);
      }
      return resolveSlo(slo, { promptTokens }, model, {
        maxNumBatchedTokens: 512,
        enableChunkedPrefill: true,
      });
    };
    this.estimator = new LayoutEstimator({ profile, sloFor: this.sloFor });
  }

  /** Every agent of `view` at fleet time `nowMs`, in id order. */
  frames(view: FleetView, nowMs: number): AgentFrame[] {
    const cluster = view.cluster(nowMs);
    this.estimator.retain(new Set(cluster.instances.map((v) => v.id)));
    return cluster.instances.map((v): AgentFrame => {
      const f = this.estimator.forecast(v, nowMs, { iterations: this.iterations });
      const rows = f.requests.map((r): RequestRow & { late: number } => {
        const ttft = Number.isFinite(r.ttftMs) ? round(r.ttftMs, 0) : null;
        const row: RequestRow = [r.id, ttft, round(r.slo.ttftMs, 0), r.predicted ? 1 : 0];
        return Object.assign(row, { late: (ttft ?? Infinity) / r.slo.ttftMs });
      });
      rows.sort((a, b) => b.late - a.late);
      const misses = f.requests.filter((r) => r.predicted && r.ttftMs > r.slo.ttftMs).length;
      return {
        id: v.id,
        status: v.status,
        profile: v.profile,
        kvUsedBlocks: v.snapshot.kv.usedBlocks,
        kvTotalBlocks: v.snapshot.kv.totalBlocks,
        running: v.snapshot.running.length,
        waiting: v.snapshot.waiting.length,
        pending: v.pending.length,
        queuedPrefillTokens: queuedPrefillTokens(v),
        iterations: f.iterations.map((it) => [
          round(it.startMs - nowMs),
          round(it.durationMs, 2),
          it.prefillTokens,
          it.decodeTokens,
        ]),
        requests: rows.slice(0, this.maxRequests).map((r) => [r[0], r[1], r[2], r[3]]),
        requestCount: rows.length,
        predictedMisses: misses,
      };
    });
  }
}
