/**
 * AdaGen's balance step. Among the candidate instances for the request's class, predict each
 * one's compute layout with the request added (the estimator replays the engine's scheduler
 * from the instance's snapshot) and place it where the predicted cost is lowest:
 *
 *   1. SLO violations: the new request's own (TTFT or TPOT over target) plus the requests
 *      already there that would meet their SLO without it and miss it with it;
 *   2. then latency: the new request's TTFT and TPOT relative to their targets, plus the delay
 *      it adds to the others.
 *
 * A cheap pre-filter keeps large clusters fast: instances are ranked by queued prefill work
 * (the time before a new prompt starts) and, for long prompts, by how many decodes a prefill
 * there would slow down; only the best `maxCandidates` are simulated.
 */
import type { Estimate } from '@adagen/estimator';
import { activeRunning, queuedPrefillTokens, readyIndices } from '../baselines/signals.js';
import type { Balancer, Classification, ClusterView, InstanceView, Placement } from '../types.js';
import type { SharedContext } from './context.js';

export interface AdaGenBalancerOptions {
  /**
   * Instances simulated per decision after pre-filtering.
   * @default 8
   */
  maxCandidates?: number;
  /**
   * Weight of each request already on the instance pushed over its SLO, against 1 for the new
   * request's own violation.
   * @default 1
   */
  othersWeight?: number;
  /**
   * Weights of the latency tie-break terms: the new request's TTFT and TPOT relative to their
   * targets, and the delay it adds to the others (in units of 1000 × its TPOT target).
   * @default { ttft: 1, tpot: 1, delay: 1 }
   */
  latencyWeights?: { ttft?: number; tpot?: number; delay?: number };
  /**
   * Among placements with no predicted violation, prefer the most loaded one whose predicted
   * TTFT and TPOT stay within `bestFitMargin` of their targets (best fit keeps lightly loaded
   * instances free for requests with tight targets), instead of the lowest latency.
   * @default undefined (lowest latency)
   */
  bestFitMargin?: number;
  /** Best fit for every request (true) or only long-prefill ones (false). @default false */
  bestFitAll?: boolean;
  /**
   * Keep instances free for tight-TTFT requests: a long-prefill request that can meet its SLO
   * on an instance already too backlogged for a short prompt goes there rather than onto one a
   * short prompt could still use. `reserveShare` × the tightest TTFT target is the backlog above
   * which an instance counts as unusable for short prompts. @default undefined (off)
   */
  reserveShare?: number;
  /**
   * A request predicted to miss its SLO on every candidate goes where it hurts the others least
   * (the most backlogged instance), not where it would be least late. @default true
   */
  sacrifice?: boolean;
}

/** A candidate's cost: violations first, then a latency tie-break in [0, ∞). */
export interface Cost {
  violations: number;
  latency: number;
}

export function compareCost(a: Cost, b: Cost): number {
  return a.violations - b.violations || a.latency - b.latency;
}

export class AdaGenBalancer implements Balancer {
  readonly name = 'adagen-balancer';
  private readonly maxCandidates: number;
  private readonly othersWeight: number;
  private readonly w: { ttft: number; tpot: number; delay: number };
  private readonly bestFitMargin: number | undefined;
  private readonly bestFitAll: boolean;
  private readonly reserveShare: number | undefined;
  private readonly sacrifice: boolean;

  constructor(
    private readonly shared: SharedContext,
    options: AdaGenBalancerOptions = {},
  ) {
    this.maxCandidates = options.maxCandidates ?? 8;
    this.othersWeight = options.othersWeight ?? 1;
    const lw = options.latencyWeights ?? {};
    this.w = { ttft: lw.ttft ?? 1, tpot: lw.tpot ?? 1, delay: lw.delay ?? 1 };
    this.bestFitMargin = options.bestFitMargin;
    this.bestFitAll = options.bestFitAll ?? false;
    this.reserveShare = options.reserveShare;
    this.sacrifice = options.sacrifice ?? true;
  }

  place(c: Classification, view: ClusterView): Placement {
    const candidates = this.prefilter(c, view);
    const est = this.shared.estimator;
    const estimates = new Map<string, Estimate>();
    const arrivalMs = view.nowMs + this.shared.controlDelayMs;
    let best: { view: InstanceView; estimate: Estimate; cost: Cost } | undefined;
    let hopeless = true;
    for (const v of candidates) {
      const e = est.estimate(
        v,
        {
          id: c.request.id,
          role: 'full',
          promptTokens: c.request.promptTokens,
          outputTokens: c.predictedOutputTokens,
          arrivalMs,
          originArrivalMs: c.request.arrivalMs,
          giveUpAtMs:
            c.request.arrivalMs +
            1.5 * this.shared.sloFor(c.request.promptTokens, v.profile).ttftMs,
          ...(c.request.maxTokens === undefined ? {} : { maxTokens: c.request.maxTokens }),
        },
        view.nowMs,
      );
      estimates.set(v.id, e);
      const cost = this.cost(c, v, e);
      if (!this.ownMiss(c, v, e)) hopeless = false;
      if (!best || compareCost(cost, best.cost) < 0) best = { view: v, estimate: e, cost };
    }
    if (hopeless && this.sacrifice) {
      // It misses its SLO wherever it goes: put it where it takes the least from the others —
      // fewest requests pushed over their SLO, then the longest prefill queue (the instance
      // already least useful to new requests), keeping the healthy instances for requests that
      // can still make it.
      let most = -1;
      for (const v of candidates) {
        const e = estimates.get(v.id)!;
        const queued = queuedPrefillTokens(v);
        const fewer = best !== undefined && e.newlyViolated < best.estimate.newlyViolated;
        const tie = best !== undefined && e.newlyViolated === best.estimate.newlyViolated;
        if (best === undefined || fewer || (tie && queued > most)) {
          best = { view: v, estimate: e, cost: this.cost(c, v, e) };
          most = queued;
        }
      }
    }
    this.shared.balanceEstimates = { requestId: c.request.id, byInstance: estimates };
    const chosen = best!;
    return {
      classification: c,
      instanceId: chosen.view.id,
      candidates: candidates.length,
      prediction: {
        ttftMs: chosen.estimate.ttftMs,
        tpotMs: chosen.estimate.tpotMs,
        newlyViolated: chosen.estimate.newlyViolated,
      },
    };
  }

  private ownMiss(c: Classification, v: InstanceView, e: Estimate): boolean {
    const slo = this.shared.sloFor(c.request.promptTokens, v.profile);
    return e.ttftMs > slo.ttftMs || (c.predictedOutputTokens > 1 && e.tpotMs > slo.tpotMs);
  }

  /** The cost of placing `c` on `v` as estimated. */
  cost(c: Classification, v: InstanceView, e: Estimate): Cost {
    const slo = this.shared.sloFor(c.request.promptTokens, v.profile);
    const missTtft = e.ttftMs > slo.ttftMs;
    const missTpot = c.predictedOutputTokens > 1 && e.tpotMs > slo.tpotMs;
    const m = this.bestFitMargin;
    if (
      m !== undefined &&
      (this.bestFitAll || c.prefill === 'long') &&
      e.newlyViolated === 0 &&
      e.ttftMs <= m * slo.ttftMs &&
      (c.predictedOutputTokens <= 1 || e.tpotMs <= m * slo.tpotMs)
    ) {
      // Feasible with room to spare: the fuller the better (negative: beats any latency ≥ 0).
      return { violations: 0, latency: -1 - e.ttftMs / slo.ttftMs };
    }
    const r = this.reserveShare;
    if (
      r !== undefined &&
      c.prefill === 'long' &&
      e.newlyViolated === 0 &&
      !missTtft &&
      !missTpot
    ) {
      const model = this.shared.model(v.profile);
      const ownMs = model.prefillAloneMs(
        0,
        c.request.promptTokens,
        this.shared.chunkTokens(v.profile),
      );
      const backlogMs = e.ttftMs - ownMs;
      const tightest = this.shared.sloFor(1, v.profile).ttftMs;
      const usableForShort = backlogMs < r * tightest;
      return { violations: 0, latency: (usableForShort ? 10 : 0) + e.ttftMs / slo.ttftMs };
    }
    return {
      violations: (missTtft || missTpot ? 1 : 0) + this.othersWeight * e.newlyViolated,
      latency:
        (this.w.ttft * e.ttftMs) / slo.ttftMs +
        (c.predictedOutputTokens > 1 ? (this.w.tpot * e.tpotMs) / slo.tpotMs : 0) +
        (this.w.delay * e.addedDelayMs) / (1000 * slo.tpotMs),
    };
  }

  /** The instances worth simulating: all when few, else the most promising by cheap signals. */
  prefilter(c: Classification, view: ClusterView): InstanceView[] {
    const ready = readyIndices(view.instances).map((i) => view.instances[i]!);
    if (ready.length <= this.maxCandidates) return ready;
    const queued = new Map(ready.map((v) => [v.id, queuedPrefillTokens(v)]));
    const byQueue = [...ready].sort((a, b) => queued.get(a.id)! - queued.get(b.id)!);
    const picked = new Set<InstanceView>(byQueue.slice(0, Math.ceil(this.maxCandidates / 2)));
    // Long prompts hurt the decodes they share iterations with: also try the decode-light ones.
    const decodeLight = [...ready].sort(
      (a, b) =>
        activeRunning(a) + a.pending.length - (activeRunning(b) + b.pending.length) ||
        queued.get(a.id)! - queued.get(b.id)!,
    );
    for (const v of c.prefill === 'long' ? decodeLight : byQueue) {
      if (picked.size >= this.maxCandidates) break;
      picked.add(v);
    }
    return [...picked];
  }
}
